import type { DataOf } from '../../contracts/jobs.js';
import { showRequest } from '../../approvals/index.js';
import { ReportedFailure, UserError } from '../../errors.js';
import type { Message } from '../../message.js';
import { rollbackResultMessage, rollbackSummary } from './render.js';
import { AuditUnavailable, type AuditEntry } from '../../store/audit-log.js';
import type { KeyRecord, VaultMigration } from './store.js';
import type { VaultDeps } from '../../integrations/vault-connection.js';
import { VAULT_MIGRATE_KIND } from './approval.js';
import { loadFingerprinter } from './fingerprint.js';
import { annotationsToRemove } from './inject.js';
import { addConfigMapKeys, KubeCallFailed, patchTemplateAnnotations, readConfigMap, readWorkload } from './kube.js';
import { explainVault, requireActive, requireVault } from './preflight.js';
import type { JobContext, JobDefinition } from '../../jobs/job.js';

/** How often putting keys back retries when the ConfigMap changed between read and patch. */
const PATCH_RETRIES = 3;

/**
 * `/carbon vault rollback ID`: the keys a cutover removed go back into the ConfigMap, read from the
 * Vault versions the migration wrote (and checked against their fingerprints), then the injector
 * annotations come off the workloads (the reverse order of the cutover). A key the ConfigMap holds
 * again with another value is left alone. The secrets stay in Vault. Audited; safe to retry.
 */
export const vaultRollback: JobDefinition<'vault-rollback'> = {
  attempts: 2,
  async run(ctx) {
    const { jobId, data, deps, log } = ctx;
    const { store } = deps;
    const { id } = data.command;
    const refuse = refuser(ctx);
    if ((data.authorization?.approvals ?? 0) > 0) {
      return refuse(
        'The policy asks for approvals on vault-rollback; a rollback runs on the requester’s role alone. ' +
          'Set approvals: 0 for vault-rollback (or leave rollbacks to approvers).',
      );
    }
    const m = await store.vaultMigrations.get(id);
    if (m === undefined) return refuse(`There is no Vault migration ${id}.`);
    const notOver = whyNothingToRollBack(id, m);
    if (notOver !== undefined) return refuse(notOver, m);
    let vault: VaultDeps;
    try {
      vault = requireVault(deps.vault);
    } catch (error) {
      return refuse(error instanceof Error ? error.message : String(error), m);
    }
    const claimed = await claimRollback(ctx, m, refuse);

    // From here the rollback is claimed: any error releases the claim (with a `failed` audit row) so it can be asked
    // again.
    try {
      return await rollBack(ctx, claimed, vault);
    } catch (error) {
      if (!(error instanceof ReportedFailure)) {
        const why = error instanceof UserError ? error.message : 'internal error (see the worker log)';
        await store.vaultMigrations
          .finishRollback(claimed, 'failed', `not finished: ${why}`, data.requester.user, jobId)
          .catch((failure: unknown) =>
            log.error({ err: failure, migration: id }, 'releasing the rollback claim failed'),
          );
      }
      throw error;
    }
  },
};

type RollbackContext = JobContext<DataOf<'vault-rollback'>>;

/** Refuses the rollback with a user error, the refusal audited (against the migration when there is one). */
type Refuse = (why: string, m?: VaultMigration) => Promise<never>;

function refuser({ jobId, data, deps, log }: RollbackContext): Refuse {
  const { store } = deps;
  const { id } = data.command;
  return async (why, m) => {
    const entry: AuditEntry = m
      ? store.vaultMigrations.rollbackEntry(m, {
          actor: data.requester.user,
          channel: data.requester.channel,
          outcome: 'refused',
          jobId,
          detail: why,
        })
      : {
          actor: data.requester.user,
          channel: data.requester.channel,
          action: 'vault-rollback',
          command: `vault rollback ${id}`,
          requestId: id,
          outcome: 'refused',
          jobId,
          detail: why,
          cluster: deps.cluster.name,
        };
    await store.audit
      .record(entry)
      .catch((error: unknown) => log.error({ err: error }, 'audit write failed for a refusal'));
    throw new UserError(why);
  };
}

/** Why a migration in this state has nothing to roll back yet (or ever); undefined once it has ended. */
function whyNothingToRollBack(id: string, m: VaultMigration): string | undefined {
  if (m.state === 'pending')
    return `Vault migration ${id} is still awaiting approval: nothing to roll back (\`deny ${id}\` cancels it).`;
  if (m.state === 'approved' || m.state === 'running')
    return `Vault migration ${id} is ${m.state}: wait for it to end, then roll back.`;
  if (m.state === 'rejected' || m.state === 'expired')
    return (
      `Vault migration ${id} was ${m.state === 'rejected' ? 'denied' : 'never approved'}: ` +
      'nothing was done, nothing to roll back.'
    );
  return undefined;
}

/** Claims the rollback for this job (audited), or refuses when another has it or it is done. */
async function claimRollback(
  { jobId, data, deps }: RollbackContext,
  m: VaultMigration,
  refuse: Refuse,
): Promise<VaultMigration> {
  const { store } = deps;
  const { id } = data.command;
  let claimed;
  try {
    claimed = await store.vaultMigrations.claimRollback(id, data.requester.user, data.requester.channel, jobId);
  } catch (error) {
    if (error instanceof AuditUnavailable)
      throw new UserError(`The audit trail cannot be written, so the rollback of ${id} was NOT started.`);
    throw error;
  }
  if (claimed !== undefined) return claimed;
  const now = (await store.vaultMigrations.get(id)) ?? m;
  if (now.rolledBackAt !== undefined && now.rollbackResult === undefined)
    return refuse(
      `A rollback of Vault migration ${id} is under way` +
        `${now.rolledBackBy ? ` (by ${now.rolledBackBy})` : ''}: wait for it to end.`,
      now,
    );
  return refuse(
    `Vault migration ${id} was already rolled back${now.rolledBackBy ? ` by ${now.rolledBackBy}` : ''}.`,
    now,
  );
}

async function rollBack(ctx: RollbackContext, claimed: VaultMigration, vault: VaultDeps): Promise<Message> {
  const { jobId, data, deps, log } = ctx;
  const { store, chat } = deps;
  const { id } = claimed;
  const { restored, problems } = await restoreKeys(ctx, claimed, vault);
  const unannotated = await removeInjectorAnnotations(ctx, claimed);

  const ok = problems.length === 0;
  const summary = rollbackSummary(restored.length, unannotated.length, problems.length);
  await store.vaultMigrations.finishRollback(claimed, ok ? 'succeeded' : 'failed', summary, data.requester.user, jobId);
  const now = (await store.vaultMigrations.get(id)) ?? claimed;
  await showRequest(chat, VAULT_MIGRATE_KIND, now, log, { decided: true });
  log.info(
    { migration: id, restored: restored.length, unannotated: unannotated.length, problems: problems.length },
    'vault migration rolled back',
  );
  const message = rollbackResultMessage(now, restored, unannotated, problems);
  if (!ok) throw new ReportedFailure(message.text, message);
  return message;
}

/** The keys the cutover removed, read back from Vault and put back into the ConfigMap: those put back, and why not. */
async function restoreKeys(
  ctx: RollbackContext,
  m: VaultMigration,
  vault: VaultDeps,
): Promise<{ restored: string[]; problems: string[] }> {
  const { store, kube } = ctx.deps;
  const { id } = m;
  const toRestore = (await store.vaultMigrations.keys(id)).filter((k) => k.state === 'removed');
  if (toRestore.length === 0) return { restored: [], problems: [] };
  await requireActive(vault, `the rollback of ${id}`);
  await ctx.progress(`Reading ${toRestore.length} key(s) back from Vault…`);
  const read = await readMigratedValues(m, vault, toRestore);
  const put = await putBack(kube, m, read.values);
  for (const key of put.restored)
    await store.vaultMigrations.setKey(id, key, 'restored', { detail: 'put back into the ConfigMap by a rollback' });
  return { restored: put.restored, problems: [...read.problems, ...put.problems] };
}

/** The versions the migration wrote, read from Vault: the values that still match their fingerprints. */
async function readMigratedValues(
  m: VaultMigration,
  vault: VaultDeps,
  keys: readonly KeyRecord[],
): Promise<{ values: Record<string, string>; problems: string[] }> {
  const values: Record<string, string> = {};
  const problems: string[] = [];
  try {
    const fingerprint = await loadFingerprinter(vault.client, vault.mount);
    for (const k of keys) {
      const read =
        k.vaultVersion === undefined ? null : await vault.client.kvRead(m.mount, k.targetPath, k.vaultVersion);
      const value = read?.data?.['value'];
      if (typeof value !== 'string' || fingerprint(value) !== k.fingerprint)
        problems.push(
          `${k.key}: version ${k.vaultVersion ?? '?'} in Vault is gone or not the migrated value: not put back`,
        );
      else values[k.key] = value;
    }
  } catch (error) {
    throw explainVault(error, vault, `the rollback of ${m.id}`);
  }
  return { values, problems };
}

/**
 * The values added to the ConfigMap where it lacks the key (read again and retried when it was edited
 * meanwhile); a key it holds with another value is left as it is.
 */
async function putBack(
  kube: JobContext['deps']['kube'],
  m: VaultMigration,
  values: Record<string, string>,
): Promise<{ restored: string[]; problems: string[] }> {
  for (let attempt = 0; ; attempt++) {
    const configMap = await readConfigMap(kube, m.namespace, m.configMap);
    if (configMap === undefined)
      return { restored: [], problems: [`configmap/${m.configMap} is gone: no key put back`] };
    const add: Record<string, string> = {};
    const already: string[] = [];
    const taken: string[] = [];
    for (const [key, value] of Object.entries(values)) {
      const now = configMap.data?.[key];
      if (now === undefined) add[key] = value;
      else if (now === value) already.push(key);
      else taken.push(`${key}: the ConfigMap holds another value now: left as it is`);
    }
    try {
      if (Object.keys(add).length > 0) await addConfigMapKeys(kube, configMap, add);
    } catch (error) {
      if (error instanceof KubeCallFailed && (error.status === 409 || error.status === 422) && attempt < PATCH_RETRIES)
        continue; // edited meanwhile: read again
      throw error;
    }
    return { restored: [...already, ...Object.keys(add)], problems: taken };
  }
}

/** The injector annotations the cutover added come off each workload not yet restored: the workloads done. */
async function removeInjectorAnnotations(ctx: RollbackContext, m: VaultMigration): Promise<string[]> {
  const { store, kube } = ctx.deps;
  const unannotated: string[] = [];
  for (const w of await store.vaultMigrations.workloads(m.id)) {
    if (w.state === 'restored') continue;
    const ref = `${w.kind}/${w.name}`;
    await ctx.progress(`Removing the injector annotations from ${ref}…`);
    const workload = await readWorkload(kube, w.kind, m.namespace, w.name);
    if (workload !== undefined) {
      const remove = annotationsToRemove(w.added, workload.spec?.template?.metadata?.annotations ?? {});
      const present = remove.filter((name) => workload.spec?.template?.metadata?.annotations?.[name] !== undefined);
      if (present.length > 0)
        await patchTemplateAnnotations(
          kube,
          w.kind,
          m.namespace,
          w.name,
          Object.fromEntries(present.map((name) => [name, null])),
        );
    }
    await store.vaultMigrations.setWorkload(m.id, { ...w, state: 'restored' });
    unannotated.push(ref);
  }
  return unannotated;
}
