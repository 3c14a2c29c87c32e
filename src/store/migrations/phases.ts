import type { Migration } from './migration.js';
import { APPROVAL_COLUMNS, approvalIndexes } from './approval-tables.js';

/** Phase runbooks: versions 20–29. */
export const PHASE_MIGRATIONS: readonly Migration[] = [
  {
    version: 20,
    name: 'phase runbook tasks, states, history and applied objects',
    // phase_tasks: the tasks the runbooks define (runbooks/phase-N.yaml), refreshed whenever a phase
    // command runs, so progress can be computed from PostgreSQL alone.
    // phase_task_states: where each task stands on each cluster: state, when, by whom, job, detail.
    // phase_task_history: every change of state (the handoff's "tasks completed in the period").
    // phase_objects: every object written or deleted by a phase apply (created, changed, deleted, …).
    sql: `
      CREATE TABLE phase_tasks (
        phase        integer NOT NULL,
        task         text NOT NULL,
        position     integer NOT NULL,
        phase_title  text NOT NULL,
        title        text NOT NULL,
        kind         text NOT NULL CHECK (kind IN ('apply', 'check', 'cleanup', 'job')),
        after        text[] NOT NULL DEFAULT '{}',
        defined_at   timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (phase, task)
      );
      CREATE TABLE phase_task_states (
        cluster      text NOT NULL,
        phase        integer NOT NULL,
        task         text NOT NULL,
        state        text NOT NULL CHECK (state IN ('pending', 'running', 'done', 'failed', 'unverifiable')),
        changed_at   timestamptz NOT NULL DEFAULT clock_timestamp(),  -- when the state last changed
        checked_at   timestamptz NOT NULL DEFAULT clock_timestamp(),  -- when it was last run or checked
        by_user      text NOT NULL,                                   -- Slack user ID
        job_id       text,
        detail       text,
        PRIMARY KEY (cluster, phase, task)
      );
      CREATE TABLE phase_task_history (
        id           bigserial PRIMARY KEY,
        at           timestamptz NOT NULL DEFAULT clock_timestamp(),
        cluster      text NOT NULL,
        phase        integer NOT NULL,
        task         text NOT NULL,
        state        text NOT NULL,
        previous     text,
        by_user      text NOT NULL,
        job_id       text,
        detail       text
      );
      CREATE INDEX phase_task_history_time ON phase_task_history (cluster, at DESC);
      CREATE TABLE phase_objects (
        id           bigserial PRIMARY KEY,
        at           timestamptz NOT NULL DEFAULT clock_timestamp(),
        cluster      text NOT NULL,
        phase        integer NOT NULL,
        task         text NOT NULL,
        api_version  text NOT NULL,
        kind         text NOT NULL,
        namespace    text,
        name         text NOT NULL,
        action       text NOT NULL CHECK (action IN ('created', 'changed', 'unchanged', 'deleted')),
        fields       text[] NOT NULL DEFAULT '{}',                   -- field paths changed, never values
        job_id       text,
        by_user      text NOT NULL
      );
      CREATE INDEX phase_objects_time ON phase_objects (cluster, at DESC);
    `,
  },
  {
    version: 21,
    name: 'phase apply requests',
    // `phase apply N` on the shared approval mechanism (store/approval-requests.ts): the approval columns
    // every kind has, plus the phase, the task (all when NULL), --force and the dry-run plan the approver
    // saw. One open apply per phase and cluster: a second is refused while one is pending or running.
    sql: `
      CREATE TABLE phase_apply_requests (
${APPROVAL_COLUMNS}
        cluster            text NOT NULL,
        phase              integer NOT NULL,
        task               text,
        force              boolean NOT NULL DEFAULT false,
        plan               jsonb NOT NULL
      );
      ${approvalIndexes('phase_apply_requests', 'cluster, phase')}
    `,
  },
];
