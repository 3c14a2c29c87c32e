import { approvalsAsked, holdingState } from '../../approvals/index.js';
import type { Draft, PlanContext, Refuse } from '../../approvals/gated-action.js';
import { describeCommand } from '../../commands/spec.js';
import { mapLimit } from '../../concurrency.js';
import { UserError } from '../../errors.js';
import { VaultError } from '../../integrations/vault.js';
import { keyPath } from '../../names.js';
import { defaultPath, vault as vaultCommand } from './command.js';
import { consumersOf, readsAny } from './consumers.js';
import { secretKeys } from './detect.js';
import { loadFingerprinter, valueLength } from './fingerprint.js';
import { listWorkloads, readConfigMap } from './kube.js';
import { KEY_CONCURRENCY } from './limit.js';
import { explainVault, requireActive, requireVault } from './preflight.js';
import { migrationSteps, missingKeysRefusal, notKv2Refusal, pathsTakenRefusal } from './render.js';
import type { PlannedKey, VaultMigration, VaultPlan } from './store.js';

/** How a refused migration reads in the audit trail. */
export function vaultMigrationAudit({ data }: PlanContext<'vault-migrate-plan'>) {
  const { command } = data;
  return {
    command: describeCommand(vaultCommand, command).line,
    target: `${command.namespace}/configmap/${command.configMap}`,
    ...(command.reason ? { reason: command.reason } : {}),
  };
}

/**
 * `/carbon vault migrate configmap/NAME -n NS`: the plan. Reads the ConfigMap (values stay in this
 * process), finds its secret keys (or takes --keys), looks at each target path in Vault, finds the
 * workloads that read the ConfigMap, gives the migration to store with its keys (names, lengths, keyed
 * fingerprints). Nothing is written to Vault or the cluster
 * (except, once, the fingerprint key carbon-ops keeps in Vault).
 */
export async function planVaultMigration(
  { data, deps, progress }: PlanContext<'vault-migrate-plan'>,
  refuse: Refuse,
): Promise<Draft<VaultMigration>> {
  const { kube, store, cluster, config } = deps;
  const command = data.command;
  const { namespace, configMap } = command;
  const vault = requireVault(deps.vault);
  const mount = command.mount ?? vault.mount;
  const path = command.path ?? defaultPath(namespace, configMap);

  // The cluster first: an unknown namespace or ConfigMap is refused before any call to Vault.
  await progress(`Reading configmap/${configMap} in ${namespace}…`);
  if (!(await kube.namespaceExists(namespace)))
    return refuse(`Namespace \`${namespace}\` does not exist in ${cluster.name}.`);
  const found = await readConfigMap(kube, namespace, configMap);
  if (found === undefined)
    return refuse(`There is no ConfigMap \`${configMap}\` in namespace \`${namespace}\` of ${cluster.name}.`);
  const values = found.data ?? {};
  const detected = new Map(secretKeys(values).map((s) => [s.key, s.why]));
  const skipped: VaultPlan['skipped'] = [];
  let chosen: { key: string; why: string }[];
  if (command.keys !== undefined) {
    const missing = command.keys.filter((k) => values[k] === undefined);
    if (missing.length > 0) return refuse(missingKeysRefusal(configMap, missing, Object.keys(values)));
    chosen = command.keys.map((key) => ({ key, why: detected.get(key) ?? 'asked' }));
    for (const [key, why] of detected)
      if (!command.keys.includes(key)) skipped.push({ key, why: `secret-looking (${why}), not in --keys` });
  } else {
    chosen = [...detected].map(([key, why]) => ({ key, why }));
    if (chosen.length === 0)
      return refuse(
        `No key of ConfigMap \`${configMap}\` looks like a secret (by name or value). ` +
          'Name the keys to move with --keys.',
      );
  }

  await progress(`Checking Vault at ${vault.addr}…`);
  const health = await requireActive(vault, 'the migration').catch((error: Error) => refuse(error.message));
  let planned: PlannedKey[];
  try {
    const mounts = await vault.client.mounts().catch((error: unknown) => {
      // a token may not read sys/mounts: then the writes tell
      if (error instanceof VaultError && error.kind === 'PermissionDenied') return undefined;
      throw error;
    });
    const kv = mounts?.find((m) => m.path === mount);
    if (mounts !== undefined && (kv === undefined || kv.type !== 'kv' || kv.version !== '2')) {
      const kv2 = mounts.filter((m) => m.type === 'kv' && m.version === '2').map((m) => m.path);
      return refuse(notKv2Refusal(mount, vault.addr, kv2));
    }
    const fingerprint = await loadFingerprinter(vault.client, vault.mount);
    // Each target path looked at in Vault, a few at a time (values stay in this process).
    const otherFields = new Map<string, string[]>();
    planned = await mapLimit(chosen, KEY_CONCURRENCY, async ({ key, why }) => {
      const value = values[key]!;
      const targetPath = keyPath(path, key);
      const meta = await vault.client.kvMetadata(mount, targetPath);
      const baseVersion = meta?.current_version ?? 0;
      let action: PlannedKey['action'] = baseVersion === 0 ? 'create' : 'update';
      if (baseVersion > 0) {
        const current = await vault.client.kvRead(mount, targetPath);
        if (current?.data?.['value'] === value) action = 'present';
        otherFields.set(
          targetPath,
          Object.keys(current?.data ?? {}).filter((field) => field !== 'value'),
        ); // names only
      }
      return {
        key,
        targetPath,
        length: valueLength(value),
        fingerprint: fingerprint(value),
        foundBy: why,
        action,
        baseVersion,
      };
    });
    // A KV write replaces the whole secret: an existing one carbon-ops did not write, or that holds other fields,
    // only with --overwrite.
    const updates = planned.filter((k) => k.action === 'update');
    if (updates.length > 0 && command.overwrite !== true) {
      const ours = await store.vaultMigrations.writtenPaths(
        mount,
        updates.map((k) => k.targetPath),
      );
      const foreign = updates.flatMap((k) => {
        const fields = otherFields.get(k.targetPath) ?? [];
        const path = `${mount}/${k.targetPath}`;
        return fields.length > 0 || !ours.has(k.targetPath) ? [{ path, fields }] : [];
      });
      if (foreign.length > 0) return refuse(pathsTakenRefusal(foreign));
    }
  } catch (error) {
    if (error instanceof UserError) throw error;
    return refuse(explainVault(error, vault, 'the plan').message);
  }

  const consumers = consumersOf(configMap, await listWorkloads(kube, namespace)).filter((c) =>
    readsAny(
      c,
      planned.map((k) => k.key),
    ),
  );
  const approvals = approvalsAsked(data);
  const plan: VaultPlan = {
    cluster,
    vault: { addr: vault.addr, version: health.version, simulated: vault.simulated },
    keys: planned,
    skipped,
    staying: Object.keys(values).length - planned.length,
    consumers,
    steps: migrationSteps({
      approvals,
      expiryMinutes: config.VAULT_APPROVAL_EXPIRY_MIN,
      cutover: command.cutover,
      consumers: consumers.length,
      mount,
      appsReadVaultFiles: command.appsReadVaultFiles === true,
    }),
    ...(command.appsReadVaultFiles ? { appsReadVaultFiles: true } : {}),
    ...(command.overwrite ? { overwrite: true } : {}),
  };

  const columns = {
    cluster: cluster.name,
    namespace,
    configMap,
    mount,
    path,
    cutover: command.cutover,
    ...(command.reason ? { reason: command.reason } : {}),
    plan,
  };
  return {
    create: (approval, jobId) => store.vaultMigrations.create({ ...approval, ...columns }, jobId),
    busy: (holder) =>
      `A Vault migration of configmap/${configMap} in ${namespace} is already ` +
      `${holdingState(holder)}: migration ${holder.id} by ${holder.requestedBy}. One at a time.`,
    log: { configMap: `${namespace}/${configMap}`, keys: planned.length, approvals },
  };
}
