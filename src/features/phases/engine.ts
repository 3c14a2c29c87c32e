import type { PlanCounts, TaskOutcome, TaskPlan, PhasePlan, RunResult } from './plan.js';
import { createHash } from 'node:crypto';
import { ClusterView } from './checks.js';
import type { Runbook } from './runbook.js';
import { outcomeBase, type EngineContext, type RunOptions } from './tasks/kind.js';
import { kindOf, type Task } from './tasks/table.js';

/**
 * The phase work, whatever the tasks: plan a phase, apply or verify it task by task, count a plan, and the
 * digest that ties an approved plan to the tasks on disk. What each kind of task does is in tasks/, one
 * file per kind (tasks/table.ts lists them).
 */

export type { EngineContext, RunOptions } from './tasks/kind.js';

// ---- plan: what apply would do, measured by dry runs ----

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

/** One task's plan: its id, title and after, then what its kind would do. Changes nothing. */
export async function planTask(
  task: Task,
  ctx: Pick<EngineContext, 'deps'>,
  options: { force: boolean },
): Promise<TaskPlan> {
  return { id: task.id, title: task.title, after: task.after, ...(await kindOf(task).plan(task, ctx.deps, options)) };
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
export function planCounts(plan: PhasePlan): PlanCounts {
  const counts: PlanCounts = {
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
  for (const task of plan.tasks) kindOf(task).count(task, counts);
  return counts;
}

// ---- apply and verify ----

/**
 * Applies the tasks in order, or (verify) only checks them. Each task's state is stored as it ends; an
 * apply task is done only when a dry run afterwards shows its objects in sync, a cleanup task only when
 * no failed pod is left, a job task only when its job completed, a check only when it passes. A task
 * whose `after` tasks are not done waits (pending). Apply stops at the first task that acts (apply,
 * cleanup, job) and fails: the rest are skipped, never run on top of a half-applied step.
 */
export async function runPhase(
  mode: 'apply' | 'verify',
  runbook: Runbook,
  tasks: readonly Task[],
  ctx: EngineContext,
  options: RunOptions = { force: false },
): Promise<RunResult> {
  const { store, cluster } = ctx.deps;
  const run = { phase: runbook.phase, ctx, view: new ClusterView(ctx.deps) };
  const stored = new Map((await store.phases.tasks(cluster.name, runbook.phase)).map((t) => [t.task, t]));
  const outcomes: TaskOutcome<Task['kind']>[] = [];
  let stopped: string | undefined;

  for (const [index, task] of tasks.entries()) {
    const kind = kindOf(task);
    if (stopped !== undefined) {
      outcomes.push({ ...outcomeBase(task), state: 'skipped', detail: `not run: ${stopped} failed` });
      continue;
    }
    const waiting = task.after.filter(
      (id) => (outcomes.find((o) => o.id === id)?.state ?? stored.get(id)?.state) !== 'done',
    );
    if (waiting.length > 0) {
      const detail = `waits for ${waiting.map((id) => `\`${id}\``).join(', ')} to be done`;
      await store.phases.setState(cluster.name, runbook.phase, task.id, { state: 'pending', by: ctx.actor, detail });
      outcomes.push({ ...outcomeBase(task), state: 'pending', detail });
      continue;
    }
    await ctx.progress(
      `Task ${index + 1} of ${tasks.length} · ${task.id}: ${mode === 'apply' ? kind.verb(task) : 'checking'}…`,
    );
    if (mode === 'apply' && kind.acts) {
      await store.phases.setState(cluster.name, runbook.phase, task.id, {
        state: 'running',
        by: ctx.actor,
        jobId: ctx.jobId,
        detail: `${kind.verb(task)} (job ${ctx.jobId})`,
      });
    }
    const outcome =
      mode === 'apply'
        ? await kind.apply(task, run, options)
        : await kind.verify(task, run, stored.get(task.id)?.jobId);
    if (outcome.state !== 'skipped') {
      await store.phases.setState(cluster.name, runbook.phase, task.id, {
        state: outcome.state,
        by: ctx.actor,
        ...(outcome.jobId ? { jobId: outcome.jobId } : kind.ownJob ? {} : { jobId: ctx.jobId }),
        detail: outcome.detail,
      });
    }
    outcomes.push(outcome);
    if (mode === 'apply' && outcome.state === 'failed' && kind.acts) stopped = `\`${task.id}\``;
  }
  return { phase: runbook.phase, title: runbook.title, mode, outcomes };
}
