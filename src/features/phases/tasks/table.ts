import type { TaskKindName, KindPlan } from '../plan.js';
import { apply, type ApplyTask } from './apply.js';
import { check, type CheckTask } from './check.js';
import { cleanup, type CleanupTask } from './cleanup.js';
import { job, type JobTask } from './job.js';
import type { TaskKind } from './kind.js';

/** A task of a runbook as loaded: exactly one of the kinds below. */
export type Task = ApplyTask | CheckTask | CleanupTask | JobTask;

/** The entry of kind `K` in the table. */
type KindOf<K extends TaskKindName> = TaskKind<Extract<Task, { kind: K }>, Extract<KindPlan, { kind: K }>, unknown>;

/**
 * The kinds of task a runbook can hold, one file each: `apply` (manifests), `check` (a condition of the
 * cluster), `cleanup` (failed pods) and `job` (another command run as a job). In the order the runbook
 * YAML and its error messages list them.
 */
export const TASKS: { [K in TaskKindName]: KindOf<K> } = { apply, check, cleanup, job };

export const TASK_KINDS = Object.keys(TASKS) as TaskKindName[];

/** The kind of a task or of its plan, typed for it (the table's type cannot follow one task to its entry). */
export const kindOf = <T extends { kind: TaskKindName }>(task: T): KindOf<T['kind']> =>
  TASKS[task.kind] as unknown as KindOf<T['kind']>;
