import type { TaskBase, TaskOutcome, CleanupPlan } from '../plan.js';
import { z } from 'zod';
import type { JobDeps } from '../../../jobs/job.js';
import { AuditUnavailable } from '../../../store/audit-log.js';
import { names, type CheckResult } from '../checks/kind.js';
import { findFailedPods, type CleanupPod, type CleanupSelection } from '../cleanup.js';
import { labelSelector, namespace } from '../fields.js';
import { audit, fromCheck, outcomeBase, type TaskKind, type TaskRun } from './kind.js';

/** The runbook YAML of a cleanup task: failed pods named by selectors. */
const schema = z.strictObject({
  /** Where to look and what for: failed pods matching the selector in the namespace. */
  targets: z.array(z.strictObject({ namespace, selector: labelSelector })).min(1),
  /** Refuse to delete more than this many pods in one run: a selector that matches too much is a mistake. */
  maxPods: z.number().int().min(1).max(200).default(25),
});

/** Failed pods of non-critical workloads deleted; done when none is left under the selectors. */
export type CleanupTask = TaskBase & {
  kind: 'cleanup';
  targets: { namespace: string; selector: string }[];
  maxPods: number;
};

/** What an approved plan lets a cleanup delete: its pods, or its refusal. */
type Planned = { pods: CleanupPod[]; refusal?: string };

export const cleanup: TaskKind<CleanupTask, CleanupPlan, z.infer<typeof schema>> = {
  kind: 'cleanup',
  schema,
  async resolve(raw, base, at, _manifests, problems) {
    for (const target of raw.targets) {
      if (/^\s*$|^[!,\s]*$/.test(target.selector))
        problems.push(`${at}: cleanup: the selector \`${target.selector}\` selects everything`);
    }
    return { ...base, kind: 'cleanup', targets: raw.targets, maxPods: raw.maxPods };
  },
  acts: true,
  ownJob: false,
  verb: () => 'cleaning up failed pods',
  async plan(task, deps) {
    const selection = await findFailedPods(deps.kube, deps.catalogue, task.targets, task.maxPods);
    return { kind: 'cleanup', ...selection };
  },
  count(plan, counts) {
    counts.deletePods += plan.refusal ? 0 : plan.pods.length;
  },
  apply: (task, run, options) => cleanUp(task, run, options.planned?.get(task.id)),
  verify: async (task, run) => fromCheck(outcomeBase(task), await remainingFailed(task, run.ctx.deps)),
};

/**
 * The pods each cleanup task of an approved plan (a PhasePlan) may delete, by task id: only these, never a
 * fresh selection.
 */
export function plannedPods(plan: { tasks: readonly { id: string; kind: string }[] }): Map<string, Planned> {
  const planned = new Map<string, Planned>();
  for (const task of plan.tasks)
    if (isCleanupPlan(task))
      planned.set(task.id, { pods: task.pods, ...(task.refusal !== undefined ? { refusal: task.refusal } : {}) });
  return planned;
}

const isCleanupPlan = <T extends { kind: string }>(task: T): task is T & CleanupPlan => task.kind === 'cleanup';

async function cleanUp(task: CleanupTask, run: TaskRun, planned?: Planned): Promise<TaskOutcome<'cleanup'>> {
  const base = outcomeBase(task);
  const { selection, skipped, spared } = await toDelete(task, run.ctx.deps, planned);
  if (selection.refusal !== undefined) {
    await audit(run, task, 'refused', selection.refusal);
    return { ...base, state: 'failed', detail: selection.refusal };
  }
  if (selection.pods.length === 0 && planned === undefined)
    return { ...base, state: 'done', detail: `no failed pods to delete${spared}` };
  if (selection.pods.length === 0) {
    const after = await remainingFailed(task, run.ctx.deps);
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
    await audit(run, task, 'started', `deleting ${list.length} failed pods: ${list.join(', ')}`, true);
  } catch (error) {
    if (!(error instanceof AuditUnavailable)) throw error;
    return { ...base, state: 'failed', detail: 'the audit trail cannot be written, so no pod was deleted' };
  }
  const deleted = await deletePods(task, run, selection.pods);
  const summary = `deleted ${deleted.length} failed pod${deleted.length === 1 ? '' : 's'}: ${names(
    deleted.map((p) => `${p.namespace}/${p.name}`),
    6,
  )}${skipped}${spared}`;
  await audit(
    run,
    task,
    'succeeded',
    `deleted ${deleted.length} failed pods: ${deleted.map((p) => `${p.namespace}/${p.name}`).join(', ')}`,
  );
  const after = await remainingFailed(task, run.ctx.deps);
  const unplanned = planned === undefined ? '' : ' (not in the approved plan: left alone)';
  return {
    ...base,
    state: after.outcome === 'pass' ? 'done' : 'failed',
    detail: after.outcome === 'pass' ? summary : `${summary}; ${after.detail}${unplanned}`,
    deleted,
  };
}

/**
 * The pods to delete now, and what the message says of the others. With an approved plan: only its pods,
 * and of those only the ones still there and still failed (same uid).
 */
async function toDelete(
  task: CleanupTask,
  { kube, catalogue }: Pick<JobDeps, 'kube' | 'catalogue'>,
  planned: Planned | undefined,
): Promise<{ selection: CleanupSelection; skipped: string; spared: string }> {
  const found = await findFailedPods(
    kube,
    catalogue,
    task.targets,
    planned === undefined ? task.maxPods : Number.MAX_SAFE_INTEGER,
  );
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
  return { selection, skipped, spared };
}

/** Deletes the pods (each only if still the same pod, by uid) and records the ones deleted. */
async function deletePods(task: CleanupTask, run: TaskRun, pods: readonly CleanupPod[]): Promise<CleanupPod[]> {
  const { ctx } = run;
  const deleted: CleanupPod[] = [];
  for (const pod of pods) {
    await ctx.progress(`${task.id}: deleting pod ${pod.namespace}/${pod.name} (${pod.reason}, ${pod.owner})…`);
    if (await ctx.deps.kube.deletePod(pod.namespace, pod.name, pod.uid)) deleted.push(pod);
  }
  await ctx.deps.store.phases.recordObjects(
    deleted.map((p) => ({
      cluster: ctx.deps.cluster.name,
      phase: run.phase,
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
  return deleted;
}

/** The check of a cleanup task: no failed pod of a non-critical workload left under its selectors. */
async function remainingFailed(
  task: CleanupTask,
  { kube, catalogue }: Pick<JobDeps, 'kube' | 'catalogue'>,
): Promise<CheckResult> {
  const { pods, spared } = await findFailedPods(kube, catalogue, task.targets, Number.MAX_SAFE_INTEGER);
  const note = spared.length > 0 ? ` (${spared.length} of critical services left alone)` : '';
  if (pods.length === 0) return { outcome: 'pass', detail: `no failed pods left under the selectors${note}` };
  return {
    outcome: 'fail',
    detail: `${pods.length} failed pods left: ${names(pods.map((p) => `${p.namespace}/${p.name}`))}${note}`,
  };
}
