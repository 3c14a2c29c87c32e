import type { Pool } from '../../integrations/postgres.js';
import { withTransaction } from '../../store/transaction.js';

export const TASK_STATES = ['pending', 'running', 'done', 'failed', 'unverifiable'] as const;
/**
 * pending: not run yet (or waiting for an earlier task); running: applying, or its job is queued or running;
 * done: its check passed; failed: it or its check failed; unverifiable: its check cannot be evaluated here
 * (e.g. no Vault configured). Only `done` counts towards a phase's percentage.
 */
export type TaskState = (typeof TASK_STATES)[number];

/** A phase as the runbooks define it: what `define` stores so progress is computable from PostgreSQL alone. */
export interface PhaseDefinition {
  phase: number;
  title: string;
  tasks: { id: string; title: string; kind: 'apply' | 'check' | 'cleanup' | 'job'; after: readonly string[] }[];
}

export interface TaskStatus {
  phase: number;
  task: string;
  title: string;
  kind: PhaseDefinition['tasks'][number]['kind'];
  after: string[];
  state: TaskState;
  /** When the state last changed; undefined for a task never run. */
  changedAt?: Date;
  /** When the task was last run or checked. */
  checkedAt?: Date;
  /** Slack user ID of who ran or checked it last. */
  by?: string;
  jobId?: string;
  detail?: string;
}

export interface PhaseProgress {
  phase: number;
  title: string;
  total: number;
  done: number;
  /** done ÷ total × 100, one decimal. */
  pct: number;
  tasks: TaskStatus[];
}

export interface StateChange {
  state: TaskState;
  by: string;
  jobId?: string;
  detail?: string;
}

export interface TaskEvent {
  at: Date;
  cluster: string;
  phase: number;
  task: string;
  state: TaskState;
  previous?: TaskState;
  by: string;
  jobId?: string;
  detail?: string;
}

export type ObjectAction = 'created' | 'changed' | 'unchanged' | 'deleted';

export interface AppliedObject {
  at?: Date;
  cluster: string;
  phase: number;
  task: string;
  apiVersion: string;
  kind: string;
  namespace?: string;
  name: string;
  action: ObjectAction;
  fields?: string[];
  jobId?: string;
  by: string;
}

/** A phase's percentage: the share of its tasks that are done. */
export const percentage = (done: number, total: number): number =>
  total === 0 ? 0 : Math.round((done / total) * 1000) / 10;

/**
 * The phase runbooks' state per cluster: what each task's state is, its history, and the objects phase
 * applies wrote. The daily status post and the handoff read it through `progress`, `history` and `objects`.
 */
export class PhaseStore {
  constructor(private readonly pool: Pool) {}

  /**
   * Records the phases and tasks the runbooks define now; tasks no longer defined are dropped (their history stays).
   */
  async define(phases: readonly PhaseDefinition[]): Promise<void> {
    await withTransaction(this.pool, async (client) => {
      const keep: string[] = [];
      for (const phase of phases) {
        for (const [position, task] of phase.tasks.entries()) {
          keep.push(`${phase.phase}/${task.id}`);
          await client.query(
            `INSERT INTO phase_tasks (phase, task, position, phase_title, title, kind, after)
              VALUES ($1, $2, $3, $4, $5, $6, $7)
             ON CONFLICT (phase, task) DO UPDATE
              SET position = $3, phase_title = $4, title = $5, kind = $6, after = $7, defined_at = now()
             WHERE (phase_tasks.position, phase_tasks.phase_title, phase_tasks.title, phase_tasks.kind,
                    phase_tasks.after) IS DISTINCT FROM ($3, $4, $5, $6, $7)`,
            [phase.phase, task.id, position, phase.title, task.title, task.kind, [...task.after]],
          );
        }
      }
      await client.query(`DELETE FROM phase_tasks WHERE NOT (phase::text || '/' || task = ANY($1))`, [keep]);
    });
  }

  /**
   * Sets a task's state (and when, by whom, job, detail). A change of state is appended to the history in
   * the same transaction; the same state again only refreshes the check time and detail.
   */
  async setState(cluster: string, phase: number, task: string, change: StateChange): Promise<void> {
    await withTransaction(this.pool, async (client) => {
      const { rows } = await client.query<{ state: TaskState }>(
        'SELECT state FROM phase_task_states WHERE cluster = $1 AND phase = $2 AND task = $3 FOR UPDATE',
        [cluster, phase, task],
      );
      const previous = rows[0]?.state;
      await client.query(
        `INSERT INTO phase_task_states (cluster, phase, task, state, by_user, job_id, detail)
          VALUES ($1, $2, $3, $4, $5, $6, $7)
         ON CONFLICT (cluster, phase, task) DO UPDATE
          SET state = $4, by_user = $5, job_id = COALESCE($6, phase_task_states.job_id), detail = $7,
           checked_at = clock_timestamp(),
           changed_at = CASE WHEN phase_task_states.state = $4 THEN phase_task_states.changed_at
                             ELSE clock_timestamp() END`,
        [cluster, phase, task, change.state, change.by, change.jobId ?? null, change.detail ?? null],
      );
      if (previous !== change.state) {
        await client.query(
          `INSERT INTO phase_task_history (cluster, phase, task, state, previous, by_user, job_id, detail)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
          [
            cluster,
            phase,
            task,
            change.state,
            previous ?? null,
            change.by,
            change.jobId ?? null,
            change.detail ?? null,
          ],
        );
      }
    });
  }

  /** Every defined task of `phase` (or of all phases) with its state on `cluster`, in runbook order. */
  async tasks(cluster: string, phase?: number): Promise<TaskStatus[]> {
    const { rows } = await this.pool.query(
      `SELECT d.phase, d.task, d.title, d.kind, d.after,
              s.state, s.changed_at, s.checked_at, s.by_user, s.job_id, s.detail
         FROM phase_tasks d
         LEFT JOIN phase_task_states s ON s.cluster = $1 AND s.phase = d.phase AND s.task = d.task
        WHERE ($2::integer IS NULL OR d.phase = $2)
        ORDER BY d.phase, d.position`,
      [cluster, phase ?? null],
    );
    return rows.map(toStatus);
  }

  /** Each defined phase's percentage on `cluster` (done tasks ÷ tasks), with its tasks. */
  async progress(cluster: string): Promise<PhaseProgress[]> {
    const [tasks, titles] = await Promise.all([
      this.tasks(cluster),
      this.pool.query<{ phase: number; phase_title: string }>(
        'SELECT DISTINCT ON (phase) phase, phase_title FROM phase_tasks ORDER BY phase, position',
      ),
    ]);
    return titles.rows.map(({ phase, phase_title }) => {
      const mine = tasks.filter((t) => t.phase === phase);
      const done = mine.filter((t) => t.state === 'done').length;
      return { phase, title: phase_title, total: mine.length, done, pct: percentage(done, mine.length), tasks: mine };
    });
  }

  /** Changes of state in [since, until), oldest first. */
  async history(cluster: string, since: Date, until?: Date): Promise<TaskEvent[]> {
    const rows = await this.inPeriod('phase_task_history', cluster, since, until);
    return rows.map((r) => ({
      at: r.at as Date,
      cluster: String(r.cluster),
      phase: Number(r.phase),
      task: String(r.task),
      state: r.state as TaskState,
      ...(r.previous ? { previous: r.previous as TaskState } : {}),
      by: String(r.by_user),
      ...(r.job_id ? { jobId: String(r.job_id) } : {}),
      ...(r.detail ? { detail: String(r.detail) } : {}),
    }));
  }

  async recordObjects(objects: readonly AppliedObject[]): Promise<void> {
    if (objects.length === 0) return;
    await withTransaction(this.pool, async (client) => {
      for (const o of objects) {
        await client.query(
          `INSERT INTO phase_objects
             (cluster, phase, task, api_version, kind, namespace, name, action, fields, job_id, by_user)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
          [
            o.cluster,
            o.phase,
            o.task,
            o.apiVersion,
            o.kind,
            o.namespace ?? null,
            o.name,
            o.action,
            o.fields ?? [],
            o.jobId ?? null,
            o.by,
          ],
        );
      }
    });
  }

  /** Objects written or deleted by phase applies in [since, until), oldest first. */
  async objects(cluster: string, since: Date, until?: Date): Promise<AppliedObject[]> {
    const rows = await this.inPeriod('phase_objects', cluster, since, until);
    return rows.map((r) => ({
      at: r.at as Date,
      cluster: String(r.cluster),
      phase: Number(r.phase),
      task: String(r.task),
      apiVersion: String(r.api_version),
      kind: String(r.kind),
      ...(r.namespace ? { namespace: String(r.namespace) } : {}),
      name: String(r.name),
      action: r.action as ObjectAction,
      fields: (r.fields as string[]) ?? [],
      ...(r.job_id ? { jobId: String(r.job_id) } : {}),
      by: String(r.by_user),
    }));
  }

  /** The rows of a log table (`at`, `id`, `cluster`) in [since, until), oldest first. */
  private async inPeriod(
    table: 'phase_task_history' | 'phase_objects',
    cluster: string,
    since: Date,
    until?: Date,
  ): Promise<Record<string, unknown>[]> {
    const { rows } = await this.pool.query(
      `SELECT * FROM ${table} WHERE cluster = $1 AND at >= $2 AND ($3::timestamptz IS NULL OR at < $3) ORDER BY at, id`,
      [cluster, since, until ?? null],
    );
    return rows;
  }
}

function toStatus(r: Record<string, unknown>): TaskStatus {
  const status: TaskStatus = {
    phase: Number(r.phase),
    task: String(r.task),
    title: String(r.title),
    kind: r.kind as TaskStatus['kind'],
    after: (r.after as string[]) ?? [],
    state: (r.state as TaskState | null) ?? 'pending',
  };
  if (r.changed_at) status.changedAt = r.changed_at as Date;
  if (r.checked_at) status.checkedAt = r.checked_at as Date;
  if (r.by_user) status.by = String(r.by_user);
  if (r.job_id) status.jobId = String(r.job_id);
  if (r.detail) status.detail = String(r.detail);
  return status;
}
