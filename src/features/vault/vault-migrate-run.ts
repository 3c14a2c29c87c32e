import type { ConfigMap } from 'kubernetes-types/core/v1.js';
import { setTimeout as sleep } from 'node:timers/promises';
import type { WorkloadKind } from '../../catalogue.js';
import { showRequest } from '../../approvals/index.js';
import { VAULT_MIGRATE_KIND } from './approval.js';
import { mapLimit } from '../../concurrency.js';
import { ReportedFailure, UserError } from '../../errors.js';
import { isCasMismatch } from '../../integrations/vault.js';
import { keptForReadersNote, migrationResultMessage, migrationSummary } from './render.js';
import { progressLine, rolloutStatus } from '../restart/rollout-status.js';
import type { KeyRecord, VaultMigration } from './store.js';
import type { VaultDeps } from '../../integrations/vault-connection.js';
import { consumersOf, isAnnotated, keysStillRead, readsAny, type Consumer } from './consumers.js';
import { loadFingerprinter, type Fingerprinter } from './fingerprint.js';
import { KEY_CONCURRENCY } from './limit.js';
import { KeyStates } from './key-states.js';
import { injectAnnotations, INJECT, ROLE } from './inject.js';
import {
  KubeCallFailed,
  listPodRunners,
  patchTemplateAnnotations,
  readConfigMap,
  readWorkload,
  removeConfigMapKeys,
} from './kube.js';
import { explainVault, requireActive, requireVault, vaultGone } from './preflight.js';
import type { JobContext } from '../../jobs/job.js';
import type { Message } from '../../message.js';

/** A reader that gets the injector annotations: a Deployment or a StatefulSet. */
type AnnotatedConsumer = Consumer & { kind: WorkloadKind };
const annotatable = (c: Consumer): c is AnnotatedConsumer => isAnnotated(c.kind);

/** How often the key removal retries when the ConfigMap changed between read and patch. */
const PATCH_RETRIES = 3;

/** The follow-up's start, with the `started` audit row. */
export const beginMigration = ({ deps, jobId }: JobContext, m: VaultMigration): Promise<VaultMigration | undefined> =>
  deps.store.vaultMigrations.start(m.id, jobId);

/** What a re-run shows for a migration that has already finished. */
export const migrationDone = (ctx: JobContext, m: VaultMigration): Promise<Message> =>
  result(ctx, m, m.result ?? 'done', true);

/**
 * After the approvals: each planned key written to Vault with check-and-set, read back and compared,
 * its state recorded after every step; then, if asked and only if every key verified, the cutover.
 * Safe to run twice and to resume: a key already written is recognised by its value (compared in
 * memory), never written again; a key changed in Vault since the plan is a conflict, never overwritten.
 */
export async function migrate(ctx: JobContext, m: VaultMigration): Promise<Message> {
  const { deps, progress, log } = ctx;
  const { kube, store } = deps;
  const vault = requireVault(deps.vault);
  // Four reads, none of which changes anything, sent together; their failures are told in this order.
  const [active, read, loaded, stored] = await Promise.allSettled([
    requireActive(vault, `Vault migration ${m.id}`),
    readConfigMap(kube, m.namespace, m.configMap),
    loadFingerprinter(vault.client, vault.mount),
    store.vaultMigrations.keys(m.id),
  ]);
  if (active.status === 'rejected') throw active.reason;
  if (read.status === 'rejected') throw read.reason;
  const configMap = read.value;
  if (configMap === undefined)
    throw new UserError(`ConfigMap \`${m.configMap}\` is gone from \`${m.namespace}\`: nothing more was written.`);
  if (loaded.status === 'rejected') throw explainVault(loaded.reason, vault, `Vault migration ${m.id}`);
  const fingerprint: Fingerprinter = loaded.value;
  if (stored.status === 'rejected') throw stored.reason;
  const keys = stored.value;
  let stopped: string | undefined;
  let moved = 0;
  const todo = keys.filter((k) => k.state === 'planned' || k.state === 'written');
  const states = new KeyStates(store.vaultMigrations, m.id);
  // Keys are independent (a path each): a few at a time. Once Vault stops answering, no new key starts.
  await mapLimit(todo, KEY_CONCURRENCY, async (key) => {
    if (stopped !== undefined) return;
    try {
      await moveKey(states, vault, m, key, configMap, fingerprint);
      if (++moved % 10 === 0 || moved === todo.length)
        await progress(`${moved} of ${todo.length} keys → ${m.mount}/${m.path}/`);
    } catch (error) {
      if (!vaultGone(error)) throw explainVault(error, vault, `Vault migration ${m.id}`);
      stopped ??= explainVault(error, vault, 'the migration').message;
      await states.set(key.key, undefined, {
        detail: 'Vault stopped answering before this key was confirmed; the next run checks it',
      });
      log.warn({ migration: m.id, key: key.key }, 'vault stopped answering mid-migration');
    }
  });
  await states.settled();

  let after = await store.vaultMigrations.keys(m.id);
  const allVerified = after.every((k) => k.state === 'verified' || k.state === 'removed');
  const notes: string[] = [];
  if (stopped !== undefined) notes.push(stopped);
  let cut: Cutover | undefined;
  if (m.cutover && stopped === undefined) {
    if (!allVerified)
      notes.push('no cutover: not every key is verified (the ConfigMap and the workloads are unchanged)');
    else {
      cut = await cutover(ctx, vault, m, after, fingerprint);
      notes.push(...cut.notes);
    }
    after = await store.vaultMigrations.keys(m.id);
  }
  // Only a cutover annotates workloads.
  const workloads = m.cutover ? await store.vaultMigrations.workloads(m.id) : [];
  const verified = after.filter((k) => k.state === 'verified' || k.state === 'removed').length;
  const removed = after.filter((k) => k.state === 'removed').length;
  const skipped = after.filter((k) => k.state === 'conflict' || k.state === 'failed').length;
  const left = after.length - verified - skipped;
  const cutOver =
    cut !== undefined && !cut.failed && after.every((k) => k.state === 'removed' || cut.keptForReaders.has(k.key));
  const ok = stopped === undefined && verified === after.length && (!m.cutover || cutOver);
  const summary = migrationSummary({ verified, total: after.length, removed, skipped, left, notes });
  const finished =
    (await store.vaultMigrations.finish(m.id, ok ? 'succeeded' : 'failed', summary, ctx.jobId)) ??
    (await store.vaultMigrations.get(m.id)) ??
    m;
  await showRequest(deps.chat, VAULT_MIGRATE_KIND, finished, log);
  log.info({ migration: m.id, verified, removed, skipped, left }, 'vault migration finished');
  const message = migrationResultMessage(finished, after, workloads, summary, ok);
  if (!ok) throw new ReportedFailure(message.text, message);
  return message;
}

/**
 * One key: write with check-and-set (or recognise it as already there), read back, compare; state recorded after each
 * step (group-committed with the other keys': the `written` record goes while the read-back is under way).
 */
async function moveKey(
  migrations: KeyStates,
  vault: VaultDeps,
  m: VaultMigration,
  key: KeyRecord,
  configMap: ConfigMap,
  fingerprint: Fingerprinter,
): Promise<void> {
  const value = configMap.data?.[key.key];
  if (value === undefined) return migrations.set(key.key, 'failed', { detail: 'no longer in the ConfigMap' });
  if (fingerprint(value) !== key.fingerprint) {
    return migrations.set(key.key, 'failed', {
      detail:
        `the ConfigMap value changed since the plan (fingerprint now ${fingerprint(value).slice(0, 8)}): ` +
        'plan again',
    });
  }
  let version = key.state === 'written' ? key.vaultVersion : undefined;
  let written: Promise<void> | undefined;
  if (version === undefined) {
    let current = (await vault.client.kvMetadata(m.mount, key.targetPath))?.current_version ?? 0;
    let refused = false;
    if (current === key.baseVersion && key.action !== 'present') {
      try {
        version = (await vault.client.kvWrite(m.mount, key.targetPath, { value }, key.baseVersion)).version;
        written = migrations.set(key.key, 'written', { vaultVersion: version });
      } catch (error) {
        if (!isCasMismatch(error)) throw error;
        // Someone else wrote meanwhile, or our own write was applied and then resent after its connection was
        // reset (src/integrations/vault.ts send): told apart below by the value Vault now holds.
        refused = true;
        current = (await vault.client.kvMetadata(m.mount, key.targetPath))?.current_version ?? 0;
      }
    }
    if (version === undefined) {
      // Not as planned, planned as already there, or refused: ours only if Vault holds exactly this value.
      const held = current === 0 ? null : await vault.client.kvRead(m.mount, key.targetPath, current);
      if (held?.data?.['value'] !== value) {
        return migrations.set(key.key, 'conflict', {
          detail: refused
            ? 'changed in Vault while writing (check-and-set refused): not overwritten'
            : `changed in Vault since the plan (now version ${current}, planned ${key.baseVersion}): not overwritten`,
        });
      }
      version = current;
    }
  }
  let read: Awaited<ReturnType<typeof vault.client.kvRead>>;
  try {
    read = await vault.client.kvRead(m.mount, key.targetPath, version);
  } finally {
    await written; // recorded even when the read-back fails: the next run knows the write happened
  }
  if (read?.data?.['value'] !== value)
    return migrations.set(key.key, 'failed', {
      vaultVersion: version,
      detail: `reading version ${version} back did not give the same value`,
    });
  await migrations.set(key.key, 'verified', { vaultVersion: version });
}

/**
 * The cutover's end: notes for the summary, the keys kept on purpose (a pod template or an app still reads them), and
 * whether it failed.
 */
interface Cutover {
  notes: string[];
  keptForReaders: Set<string>;
  failed: boolean;
}

/**
 * Every key verified: the consumers get the injector annotations first (their pods restart with the
 * secrets from Vault rendered to /vault/secrets/<KEY>); then, once those rollouts have completed, the
 * keys leave the ConfigMap, only where it still holds the migrated value and no pod template or app
 * still reads them from it (src/features/vault/consumers.ts keysStillRead). A rollout that does not complete
 * keeps every key where it is.
 */
async function cutover(
  ctx: JobContext,
  vault: VaultDeps,
  m: VaultMigration,
  keys: readonly KeyRecord[],
  fingerprint: Fingerprinter,
): Promise<Cutover> {
  const names = keys.map((k) => k.key);
  const notes = await annotateConsumers(ctx, vault, m, names);
  const keptForReaders = await keepKeysStillRead(ctx, m, keys, names);
  if (keptForReaders.size > 0) notes.push(keptForReadersNote(keptForReaders.size, m.plan.appsReadVaultFiles === true));
  const candidates = keys.filter((k) => k.state === 'verified' && !keptForReaders.has(k.key));
  if (candidates.length === 0) return { notes, keptForReaders, failed: false };

  const unfinished = await awaitAnnotatedRollouts(ctx, m, candidates);
  if (unfinished !== undefined) return { notes: [...notes, unfinished], keptForReaders, failed: true };

  const removal = await removeUnchangedKeys(ctx, m, candidates, fingerprint);
  return { notes: removal === undefined ? notes : [...notes, removal], keptForReaders, failed: false };
}

/**
 * The Deployments and StatefulSets the plan found reading the keys and those reading them now, each given the
 * injector annotations (skipped when already annotated): notes on the ones that are gone. Other readers (CronJobs,
 * DaemonSets, bare Pods…) are not patched: the keys they read stay (keysStillRead).
 */
async function annotateConsumers(
  ctx: JobContext,
  vault: VaultDeps,
  m: VaultMigration,
  names: readonly string[],
): Promise<string[]> {
  const { kube, store } = ctx.deps;
  const notes: string[] = [];
  const current = consumersOf(m.configMap, await listPodRunners(kube, m.namespace)).filter((c) => readsAny(c, names));
  const consumers = new Map<string, AnnotatedConsumer>(
    [...m.plan.consumers, ...current].filter(annotatable).map((c) => [`${c.kind}/${c.name}`, c]),
  );
  const done = new Map((await store.vaultMigrations.workloads(m.id)).map((w) => [`${w.kind}/${w.name}`, w]));
  for (const consumer of consumers.values()) {
    const ref = `${consumer.kind}/${consumer.name}`;
    const record = done.get(ref);
    if (record?.state === 'annotated') continue;
    const annotated = await annotateConsumer(ctx, vault, m, consumer, names, record?.added ?? []);
    if (!annotated) notes.push(`${ref} is gone: not annotated`);
  }
  return notes;
}

/**
 * One consumer: the injector annotations it lacks, recorded before and after the patch. False when the
 * workload is gone (nothing annotated). `addedBefore`: the annotations an earlier attempt added.
 */
async function annotateConsumer(
  ctx: JobContext,
  vault: VaultDeps,
  m: VaultMigration,
  consumer: AnnotatedConsumer,
  names: readonly string[],
  addedBefore: readonly string[],
): Promise<boolean> {
  const { deps, progress, log } = ctx;
  const { kube, store } = deps;
  const ref = `${consumer.kind}/${consumer.name}`;
  await progress(`Cutover: annotating ${ref} for the Vault Agent injector…`);
  const workload = await readWorkload(kube, consumer.kind, m.namespace, consumer.name);
  if (workload === undefined) return false;
  const have = workload.spec?.template?.metadata?.annotations ?? {};
  const read = consumer.keys === '*' ? names : names.filter((k) => (consumer.keys as string[]).includes(k));
  const wanted = injectAnnotations({
    mount: m.mount,
    path: m.path,
    configMap: m.configMap,
    keys: read,
    role: vault.injectRole,
  });
  const set: Record<string, string> = {};
  for (const [name, value] of Object.entries(wanted)) {
    if (have[name] === value) continue;
    // the workload's own injector settings stay
    if ((name === INJECT || name === ROLE) && have[name] !== undefined) continue;
    set[name] = value;
  }
  const added = [...new Set([...addedBefore, ...Object.keys(set).filter((name) => have[name] === undefined)])];
  const record = { kind: consumer.kind, name: consumer.name, added };
  // Recorded before the patch: a crash in between leaves a rollback that knows what to take off.
  await store.vaultMigrations.setWorkload(m.id, { ...record, state: 'annotating' });
  if (Object.keys(set).length > 0) await patchTemplateAnnotations(kube, consumer.kind, m.namespace, consumer.name, set);
  await store.vaultMigrations.setWorkload(m.id, { ...record, state: 'annotated' });
  log.info(
    { migration: m.id, workload: ref, annotations: Object.keys(set).length },
    'consumer annotated for the injector',
  );
  return true;
}

/**
 * What the pod templates read now decides which keys may go: the verified keys still read stay in the
 * ConfigMap, each with why.
 */
async function keepKeysStillRead(
  ctx: JobContext,
  m: VaultMigration,
  keys: readonly KeyRecord[],
  names: readonly string[],
): Promise<Set<string>> {
  const { kube, store } = ctx.deps;
  const keptForReaders = new Set<string>();
  const stillRead = keysStillRead(
    m.configMap,
    await listPodRunners(kube, m.namespace),
    names,
    m.plan.appsReadVaultFiles === true,
  );
  for (const k of keys) {
    const why = stillRead.get(k.key);
    if (k.state !== 'verified' || why === undefined) continue;
    keptForReaders.add(k.key);
    await store.vaultMigrations.setKey(m.id, k.key, 'verified', { detail: `kept in the ConfigMap: ${why.join('; ')}` });
  }
  return keptForReaders;
}

/**
 * The annotated workloads' new pods (with the injected files) must be up before their old source goes:
 * undefined once every rollout completed, else a note and every candidate key kept.
 */
async function awaitAnnotatedRollouts(
  ctx: JobContext,
  m: VaultMigration,
  candidates: readonly KeyRecord[],
): Promise<string | undefined> {
  const { store } = ctx.deps;
  for (const w of (await store.vaultMigrations.workloads(m.id)).filter((w) => w.state === 'annotated')) {
    const failure = await waitForRollout(ctx, w.kind, m.namespace, w.name);
    if (failure === undefined) continue;
    for (const k of candidates)
      await store.vaultMigrations.setKey(m.id, k.key, 'verified', {
        detail: `kept in the ConfigMap: the rollout of ${w.kind}/${w.name} did not complete`,
      });
    return `the rollout of ${w.kind}/${w.name} did not complete (${failure}): no key removed from the ConfigMap`;
  }
  return undefined;
}

/**
 * The candidate keys leave the ConfigMap where it still holds the migrated value (read again and retried
 * when it was edited meanwhile): a note when the ConfigMap is gone.
 */
async function removeUnchangedKeys(
  ctx: JobContext,
  m: VaultMigration,
  candidates: readonly KeyRecord[],
  fingerprint: Fingerprinter,
): Promise<string | undefined> {
  const { kube, store } = ctx.deps;
  await ctx.progress(`Cutover: removing ${candidates.length} key(s) from configmap/${m.configMap}…`);
  for (let attempt = 0; ; attempt++) {
    const configMap = await readConfigMap(kube, m.namespace, m.configMap);
    if (configMap === undefined) return 'the ConfigMap is gone: nothing to remove';
    const removable: string[] = [];
    for (const k of candidates) {
      const value = configMap.data?.[k.key];
      if (value === undefined)
        await store.vaultMigrations.setKey(m.id, k.key, 'removed', { detail: 'already gone from the ConfigMap' });
      else if (fingerprint(value) === k.fingerprint) removable.push(k.key);
      else
        await store.vaultMigrations.setKey(m.id, k.key, 'verified', {
          detail: 'changed in the ConfigMap after it was migrated: left there',
        });
    }
    if (removable.length === 0) return undefined;
    try {
      await removeConfigMapKeys(kube, configMap, removable);
    } catch (error) {
      if (error instanceof KubeCallFailed && (error.status === 409 || error.status === 422) && attempt < PATCH_RETRIES)
        continue; // edited meanwhile: read again
      throw error;
    }
    for (const key of removable) await store.vaultMigrations.setKey(m.id, key, 'removed');
    return undefined;
  }
}

/**
 * Waits for a workload's rollout by the rules of `kubectl rollout status` (src/features/restart/rollout-status.ts),
 * up to RESTART_ROLLOUT_TIMEOUT_SEC: undefined once complete, else why not.
 */
async function waitForRollout(
  ctx: JobContext,
  kind: WorkloadKind,
  namespace: string,
  name: string,
): Promise<string | undefined> {
  const { config, kube } = ctx.deps;
  const deadline = Date.now() + config.RESTART_ROLLOUT_TIMEOUT_SEC * 1000;
  for (;;) {
    const workload = await readWorkload(kube, kind, namespace, name);
    if (workload === undefined) return undefined; // gone: nothing of it left to break
    const status = rolloutStatus(kind, workload);
    if (status.done) return undefined;
    if (status.failure !== undefined) return status.failure;
    if (Date.now() >= deadline) return `not done within ${config.RESTART_ROLLOUT_TIMEOUT_SEC} s: ${status.message}`;
    await ctx.progress(`Cutover: waiting for ${kind}/${name}: ${progressLine(status)}`);
    await sleep(config.RESTART_POLL_MS);
  }
}

async function result(ctx: JobContext, m: VaultMigration, summary: string, ok: boolean) {
  const [keys, workloads] = await Promise.all([
    ctx.deps.store.vaultMigrations.keys(m.id),
    ctx.deps.store.vaultMigrations.workloads(m.id),
  ]);
  return migrationResultMessage(m, keys, workloads, summary, ok);
}
