import { approvalsAsked, holdingState } from '../../approvals/index.js';
import type { Draft, PlanContext, Refuse } from '../../approvals/gated-action.js';
import { describeCommand } from '../../commands/spec.js';
import { mapLimit } from '../../concurrency.js';
import { UserError } from '../../errors.js';
import { VaultError } from '../../integrations/vault.js';
import { keyPath } from '../../names.js';
import { defaultPath, vault as vaultCommand } from './command.js';
import { consumersOf, isAnnotated, readsAny } from './consumers.js';
import { secretKeys } from './detect.js';
import { loadFingerprinter, valueLength } from './fingerprint.js';
import { listPodRunners, readConfigMap } from './kube.js';
import { KEY_CONCURRENCY } from './limit.js';
import { explainVault, requireActive, requireVault } from './preflight.js';
import { migrationSteps, missingKeysRefusal, notKv2Refusal, pathsTakenRefusal } from './render.js';
import type { PlannedKey, VaultMigration, VaultPlan } from './store.js';
import type { VaultDeps } from '../../integrations/vault-connection.js';
import type { JobDeps } from '../../jobs/job.js';
import type { VaultMigrateCommand } from '../../contracts/commands.js';

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
 * workloads and pods that read the ConfigMap, gives the migration to store with its keys (names, lengths, keyed
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
  const found = await readConfigMap(kube, namespace, configMap);
  if (found === undefined) {
    // The namespace is read only to say which of the two is missing.
    if (!(await kube.namespaceExists(namespace)))
      return refuse(`Namespace \`${namespace}\` does not exist in ${cluster.name}.`);
    return refuse(`There is no ConfigMap \`${configMap}\` in namespace \`${namespace}\` of ${cluster.name}.`);
  }
  const values = found.data ?? {};
  const { chosen, skipped } = await chooseKeys(command, values, refuse);

  await progress(`Checking Vault at ${vault.addr}…`);
  const health = await requireActive(vault, 'the migration').catch((error: Error) => refuse(error.message));
  let planned: PlannedKey[];
  try {
    await requireKv2(vault, mount, refuse);
    const looked = await planKeys(vault, { mount, path, chosen, values });
    planned = looked.planned;
    if (command.overwrite !== true) await refuseForeignSecrets(store, mount, looked, refuse);
  } catch (error) {
    if (error instanceof UserError) throw error;
    return refuse(explainVault(error, vault, 'the plan').message);
  }

  const consumers = consumersOf(configMap, await listPodRunners(kube, namespace, { shareInFlight: true })).filter((c) =>
    readsAny(
      c,
      planned.map((k) => k.key),
    ),
  );
  const annotated = consumers.filter((c) => isAnnotated(c.kind)).length;
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
      readers: { annotated, notAnnotated: consumers.length - annotated },
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

type Chosen = { key: string; why: string };

/** The keys to move: the ones asked for (all must exist), or every secret-looking key. */
async function chooseKeys(
  command: VaultMigrateCommand,
  values: Record<string, string>,
  refuse: Refuse,
): Promise<{ chosen: Chosen[]; skipped: VaultPlan['skipped'] }> {
  const detected = new Map(secretKeys(values).map((s) => [s.key, s.why]));
  if (command.keys === undefined) {
    const chosen = [...detected].map(([key, why]) => ({ key, why }));
    if (chosen.length === 0)
      return refuse(
        `No key of ConfigMap \`${command.configMap}\` looks like a secret (by name or value). ` +
          'Name the keys to move with --keys.',
      );
    return { chosen, skipped: [] };
  }
  const asked = command.keys;
  const missing = asked.filter((k) => values[k] === undefined);
  if (missing.length > 0) return refuse(missingKeysRefusal(command.configMap, missing, Object.keys(values)));
  const skipped = [...detected]
    .filter(([key]) => !asked.includes(key))
    .map(([key, why]) => ({ key, why: `secret-looking (${why}), not in --keys` }));
  return { chosen: asked.map((key) => ({ key, why: detected.get(key) ?? 'asked' })), skipped };
}

/** The mount must be a KV v2 engine; a token that may not read sys/mounts learns it from the writes. */
async function requireKv2(vault: VaultDeps, mount: string, refuse: Refuse): Promise<void> {
  const mounts = await vault.client.mounts().catch((error: unknown) => {
    if (error instanceof VaultError && error.kind === 'PermissionDenied') return undefined;
    throw error;
  });
  if (mounts === undefined) return;
  const kv = mounts.find((m) => m.path === mount);
  if (kv === undefined || kv.type !== 'kv' || kv.version !== '2') {
    const kv2 = mounts.filter((m) => m.type === 'kv' && m.version === '2').map((m) => m.path);
    await refuse(notKv2Refusal(mount, vault.addr, kv2));
  }
}

/**
 * Each target path looked at in Vault, a few at a time: created, updated or already there, with the names
 * (never the values) of other fields a secret holds. Values stay in this process.
 */
async function planKeys(
  vault: VaultDeps,
  target: { mount: string; path: string; chosen: Chosen[]; values: Record<string, string> },
): Promise<{ planned: PlannedKey[]; otherFields: Map<string, string[]> }> {
  const fingerprint = await loadFingerprinter(vault.client, vault.mount);
  const otherFields = new Map<string, string[]>();
  const planned = await mapLimit(target.chosen, KEY_CONCURRENCY, async ({ key, why }) => {
    const value = target.values[key]!;
    const targetPath = keyPath(target.path, key);
    const meta = await vault.client.kvMetadata(target.mount, targetPath);
    const baseVersion = meta?.current_version ?? 0;
    let action: PlannedKey['action'] = baseVersion === 0 ? 'create' : 'update';
    if (baseVersion > 0) {
      const current = await vault.client.kvRead(target.mount, targetPath);
      if (current?.data?.['value'] === value) action = 'present';
      otherFields.set(
        targetPath,
        Object.keys(current?.data ?? {}).filter((field) => field !== 'value'),
      );
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
  return { planned, otherFields };
}

/**
 * A KV write replaces the whole secret: one carbon-ops did not write, or that holds other fields, is
 * replaced only with --overwrite.
 */
async function refuseForeignSecrets(
  store: JobDeps['store'],
  mount: string,
  { planned, otherFields }: { planned: PlannedKey[]; otherFields: Map<string, string[]> },
  refuse: Refuse,
): Promise<void> {
  const updates = planned.filter((k) => k.action === 'update');
  if (updates.length === 0) return;
  const ours = await store.vaultMigrations.writtenPaths(
    mount,
    updates.map((k) => k.targetPath),
  );
  const foreign = updates.flatMap((k) => {
    const fields = otherFields.get(k.targetPath) ?? [];
    return fields.length > 0 || !ours.has(k.targetPath) ? [{ path: `${mount}/${k.targetPath}`, fields }] : [];
  });
  if (foreign.length > 0) await refuse(pathsTakenRefusal(foreign));
}
