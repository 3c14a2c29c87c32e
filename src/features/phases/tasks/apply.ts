import type { ObjectResult, ObjectResultAction, TaskBase, TaskOutcome, ObjectPlan, ApplyPlan } from '../plan.js';
import { z } from 'zod';
import { mapLimit } from '../../../concurrency.js';
import {
  ApplyConflict,
  FIELD_MANAGER,
  type KubeObject,
  type ManagerConflict,
} from '../../../integrations/kubernetes.js';
import type { JobDeps } from '../../../jobs/job.js';
import { names, type CheckResult } from '../checks/kind.js';
import { diffObjects } from '../diff.js';
import { driftFromManifest } from '../drift.js';
import { manifestPath, selection } from '../fields.js';
import { objectKey, type PhaseObject } from '../manifests.js';
import {
  audit,
  fromCheck,
  objectError,
  outcomeBase,
  PARALLEL,
  type RunOptions,
  type TaskKind,
  type TaskRun,
} from './kind.js';

/** The runbook YAML of an apply task: manifests under manifests/phases, optionally a selection of their objects. */
const schema = z.strictObject({
  manifests: z.array(manifestPath).min(1),
  select: selection.optional(),
  /** Create objects that do not exist and leave existing ones alone (secret templates filled in later). */
  createOnly: z.boolean().default(false),
});

/** Objects applied server-side (field manager carbon-ops); done when a dry run afterwards finds them in sync. */
export type ApplyTask = TaskBase & { kind: 'apply'; manifests: string[]; objects: PhaseObject[]; createOnly: boolean };

export const apply: TaskKind<ApplyTask, ApplyPlan, z.infer<typeof schema>> = {
  kind: 'apply',
  schema,
  async resolve(raw, base, at, manifests, problems) {
    const objects = await manifests.select(raw.manifests, raw.select, `${at}: apply`, problems);
    if (objects === undefined) return undefined;
    return { ...base, kind: 'apply', manifests: raw.manifests, objects, createOnly: raw.createOnly };
  },
  acts: true,
  ownJob: false,
  verb: (task) => `applying ${task.objects.length} object${task.objects.length === 1 ? '' : 's'}`,
  async plan(task, deps, options) {
    const objects = await mapLimit(task.objects, PARALLEL, (o) =>
      planObject(deps, o, { createOnly: task.createOnly, force: options.force }),
    );
    return { kind: 'apply', createOnly: task.createOnly, objects };
  },
  count(plan, counts) {
    for (const o of plan.objects) counts[o.action]++;
  },
  apply: applyObjects,
  verify: async (task, run) => fromCheck(outcomeBase(task), await inSync(task, run.ctx.deps)),
};

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

async function applyObjects(task: ApplyTask, run: TaskRun, options: RunOptions): Promise<TaskOutcome<'apply'>> {
  const { kube, store, cluster } = run.ctx.deps;
  const base = outcomeBase(task);
  await audit(
    run,
    task,
    'started',
    `${task.createOnly ? 'create if missing' : `server-side apply${options.force ? ' --force' : ''}`}: ` +
      `${task.objects.length} objects of ${task.manifests.join(', ')}`,
  );
  const results = await mapLimit(task.objects, PARALLEL, ({ object }) =>
    applyObject(kube, object, task.createOnly, options.force),
  );
  const written = results.flatMap((r, i) => {
    if (r.action !== 'created' && r.action !== 'changed') return [];
    const { object } = task.objects[i]!;
    return [
      {
        cluster: cluster.name,
        phase: run.phase,
        task: task.id,
        apiVersion: object.apiVersion,
        kind: object.kind,
        ...(object.metadata.namespace ? { namespace: object.metadata.namespace } : {}),
        name: object.metadata.name,
        action: r.action as 'created' | 'changed',
        ...(r.fields ? { fields: r.fields } : {}),
        jobId: run.ctx.jobId,
        by: run.ctx.actor,
      },
    ];
  });
  await store.phases.recordObjects(written);
  const summary = countLine(results);
  const failed = results.filter((r) => r.action === 'conflict' || r.action === 'error');
  if (failed.length > 0) {
    const detail = `${summary}; ${failureList(failed)}`;
    await audit(run, task, 'failed', detail);
    return {
      ...base,
      state: 'failed',
      detail:
        failed.some((r) => r.action === 'conflict') && !options.force
          ? `${detail}. Not forced: \`phase apply ${run.phase} --force\` takes the fields over.`
          : detail,
      objects: results,
    };
  }
  await audit(run, task, 'succeeded', summary);
  // Done only when the check passes: a dry run now finds every object in sync.
  const check = await inSync(task, run.ctx.deps);
  return {
    ...base,
    state: check.outcome === 'pass' ? 'done' : 'failed',
    detail: check.outcome === 'pass' ? `${summary}; ${check.detail}` : check.detail,
    objects: results,
  };
}

/** Applies one object (or creates it if missing): what happened to it, a conflict, or what refused it. */
async function applyObject(
  kube: JobDeps['kube'],
  object: PhaseObject['object'],
  createOnly: boolean,
  force: boolean,
): Promise<ObjectResult> {
  const key = objectKey(object);
  try {
    if (createOnly) {
      const result = await kube.createIfMissing(object, { dryRun: false });
      return { key, action: result === 'created' ? 'created' : 'exists' };
    }
    const live = await kube.read(object);
    const after = await kube.apply(object, { dryRun: false, force });
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
}

/** The first three objects in conflict or refused, with why; the rest counted. */
function failureList(failed: readonly ObjectResult[]): string {
  return `${failed
    .map((r) =>
      r.action === 'conflict'
        ? `${r.key}: conflict (${r.conflicts!.map((c) => `${c.field} managed by ${c.manager}`).join(', ')})`
        : `${r.key}: ${r.error}`,
    )
    .slice(0, 3)
    .join('; ')}${failed.length > 3 ? ` and ${failed.length - 3} more` : ''}`;
}

/**
 * The check of an apply task: every object exists, holds every field of its manifest as written (owned by
 * carbon-ops), and a server-side dry run would change nothing. Objects created only if missing (secret
 * templates) need only exist: people fill them in afterwards, and carbon-ops may not read them.
 */
async function inSync(task: ApplyTask, deps: Pick<JobDeps, 'kube'>): Promise<CheckResult> {
  const states = await mapLimit(task.objects, PARALLEL, (o) => objectSync(o, task.createOnly, deps));
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
  deps: Pick<JobDeps, 'kube'>,
): Promise<string | undefined> {
  const key = objectKey(phaseObject.object);
  if (createOnly) {
    // Never read: these are Secrets, which carbon-ops may create but not read. A dry-run create tells.
    const plan = await planObject(deps, phaseObject, { createOnly, force: false });
    return plan.action === 'exists' ? undefined : plan.action === 'create' ? `${key} missing` : `${key}: ${plan.error}`;
  }
  let live: KubeObject | undefined;
  try {
    live = await deps.kube.read(phaseObject.object);
  } catch (error) {
    return `${key}: ${objectError(error)}`;
  }
  if (live === undefined) return `${key} missing`;
  const drift = driftFromManifest(phaseObject.object, live, FIELD_MANAGER);
  const plan = await planObject(deps, phaseObject, { createOnly, force: false, live });
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
