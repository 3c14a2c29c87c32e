/**
 * The data of a phase plan and of a run: JSON-safe, stored with requests and task states, read by the
 * renderers. Types only, so the repositories that store them never reach the job contract.
 */
import type { ManagerConflict } from '../../integrations/kubernetes.js';
import type { CleanupPod, CleanupSelection } from './cleanup.js';
import type { TaskState } from './store.js';

/** The kinds of task a runbook holds (tasks/table.ts has one implementation each). */
export type TaskKindName = 'apply' | 'check' | 'cleanup' | 'job';

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

export interface ApplyPlan {
  kind: 'apply';
  createOnly: boolean;
  objects: ObjectPlan[];
}

export interface CheckPlan {
  kind: 'check';
  description: string;
}

export type CleanupPlan = { kind: 'cleanup' } & CleanupSelection;

export interface JobPlan {
  kind: 'job';
  line: string;
}

/** What every task has, whatever its kind. */
export interface TaskBase {
  id: string;
  title: string;
  after: string[];
}

export type ObjectResultAction = 'created' | 'changed' | 'unchanged' | 'exists' | 'conflict' | 'error';

export interface ObjectResult {
  key: string;
  action: ObjectResultAction;
  fields?: string[];
  conflicts?: ManagerConflict[];
  error?: string;
}

export interface TaskOutcome<K extends string = string> {
  id: string;
  title: string;
  kind: K;
  /** `skipped`: not run because an earlier task failed (its stored state is left as it was). */
  state: TaskState | 'skipped';
  detail: string;
  jobId?: string;
  objects?: ObjectResult[];
  deleted?: CleanupPod[];
}

/** What a plan would do, counted for the request's summary line. */
export interface PlanCounts {
  create: number;
  change: number;
  unchanged: number;
  exists: number;
  conflict: number;
  error: number;
  deletePods: number;
  jobs: number;
  checks: number;
}

/** A kind's part of a task's plan. */
export type KindPlan = ApplyPlan | CleanupPlan | JobPlan | CheckPlan;

/** What apply would do for a task, measured by dry runs: its id, title and after, and its kind's plan. */
export type TaskPlan = TaskBase & KindPlan;

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

export interface RunResult {
  phase: number;
  title: string;
  mode: 'apply' | 'verify';
  outcomes: TaskOutcome<TaskKindName>[];
}
