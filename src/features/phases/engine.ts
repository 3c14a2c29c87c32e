import { createHash } from 'node:crypto';
import { mapLimit } from '../../concurrency.js';
import { UserError } from '../../errors.js';
import {
  ApplyConflict,
  ClusterUnavailable,
  FIELD_MANAGER,
  KubeApiError,
  type KubeObject,
  type ManagerConflict,
} from '../../integrations/kubernetes.js';
import type { DataOf, JobData } from '../../contracts/jobs.js';
import type { JobDeps } from '../../jobs/job.js';
import { queued } from '../../jobs/replies.js';
import { AuditUnavailable, type AuditEntry } from '../../store/audit-log.js';
import type { TaskState } from './store.js';
import { ClusterView, describeCheck, evaluateCheck, names, type CheckResult } from './checks.js';
import { findFailedPods, type CleanupPod } from './cleanup.js';
import { diffObjects } from './diff.js';
import { driftFromManifest } from './drift.js';
import { objectKey, type PhaseObject, type Runbook, type Task } from './runbook.js';

/** What the phase work runs with: the job's deps, and who it is done for. */
export interface EngineContext {
  deps: JobDeps;
  jobId: string;
  /** The Slack user the work is attributed to (the requester of an apply). */
  actor: string;
  /** Who approved it, for the audit rows. */
  approvers?: readonly string[];
  /** The approval request it runs under. */
  requestId?: string;
  progress(text: string): Promise<void>;
  /** Where a job task posts its own "queued" message and which authorization it carries. */
  thread?: { channel: string; threadTs: string };
  authorization?: JobData['authorization'];
}

// ---- plan: what apply would do, measured by dry runs ----

export type ObjectAction = 'create' | 'change' | 'unchanged' | 'exists' | 'conflict' | 'error';

export interface ObjectPlan {
  /** `Kind namespace/name`. */
  key: string;
  source: string;
  action: ObjectAction;
  /** Fields that would change (change). */
  fields?: string[];
  /** Other managers' fields: a conflict, or (with --force) what would be taken over. */
  conflicts?: ManagerConflict[];
  /** unchanged: carbon-ops would become a manager of fields someone else set. */
  adopt?: boolean;
  error?: string;
}

interface TaskHead {
  id: string;
  title: string;
  after: string[];
}

export type TaskPlan = TaskHead &
  (
    | { kind: 'apply'; createOnly: boolean; objects: ObjectPlan[] }
    | { kind: 'cleanup'; pods: CleanupPod[]; spared: CleanupPod[]; refusal?: string }
    | { kind: 'job'; line: string }
    | { kind: 'check'; description: string }
  );

/** JSON-safe: stored with an apply request so the approver sees what was planned. */
export interface PhasePlan {
  phase: number;
  title: string;
  cluster: string;
  simulated: boolean;
  force: boolean;
  plannedAt: string;
  tasks: TaskPlan[];
  /**
   * sha256 of the tasks as planned (manifests, cleanup selectors, job lines, checks): apply refuses when
   * what is on disk then differs from what was approved. Absent in plans made before it existed.
   */
  digest?: string;
}

/** JSON with object keys sorted, so equal data always hashes equal. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined);
    entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/** The digest of what `tasks` would do: every object as it would be sent, every selector, job line and check. */
export function tasksDigest(tasks: readonly Task[]): string {
  return createHash('sha256').update(canonical(tasks)).digest('hex');
}

/** The pods each cleanup task of an approved plan may delete, by task id: only these, never a fresh selection. */
export function plannedPods(plan: PhasePlan): Map<string, { pods: CleanupPod[]; refusal?: string }> {
  const planned = new Map<string, { pods: CleanupPod[]; refusal?: string }>();
  for (const task of plan.tasks)
    if (task.kind === 'cleanup')
      planned.set(task.id, { pods: task.pods, ...(task.refusal !== undefined ? { refusal: task.refusal } : {}) });
  return planned;
}

const head = (task: Task): TaskHead => ({ id: task.id, title: task.title, after: task.after });

/** Parallel requests per task: enough to be quick on 75 network policies, few enough to be gentle. */
const PARALLEL = 4;

/** An error that is about one object (refused, not served) is reported on it; a cluster that is down ends the job. */
function objectError(error: unknown): string {
  if (error instanceof ClusterUnavailable || error instanceof AuditUnavailable) throw error;
  if (error instanceof UserError) return error.message;
  if (error instanceof KubeApiError) return `the API server answered ${error.code}`;
  throw error;
}

/**
 * A server-side dry run of one object: created, changed (which fields), unchanged, or a conflict.
 * `live`: the object as just read, when the caller has it (not read again).
 */
export async function planObject(
  deps: Pick<JobDeps, 'kube'>,
  { object, source }: PhaseObject,
  options: { createOnly: boolean; force: boolean; live?: KubeObject },
): Promise<ObjectPlan> {
  const key = objectKey(object);
  try {
    if (options.createOnly) {
      const result = await deps.kube.createIfMissing(object, { dryRun: true });
      return { key, source, action: result === 'created' ? 'create' : 'exists' };
    }
    const live = options.live ?? (await deps.kube.read(object));
    let conflicts: ManagerConflict[] | undefined;
    let after: KubeObject;
    try {
      after = await deps.kube.apply(object, { dryRun: true, force: false });
    } catch (error) {
      if (!(error instanceof ApplyConflict)) throw error;
      if (!options.force) return { key, source, action: 'conflict', conflicts: error.conflicts };
      conflicts = error.conflicts;
      after = await deps.kube.apply(object, { dryRun: true, force: true });
    }
    const change = diffObjects(live, after, FIELD_MANAGER);
    return { key, source, ...change, ...(conflicts ? { conflicts } : {}) };
  } catch (error) {
    return { key, source, action: 'error', error: objectError(error) };
  }
}

export async function planTask(
  task: Task,
  ctx: Pick<EngineContext, 'deps'>,
  options: { force: boolean },
): Promise<TaskPlan> {
  const { deps } = ctx;
  switch (task.kind) {
    case 'apply': {
      const objects = await mapLimit(task.objects, PARALLEL, (o) =>
        planObject(deps, o, { createOnly: task.createOnly, force: options.force }),
      );
      return { ...head(task), kind: 'apply', createOnly: task.createOnly, objects };
    }
    case 'cleanup': {
      const selection = await findFailedPods(deps.kube, deps.catalogue, task.targets, task.maxPods);
      return { ...head(task), kind: 'cleanup', ...selection };
    }
    case 'job':
      return { ...head(task), kind: 'job', line: task.line };
    case 'check':
      return { ...head(task), kind: 'check', description: describeCheck(task.check) };
  }
}

/** The whole plan of a phase (or one task): every object dry-run, every cleanup listed. Changes nothing. */
export async function planPhase(
  runbook: Runbook,
  tasks: readonly Task[],
  ctx: Pick<EngineContext, 'deps' | 'progress'>,
  options: { force: boolean },
): Promise<PhasePlan> {
  const plans: TaskPlan[] = [];
  for (const [index, task] of tasks.entries()) {
    await ctx.progress(`Planning task ${index + 1} of ${tasks.length}: ${task.id}…`);
    plans.push(await planTask(task, ctx, options));
  }
  const { cluster } = ctx.deps;
  return {
    phase: runbook.phase,
    title: runbook.title,
    cluster: cluster.name,
    simulated: cluster.simulated,
    force: options.force,
    plannedAt: new Date().toISOString(),
    tasks: plans,
    digest: tasksDigest(tasks),
  };
}

/** Objects or pods a plan would change, and what blocks it: for the request's summary line. */
export function planCounts(plan: PhasePlan): {
  create: number;
  change: number;
  unchanged: number;
  exists: number;
  conflict: number;
  error: number;
  deletePods: number;
  jobs: number;
  checks: number;
} {
  const counts = {
    create: 0,
    change: 0,
    unchanged: 0,
    exists: 0,
    conflict: 0,
    error: 0,
    deletePods: 0,
    jobs: 0,
    checks: 0,
  };
  for (const task of plan.tasks) {
    if (task.kind === 'apply') for (const o of task.objects) counts[o.action]++;
    else if (task.kind === 'cleanup') counts.deletePods += task.refusal ? 0 : task.pods.length;
    else if (task.kind === 'job') counts.jobs++;
    else counts.checks++;
  }
  return counts;
}

// ---- apply and verify ----

export type ObjectResultAction = 'created' | 'changed' | 'unchanged' | 'exists' | 'conflict' | 'error';

export interface ObjectResult {
  key: string;
  action: ObjectResultAction;
  fields?: string[];
  conflicts?: ManagerConflict[];
  error?: string;
}

export interface TaskOutcome {
  id: string;
  title: string;
  kind: Task['kind'];
  /** `skipped`: not run because an earlier task failed (its stored state is left as it was). */
  state: TaskState | 'skipped';
  detail: string;
  jobId?: string;
  objects?: ObjectResult[];
  deleted?: CleanupPod[];
}

export interface RunResult {
  phase: number;
  title: string;
  mode: 'apply' | 'verify';
  outcomes: TaskOutcome[];
}

/**
 * Applies the tasks in order, or (verify) only checks them. Each task's state is stored as it ends; an
 * apply task is done only when a dry run afterwards shows its objects in sync, a cleanup task only when
 * no failed pod is left, a job task only when its job completed, a check only when it passes. A task
 * whose `after` tasks are not done waits (pending). Apply stops at the first apply or cleanup task that
 * fails: the rest are skipped, never run on top of a half-applied step.
 */
export async function runPhase(
  mode: 'apply' | 'verify',
  runbook: Runbook,
  tasks: readonly Task[],
  ctx: EngineContext,
  options: RunOptions = { force: false },
): Promise<RunResult> {
  const { store, cluster } = ctx.deps;
  const view = new ClusterView(ctx.deps);
  const stored = new Map((await store.phases.tasks(cluster.name, runbook.phase)).map((t) => [t.task, t]));
  const outcomes: TaskOutcome[] = [];
  let stopped: string | undefined;

  for (const [index, task] of tasks.entries()) {
    const base = { id: task.id, title: task.title, kind: task.kind };
    if (stopped !== undefined) {
      outcomes.push({ ...base, state: 'skipped', detail: `not run: ${stopped} failed` });
      continue;
    }
    const waiting = task.after.filter(
      (id) => (outcomes.find((o) => o.id === id)?.state ?? stored.get(id)?.state) !== 'done',
    );
    if (waiting.length > 0) {
      const detail = `waits for ${waiting.map((id) => `\`${id}\``).join(', ')} to be done`;
      await store.phases.setState(cluster.name, runbook.phase, task.id, { state: 'pending', by: ctx.actor, detail });
      outcomes.push({ ...base, state: 'pending', detail });
      continue;
    }
    await ctx.progress(
      `Task ${index + 1} of ${tasks.length} · ${task.id}: ${mode === 'apply' ? verb(task) : 'checking'}…`,
    );
    let outcome: TaskOutcome;
    if (mode === 'apply') {
      if (task.kind === 'apply' || task.kind === 'cleanup' || task.kind === 'job') {
        await store.phases.setState(cluster.name, runbook.phase, task.id, {
          state: 'running',
          by: ctx.actor,
          jobId: ctx.jobId,
          detail: `${verb(task)} (job ${ctx.jobId})`,
        });
      }
      outcome = await applyTask(task, runbook, ctx, view, options);
    } else {
      outcome = await verifyTask(task, runbook, ctx, view, stored.get(task.id)?.jobId);
    }
    if (outcome.state !== 'skipped') {
      await store.phases.setState(cluster.name, runbook.phase, task.id, {
        state: outcome.state,
        by: ctx.actor,
        ...(outcome.jobId ? { jobId: outcome.jobId } : task.kind !== 'job' ? { jobId: ctx.jobId } : {}),
        detail: outcome.detail,
      });
    }
    outcomes.push(outcome);
    if (mode === 'apply' && outcome.state === 'failed' && task.kind !== 'check') stopped = `\`${task.id}\``;
  }
  return { phase: runbook.phase, title: runbook.title, mode, outcomes };
}

const verb = (task: Task): string =>
  task.kind === 'apply'
    ? `applying ${task.objects.length} object${task.objects.length === 1 ? '' : 's'}`
    : task.kind === 'cleanup'
      ? 'cleaning up failed pods'
      : task.kind === 'job'
        ? `starting \`${task.line}\``
        : 'checking';

const fromCheck = (base: Omit<TaskOutcome, 'state' | 'detail'>, result: CheckResult): TaskOutcome => ({
  ...base,
  state: result.outcome === 'pass' ? 'done' : result.outcome === 'fail' ? 'failed' : 'unverifiable',
  detail: result.detail,
});

/**
 * `planned`: the cleanups of the approved plan (plannedPods): a cleanup then deletes only the pods the
 * approver saw, never pods that failed since.
 */
export interface RunOptions {
  force: boolean;
  planned?: Map<string, { pods: CleanupPod[]; refusal?: string }>;
}

async function applyTask(
  task: Task,
  runbook: Runbook,
  ctx: EngineContext,
  view: ClusterView,
  options: RunOptions,
): Promise<TaskOutcome> {
  const base = { id: task.id, title: task.title, kind: task.kind };
  switch (task.kind) {
    case 'check':
      return fromCheck(base, await evaluateCheck(task.check, { ...ctx.deps }, view));
    case 'apply':
      return applyObjects(task, runbook, ctx, options);
    case 'cleanup':
      return cleanUp(task, runbook, ctx, options.planned?.get(task.id));
    case 'job':
      return startJob(task, runbook, ctx);
  }
}

async function applyObjects(
  task: Extract<Task, { kind: 'apply' }>,
  runbook: Runbook,
  ctx: EngineContext,
  options: { force: boolean },
): Promise<TaskOutcome> {
  const { kube, store, cluster } = ctx.deps;
  const base = { id: task.id, title: task.title, kind: task.kind };
  await audit(
    ctx,
    runbook,
    task,
    'started',
    `${task.createOnly ? 'create if missing' : `server-side apply${options.force ? ' --force' : ''}`}: ` +
      `${task.objects.length} objects of ${task.manifests.join(', ')}`,
  );
  const results = await mapLimit(task.objects, PARALLEL, async ({ object }): Promise<ObjectResult> => {
    const key = objectKey(object);
    try {
      if (task.createOnly) {
        const result = await kube.createIfMissing(object, { dryRun: false });
        return { key, action: result === 'created' ? 'created' : 'exists' };
      }
      const live = await kube.read(object);
      const after = await kube.apply(object, { dryRun: false, force: options.force });
      const change = diffObjects(live, after, FIELD_MANAGER);
      return change.action === 'create'
        ? { key, action: 'created' }
        : change.action === 'change'
          ? { key, action: 'changed', fields: change.fields }
          : { key, action: 'unchanged' };
    } catch (error) {
      if (error instanceof ApplyConflict) return { key, action: 'conflict', conflicts: error.conflicts };
      return { key, action: 'error', error: objectError(error) };
    }
  });
  const written = results.flatMap((r, i) => {
    if (r.action !== 'created' && r.action !== 'changed') return [];
    const { object } = task.objects[i]!;
    return [
      {
        cluster: cluster.name,
        phase: runbook.phase,
        task: task.id,
        apiVersion: object.apiVersion,
        kind: object.kind,
        ...(object.metadata.namespace ? { namespace: object.metadata.namespace } : {}),
        name: object.metadata.name,
        action: r.action as 'created' | 'changed',
        ...(r.fields ? { fields: r.fields } : {}),
        jobId: ctx.jobId,
        by: ctx.actor,
      },
    ];
  });
  await store.phases.recordObjects(written);
  const summary = countLine(results);
  const failed = results.filter((r) => r.action === 'conflict' || r.action === 'error');
  if (failed.length > 0) {
    const detail = `${summary}; ${failed
      .map((r) =>
        r.action === 'conflict'
          ? `${r.key}: conflict (${r.conflicts!.map((c) => `${c.field} managed by ${c.manager}`).join(', ')})`
          : `${r.key}: ${r.error}`,
      )
      .slice(0, 3)
      .join('; ')}${failed.length > 3 ? ` and ${failed.length - 3} more` : ''}`;
    await audit(ctx, runbook, task, 'failed', detail);
    return {
      ...base,
      state: 'failed',
      detail:
        failed.some((r) => r.action === 'conflict') && !options.force
          ? `${detail}. Not forced: \`phase apply ${runbook.phase} --force\` takes the fields over.`
          : detail,
      objects: results,
    };
  }
  await audit(ctx, runbook, task, 'succeeded', summary);
  // Done only when the check passes: a dry run now finds every object in sync.
  const check = await inSync(task, ctx);
  return {
    ...base,
    state: check.outcome === 'pass' ? 'done' : 'failed',
    detail: check.outcome === 'pass' ? `${summary}; ${check.detail}` : check.detail,
    objects: results,
  };
}

/**
 * The check of an apply task: every object exists, holds every field of its manifest as written (owned by
 * carbon-ops), and a server-side dry run would change nothing. Objects created only if missing (secret
 * templates) need only exist: people fill them in afterwards, and carbon-ops may not read them.
 */
async function inSync(task: Extract<Task, { kind: 'apply' }>, ctx: EngineContext): Promise<CheckResult> {
  const states = await mapLimit(task.objects, PARALLEL, (o) => objectSync(o, task.createOnly, ctx));
  const off = states.filter((s): s is string => s !== undefined);
  if (off.length === 0) return { outcome: 'pass', detail: `all ${states.length} in sync` };
  return { outcome: 'fail', detail: `${states.length - off.length} of ${states.length} in sync; ${names(off, 3)}` };
}

/**
 * Undefined when the object is in sync; otherwise what is off: another manager's fields, drift by path, a pending
 * change.
 */
async function objectSync(
  phaseObject: PhaseObject,
  createOnly: boolean,
  ctx: EngineContext,
): Promise<string | undefined> {
  const key = objectKey(phaseObject.object);
  if (createOnly) {
    // Never read: these are Secrets, which carbon-ops may create but not read. A dry-run create tells.
    const plan = await planObject(ctx.deps, phaseObject, { createOnly, force: false });
    return plan.action === 'exists' ? undefined : plan.action === 'create' ? `${key} missing` : `${key}: ${plan.error}`;
  }
  let live: KubeObject | undefined;
  try {
    live = await ctx.deps.kube.read(phaseObject.object);
  } catch (error) {
    return `${key}: ${objectError(error)}`;
  }
  if (live === undefined) return `${key} missing`;
  const drift = driftFromManifest(phaseObject.object, live, FIELD_MANAGER);
  const plan = await planObject(ctx.deps, phaseObject, { createOnly, force: false, live });
  if (plan.action === 'error') return `${key}: ${plan.error}`;
  const conflict =
    plan.action === 'conflict'
      ? ` conflicts with ${[...new Set(plan.conflicts?.map((c) => c.manager))].join(', ')}`
      : '';
  if (drift.length > 0)
    return `${key}${conflict}${conflict ? ' and' : ''} differs from its manifest (${names(drift, 3)})`;
  if (conflict) return `${key}${conflict}`;
  return plan.action === 'change' ? `${key} differs (${names(plan.fields ?? [], 3)})` : undefined;
}

function countLine(results: readonly ObjectResult[]): string {
  const counts = new Map<string, number>();
  for (const r of results) counts.set(r.action, (counts.get(r.action) ?? 0) + 1);
  const order: ObjectResultAction[] = ['created', 'changed', 'unchanged', 'exists', 'conflict', 'error'];
  const label: Record<ObjectResultAction, string> = {
    created: 'created',
    changed: 'changed',
    unchanged: 'unchanged',
    exists: 'already there (left alone)',
    conflict: 'in conflict',
    error: 'refused',
  };
  return `${results.length} object${results.length === 1 ? '' : 's'}: ${order
    .filter((a) => counts.has(a))
    .map((a) => `${counts.get(a)} ${label[a]}`)
    .join(', ')}`;
}

async function cleanUp(
  task: Extract<Task, { kind: 'cleanup' }>,
  runbook: Runbook,
  ctx: EngineContext,
  planned?: { pods: CleanupPod[]; refusal?: string },
): Promise<TaskOutcome> {
  const { kube, catalogue, store, cluster } = ctx.deps;
  const base = { id: task.id, title: task.title, kind: task.kind };
  const found = await findFailedPods(
    kube,
    catalogue,
    task.targets,
    planned === undefined ? task.maxPods : Number.MAX_SAFE_INTEGER,
  );
  // With an approved plan: only its pods, and of those only the ones still there and still failed (same uid).
  const still = new Set(found.pods.map((p) => p.uid));
  const selection =
    planned === undefined
      ? found
      : {
          pods: planned.pods.filter((p) => still.has(p.uid)),
          spared: found.spared,
          ...(planned.refusal !== undefined ? { refusal: planned.refusal } : {}),
        };
  const gone = planned === undefined ? 0 : planned.pods.length - selection.pods.length;
  const skipped = gone > 0 ? `; ${gone} planned pod${gone === 1 ? '' : 's'} already gone or no longer failed` : '';
  const spared = selection.spared.length > 0 ? `; spared ${selection.spared.length} of critical services` : '';
  if (selection.refusal !== undefined) {
    await audit(ctx, runbook, task, 'refused', selection.refusal);
    return { ...base, state: 'failed', detail: selection.refusal };
  }
  if (selection.pods.length === 0 && planned === undefined)
    return { ...base, state: 'done', detail: `no failed pods to delete${spared}` };
  if (selection.pods.length === 0) {
    const after = await remainingFailed(task, ctx);
    const detail = `no planned pod left to delete${skipped}${spared}`;
    return {
      ...base,
      state: after.outcome === 'pass' ? 'done' : 'failed',
      detail: after.outcome === 'pass' ? detail : `${detail}; ${after.detail} (not in the approved plan: left alone)`,
    };
  }
  const list = selection.pods.map((p) => `${p.namespace}/${p.name}`);
  // Recorded before anything is deleted: without its audit row, nothing is.
  try {
    await audit(ctx, runbook, task, 'started', `deleting ${list.length} failed pods: ${list.join(', ')}`, true);
  } catch (error) {
    if (!(error instanceof AuditUnavailable)) throw error;
    return { ...base, state: 'failed', detail: 'the audit trail cannot be written, so no pod was deleted' };
  }
  const deleted: CleanupPod[] = [];
  for (const pod of selection.pods) {
    await ctx.progress(`${task.id}: deleting pod ${pod.namespace}/${pod.name} (${pod.reason}, ${pod.owner})…`);
    if (await kube.deletePod(pod.namespace, pod.name, pod.uid)) deleted.push(pod);
  }
  await store.phases.recordObjects(
    deleted.map((p) => ({
      cluster: cluster.name,
      phase: runbook.phase,
      task: task.id,
      apiVersion: 'v1',
      kind: 'Pod',
      namespace: p.namespace,
      name: p.name,
      action: 'deleted' as const,
      jobId: ctx.jobId,
      by: ctx.actor,
    })),
  );
  const summary = `deleted ${deleted.length} failed pod${deleted.length === 1 ? '' : 's'}: ${names(
    deleted.map((p) => `${p.namespace}/${p.name}`),
    6,
  )}${skipped}${spared}`;
  await audit(
    ctx,
    runbook,
    task,
    'succeeded',
    `deleted ${deleted.length} failed pods: ${deleted.map((p) => `${p.namespace}/${p.name}`).join(', ')}`,
  );
  const after = await remainingFailed(task, ctx);
  const unplanned = planned === undefined ? '' : ' (not in the approved plan: left alone)';
  return {
    ...base,
    state: after.outcome === 'pass' ? 'done' : 'failed',
    detail: after.outcome === 'pass' ? summary : `${summary}; ${after.detail}${unplanned}`,
    deleted,
  };
}

/** The check of a cleanup task: no failed pod of a non-critical workload left under its selectors. */
async function remainingFailed(task: Extract<Task, { kind: 'cleanup' }>, ctx: EngineContext): Promise<CheckResult> {
  const { pods, spared } = await findFailedPods(
    ctx.deps.kube,
    ctx.deps.catalogue,
    task.targets,
    Number.MAX_SAFE_INTEGER,
  );
  const note = spared.length > 0 ? ` (${spared.length} of critical services left alone)` : '';
  if (pods.length === 0) return { outcome: 'pass', detail: `no failed pods left under the selectors${note}` };
  return {
    outcome: 'fail',
    detail: `${pods.length} failed pods left: ${names(pods.map((p) => `${p.namespace}/${p.name}`))}${note}`,
  };
}

/** Job tasks: the command runs as its own job, in the apply's thread; the task records the job id. */
async function startJob(
  task: Extract<Task, { kind: 'job' }>,
  runbook: Runbook,
  ctx: EngineContext,
): Promise<TaskOutcome> {
  const { queue, chat } = ctx.deps;
  const base = { id: task.id, title: task.title, kind: task.kind };
  const jobId = `phase-${runbook.phase}-${task.id}-${ctx.jobId}`.replace(/[^A-Za-z0-9_-]/g, '-');
  const existing = await queue.queue.getJob(jobId);
  if (existing === undefined) {
    if (ctx.thread === undefined) throw new Error('a job task needs a thread to post in');
    const ts = await chat.post(
      ctx.thread.channel,
      queued(`\`${task.line}\` for phase ${runbook.phase} (task ${task.id})`, jobId),
      ctx.thread.threadTs,
    );
    const data: DataOf<'bench-kafka'> = {
      job: 'bench-kafka',
      command: task.command,
      requester: { user: ctx.actor, channel: ctx.thread.channel },
      reply: { channel: ctx.thread.channel, ts, threadTs: ctx.thread.threadTs },
      ...(ctx.authorization ? { authorization: ctx.authorization } : {}),
    };
    await queue.enqueue(data, jobId);
    await audit(ctx, runbook, task, 'started', `enqueued \`${task.line}\` as job ${jobId}`);
  }
  return {
    ...base,
    state: 'running',
    detail: `\`${task.line}\` queued as job ${jobId}; \`phase verify ${runbook.phase}\` records its result`,
    jobId,
  };
}

async function verifyTask(
  task: Task,
  runbook: Runbook,
  ctx: EngineContext,
  view: ClusterView,
  storedJobId: string | undefined,
): Promise<TaskOutcome> {
  const base = { id: task.id, title: task.title, kind: task.kind };
  switch (task.kind) {
    case 'check':
      return fromCheck(base, await evaluateCheck(task.check, { ...ctx.deps }, view));
    case 'apply':
      return fromCheck(base, await inSync(task, ctx));
    case 'cleanup':
      return fromCheck(base, await remainingFailed(task, ctx));
    case 'job':
      return jobState(base, runbook, ctx, storedJobId);
  }
}

/** A job task is done when its job completed; it failed when its job failed for good. */
async function jobState(
  base: Omit<TaskOutcome, 'state' | 'detail'>,
  runbook: Runbook,
  ctx: EngineContext,
  jobId: string | undefined,
): Promise<TaskOutcome> {
  if (jobId === undefined)
    return { ...base, state: 'pending', detail: `not run yet: \`phase apply ${runbook.phase}\` starts it` };
  const job = await ctx.deps.queue.queue.getJob(jobId);
  if (job === undefined) {
    // Finished jobs leave the queue (after a day, or with the terminal session that ran them): what they stored
    // remains.
    const run = await ctx.deps.store.benchmarks.byJob(jobId);
    if (run !== undefined)
      return {
        ...base,
        state: 'done',
        detail:
          `job ${jobId} stored benchmark run #${run.id}: ` +
          `${Math.round(run.recordsPerSec).toLocaleString('en-US')} records/sec`,
        jobId,
      };
    return {
      ...base,
      state: 'unverifiable',
      detail:
        `job ${jobId} is no longer in the queue and stored no result, so its outcome is unknown; ` +
        `\`phase apply ${runbook.phase} --task ${base.id}\` runs it again`,
      jobId,
    };
  }
  const state = await job.getState();
  if (state === 'completed')
    return {
      ...base,
      state: 'done',
      detail: `job ${jobId} completed: ${String(job.returnvalue ?? '').slice(0, 200)}`,
      jobId,
    };
  if (state === 'failed')
    return { ...base, state: 'failed', detail: `job ${jobId} failed: ${job.failedReason ?? 'unknown reason'}`, jobId };
  return { ...base, state: 'running', detail: `job ${jobId} is ${state}`, jobId };
}

/** An audit row for a step of a phase apply; `required` lets an unwritable audit stop the step. */
async function audit(
  ctx: EngineContext,
  runbook: Runbook,
  task: Task,
  outcome: AuditEntry['outcome'],
  detail: string,
  required = false,
): Promise<void> {
  const entry: AuditEntry = {
    actor: ctx.actor,
    action: 'phase',
    command: `phase apply ${runbook.phase} --task ${task.id}`,
    target: `phase ${runbook.phase}/${task.id}`,
    outcome,
    detail,
    jobId: ctx.jobId,
    cluster: ctx.deps.cluster.name,
    ...(ctx.approvers && ctx.approvers.length > 0 ? { approver: ctx.approvers.join(',') } : {}),
    ...(ctx.requestId ? { requestId: ctx.requestId } : {}),
    ...(ctx.thread ? { channel: ctx.thread.channel } : {}),
  };
  try {
    await ctx.deps.store.audit.record(entry);
  } catch (error) {
    if (required) throw error;
    ctx.deps.log.error({ err: error, task: task.id }, 'audit write failed');
  }
}
