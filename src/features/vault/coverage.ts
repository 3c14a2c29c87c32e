import type { JobDeps } from '../../jobs/job.js';
import type { CoverageConfigMap, CoverageRow } from './render.js';
import { secretKeys } from './detect.js';
import type { Fingerprinter } from './fingerprint.js';
import { listConfigMaps } from './kube.js';

export interface Coverage {
  /** Per namespace: ConfigMaps with secret-looking keys, those keys, how many are in Vault, how many cut over. */
  rows: CoverageRow[];
  configMaps: CoverageConfigMap[];
  total: number;
  inVault: number;
}

/**
 * The Vault coverage: secret-looking keys found in the ConfigMaps (read in this process only) against
 * the keys carbon-ops migrated and verified (and did not roll back); keys a cutover removed from their
 * ConfigMap still count. Names and counts only. `vault status`, the daily post and handoffs all read it here.
 */
export async function measureCoverage(
  deps: Pick<JobDeps, 'kube' | 'store' | 'cluster' | 'config'>,
  namespace?: string,
  /**
   * When Vault is reachable: the keyed fingerprint, to compare each verified key still in its ConfigMap
   * with the value migrated. A key whose ConfigMap value changed since is "changed", not covered.
   */
  fingerprinter?: () => Promise<Fingerprinter | undefined>,
): Promise<Coverage> {
  const { kube, store, cluster } = deps;
  const [configMaps, migrated] = await Promise.all([
    listConfigMaps(kube, namespace),
    store.vaultMigrations.inVault(cluster.name, namespace),
  ]);
  const states = new Map(migrated.map((k) => [`${k.namespace}/${k.configMap}/${k.key}`, k]));
  const fingerprint =
    fingerprinter !== undefined && migrated.some((k) => k.state === 'verified')
      ? await fingerprinter().catch(() => undefined)
      : undefined;
  const stateOf = (
    ns: string,
    name: string,
    key: string,
    value: string | undefined,
  ): CoverageConfigMap['keys'][number]['state'] => {
    const record = states.get(`${ns}/${name}/${key}`);
    if (record === undefined) return 'plain';
    if (fingerprint !== undefined && value !== undefined && fingerprint(value) !== record.fingerprint) return 'changed';
    return 'verified';
  };
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
    const asked = migrated.filter(
      (k) => k.namespace === ns && k.configMap === name && present.has(k.key) && !found.some((f) => f.key === k.key),
    );
    for (const { key, why } of [...found, ...asked.map((k) => ({ key: k.key, why: 'migrated' }))]) {
      entry(ns, name).keys.push({ key, why, state: stateOf(ns, name, key, cm.data?.[key]) });
    }
  }
  for (const k of migrated.filter((m) => m.state === 'removed')) {
    const target = entry(k.namespace, k.configMap);
    if (!target.keys.some((e) => e.key === k.key)) target.keys.push({ key: k.key, why: 'cut over', state: 'removed' });
  }
  const list = [...byConfigMap.values()]
    .filter((c) => c.keys.length > 0)
    .sort((a, b) => `${a.namespace}/${a.name}`.localeCompare(`${b.namespace}/${b.name}`));
  for (const c of list) c.keys.sort((a, b) => a.key.localeCompare(b.key));
  const rows = new Map<string, CoverageRow>();
  for (const c of list) {
    const row = rows.get(c.namespace) ?? {
      namespace: c.namespace,
      configMaps: 0,
      secretKeys: 0,
      inVault: 0,
      cutOver: 0,
    };
    row.configMaps++;
    row.secretKeys += c.keys.length;
    row.inVault += c.keys.filter(covered).length;
    row.cutOver += c.keys.filter((k) => k.state === 'removed').length;
    rows.set(c.namespace, row);
  }
  return {
    rows: [...rows.values()].sort((a, b) => a.namespace.localeCompare(b.namespace)),
    configMaps: list,
    total: list.reduce((n, c) => n + c.keys.length, 0),
    inVault: list.reduce((n, c) => n + c.keys.filter(covered).length, 0),
  };
}

const covered = (k: { state: CoverageConfigMap['keys'][number]['state'] }): boolean =>
  k.state === 'verified' || k.state === 'removed';
