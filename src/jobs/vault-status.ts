import type { VaultCommand } from '../commands/vault.js';
import { UserError } from '../errors.js';
import { vaultStatusMessage, type CoverageConfigMap, type CoverageRow, type VaultStatusReport } from '../reports/vault.js';
import { secretKeys } from '../vault/detect.js';
import { listConfigMaps } from '../vault/kube.js';
import type { JobDefinition } from './job.js';

/**
 * `/carbon vault status`: Vault's state and the coverage. Secret-looking keys are found in the
 * ConfigMaps (read in this process only); "in Vault" means migrated and verified by carbon-ops (and
 * not rolled back); keys a cutover removed from their ConfigMap still count. Names and counts only.
 */
export const vaultStatus: JobDefinition<Extract<VaultCommand, { action: 'status' }>> = {
  attempts: 2,
  async run({ data, deps, progress }) {
    const { kube, store, cluster, vault } = deps;
    const { namespace } = data.command;
    if (namespace !== undefined && !(await kube.namespaceExists(namespace))) throw new UserError(`Namespace \`${namespace}\` does not exist in ${cluster.name}.`);
    await progress('Reading ConfigMaps and Vault…');
    const [configMaps, migrated, health] = await Promise.all([
      listConfigMaps(kube, namespace, deps.config.KUBE_PAGE_SIZE),
      store.vaultMigrations.inVault(cluster.name, namespace),
      vault === undefined
        ? Promise.resolve(undefined)
        : vault.client.health().then(
            (h) => ({ health: h }),
            (error: Error) => ({ problem: error.message }),
          ),
    ]);
    const states = new Map(migrated.map((k) => [`${k.namespace}/${k.configMap}/${k.key}`, k.state]));
    const byConfigMap = new Map<string, CoverageConfigMap>();
    const entry = (ns: string, name: string) => {
      const id = `${ns}/${name}`;
      let found = byConfigMap.get(id);
      if (found === undefined) byConfigMap.set(id, (found = { namespace: ns, name, keys: [] }));
      return found;
    };
    for (const cm of configMaps) {
      const ns = cm.metadata?.namespace ?? '';
      const name = cm.metadata?.name ?? '';
      const found = secretKeys(cm.data);
      const present = new Set(Object.keys(cm.data ?? {}));
      // A key migrated by name (--keys) that does not look like a secret counts too.
      const asked = migrated.filter((k) => k.namespace === ns && k.configMap === name && present.has(k.key) && !found.some((f) => f.key === k.key));
      for (const { key, why } of [...found, ...asked.map((k) => ({ key: k.key, why: 'migrated' }))]) {
        entry(ns, name).keys.push({ key, why, state: states.get(`${ns}/${name}/${key}`) === undefined ? 'plain' : 'verified' });
      }
    }
    for (const k of migrated.filter((m) => m.state === 'removed')) {
      const target = entry(k.namespace, k.configMap);
      if (!target.keys.some((e) => e.key === k.key)) target.keys.push({ key: k.key, why: 'cut over', state: 'removed' });
    }
    const list = [...byConfigMap.values()].filter((c) => c.keys.length > 0).sort((a, b) => `${a.namespace}/${a.name}`.localeCompare(`${b.namespace}/${b.name}`));
    for (const c of list) c.keys.sort((a, b) => a.key.localeCompare(b.key));
    const rows = new Map<string, CoverageRow>();
    for (const c of list) {
      const row = rows.get(c.namespace) ?? { namespace: c.namespace, configMaps: 0, secretKeys: 0, inVault: 0, cutOver: 0 };
      row.configMaps++;
      row.secretKeys += c.keys.length;
      row.inVault += c.keys.filter((k) => k.state !== 'plain').length;
      row.cutOver += c.keys.filter((k) => k.state === 'removed').length;
      rows.set(c.namespace, row);
    }
    const report: VaultStatusReport = {
      cluster,
      ...(namespace !== undefined ? { namespace } : {}),
      vault: vault === undefined ? undefined : { addr: vault.addr, simulated: vault.simulated, ...health },
      rows: [...rows.values()].sort((a, b) => a.namespace.localeCompare(b.namespace)),
      configMaps: list,
      total: list.reduce((n, c) => n + c.keys.length, 0),
      inVault: list.reduce((n, c) => n + c.keys.filter((k) => k.state !== 'plain').length, 0),
    };
    return vaultStatusMessage(report);
  },
};
