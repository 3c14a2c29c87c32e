import type { TaskBase, TaskOutcome, PlanCounts } from '../plan.js';
import type { z } from 'zod';
import { UserError } from '../../../errors.js';
import { ClusterUnavailable, KubeApiError } from '../../../integrations/kubernetes.js';
import type { JobData } from '../../../contracts/jobs.js';
import type { JobDeps } from '../../../jobs/job.js';
import { AuditUnavailable, type AuditEntry } from '../../../store/audit-log.js';
import type { ClusterView } from '../checks.js';
import type { CheckResult } from '../checks/kind.js';
import type { CleanupPod } from '../cleanup.js';
import type { ManifestCache } from '../manifests.js';

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

/**
 * `planned`: the cleanups of the approved plan (plannedPods): a cleanup then deletes only the pods the
 * approver saw, never pods that failed since.
 */
export interface RunOptions {
  force: boolean;
  planned?: Map<string, { pods: CleanupPod[]; refusal?: string }>;
}

/** One task's turn in a run: its phase, the run's context, and the cluster reads the checks share. */
export interface TaskRun {
  phase: number;
  ctx: EngineContext;
  view: ClusterView;
}

/**
 * One kind of task: a file under tasks/ each, listed in tasks/table.ts. `T` is the task as loaded, `P` its
 * plan (without the id, title and after every plan starts with), `Raw` its part of the runbook YAML.
 */
export interface TaskKind<T extends TaskBase & { kind: string }, P extends { kind: string }, Raw> {
  kind: T['kind'];
  /** The runbook YAML under the task's `<kind>:` key. */
  schema: z.ZodType<Raw>;
  /** At load: the task from its YAML, checked against the files it names; undefined after recording problems. */
  resolve(raw: Raw, base: TaskBase, at: string, manifests: ManifestCache, problems: string[]): Promise<T | undefined>;
  /**
   * True when applying it acts (on the cluster, or by starting a job): it is marked running first, and its
   * failure stops the apply. False for a check, which only reads.
   */
  acts: boolean;
  /** True when its work runs as a job of its own: its stored job id is that job's, never the run's. */
  ownJob: boolean;
  /** What applying it does, for the progress line: `applying 3 objects`. */
  verb(task: T): string;
  /** What apply would do, measured by dry runs. Changes nothing. */
  plan(task: T, deps: JobDeps, options: { force: boolean }): Promise<P>;
  /** Adds the plan to the counts of the request's summary line. */
  count(plan: P, counts: PlanCounts): void;
  /** Applies it and checks the result: done only when its check passes afterwards. */
  apply(task: T, run: TaskRun, options: RunOptions): Promise<TaskOutcome<T['kind']>>;
  /** Only checks it. `storedJobId`: the job id stored with the task by an earlier run. */
  verify(task: T, run: TaskRun, storedJobId: string | undefined): Promise<TaskOutcome<T['kind']>>;
}

/** Parallel requests per task: enough to be quick on 75 network policies, few enough to be gentle. */
export const PARALLEL = 4;

/** The outcome's first fields: which task it is. */
export const outcomeBase = <K extends string>(task: TaskBase & { kind: K }) => ({
  id: task.id,
  title: task.title,
  kind: task.kind,
});

/** A task's outcome from its check: pass is done, fail is failed, unverifiable stays so. */
export const fromCheck = <K extends string>(
  base: Omit<TaskOutcome<K>, 'state' | 'detail'>,
  result: CheckResult,
): TaskOutcome<K> => ({
  ...base,
  state: result.outcome === 'pass' ? 'done' : result.outcome === 'fail' ? 'failed' : 'unverifiable',
  detail: result.detail,
});

/** An error that is about one object (refused, not served) is reported on it; a cluster that is down ends the job. */
export function objectError(error: unknown): string {
  if (error instanceof ClusterUnavailable || error instanceof AuditUnavailable) throw error;
  if (error instanceof UserError) return error.message;
  if (error instanceof KubeApiError) return `the API server answered ${error.code}`;
  throw error;
}

/** An audit row for a step of a phase apply; `required` lets an unwritable audit stop the step. */
export async function audit(
  { phase, ctx }: TaskRun,
  task: TaskBase,
  outcome: AuditEntry['outcome'],
  detail: string,
  required = false,
): Promise<void> {
  const entry: AuditEntry = {
    actor: ctx.actor,
    action: 'phase',
    command: `phase apply ${phase} --task ${task.id}`,
    target: `phase ${phase}/${task.id}`,
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
