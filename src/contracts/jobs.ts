/**
 * The job contract: every job a worker runs, by name, with the data it carries. Types only. A job asked
 * for in chat carries its parsed command; a follow-up (after an approval, at an expiry) carries the stored
 * request it acts on. The job is decided once, when it is enqueued: `data.job` is its BullMQ name (the runner
 * sets it from the name for jobs queued before the field existed).
 */
import type {
  BenchCommand,
  DescribeCommand,
  EventsCommand,
  LogsCommand,
  HandoffCommand,
  HealthCommand,
  PhaseCommand,
  RestartCommand,
  ScheduleCommand,
  StatusCommand,
  VaultCommand,
  VaultMigrateCommand,
  SilenceCommand,
} from './commands.js';

export type Role = 'viewer' | 'operator' | 'approver' | 'admin';

/** Who asked, where. Slack IDs only; job data never carries a secret. */
export interface Requester {
  user: string;
  channel: string;
}

/** The "queued" message the worker edits with progress and then the result; `threadTs` when it sits in a thread. */
export interface Reply {
  channel: string;
  ts: string;
  threadTs?: string;
}

/** The policy's decision when the command was asked: the role it was allowed by, the approvals it needs. */
export interface Authorization {
  role: Role;
  approvals: number;
}

interface Envelope {
  requester: Requester;
  reply: Reply;
  authorization?: Authorization;
}

/** A job that runs a command someone asked for. */
type Asked<J extends string, C> = Envelope & { job: J; command: C };

/** A job that acts on a stored approval request (its id): the follow-up after the approvals, the expiry. */
type OnRequest<J extends string> = Envelope & { job: J; request: string };

type Action<C, A> = Extract<C, { action: A }>;

export type JobData =
  | Asked<'health-report', HealthCommand>
  | Asked<'restart-request', RestartCommand>
  | OnRequest<'restart-rollout'>
  | OnRequest<'restart-expire'>
  | Asked<'bench-kafka', Action<BenchCommand, 'kafka'>>
  | Asked<'bench-history', Action<BenchCommand, 'history'>>
  | Asked<'phase-status', Action<PhaseCommand, 'list' | 'status'>>
  | Asked<'phase-plan', Action<PhaseCommand, 'plan'>>
  | Asked<'phase-verify', Action<PhaseCommand, 'verify'>>
  | Asked<'phase-apply-request', Action<PhaseCommand, 'apply'>>
  | OnRequest<'phase-apply'>
  | OnRequest<'phase-apply-expire'>
  | Asked<'vault-status', Action<VaultCommand, 'status'>>
  | Asked<'vault-migrate-plan', VaultMigrateCommand>
  | OnRequest<'vault-migrate-run'>
  | OnRequest<'vault-migrate-expire'>
  | Asked<'vault-rollback', Action<VaultCommand, 'rollback'>>
  | Asked<'status-report', StatusCommand>
  | Asked<'status-schedule', ScheduleCommand>
  | Asked<'handoff-report', HandoffCommand>
  | Asked<'inspect-logs', LogsCommand>
  | Asked<'inspect-events', EventsCommand>
  | Asked<'inspect-describe', DescribeCommand>
  | Asked<'incident-silence', SilenceCommand>;

export type JobName = JobData['job'];

export type DataOf<J extends JobName> = Extract<JobData, { job: J }>;

/** The jobs that run a command of type C (a command family's spec routes each action to one of them). */
export type JobFor<C> = {
  [J in JobName]: DataOf<J> extends { command: infer K } ? (C extends K ? J : never) : never;
}[JobName];

/** The jobs that act on a stored approval request. */
export type RequestJobName = Extract<JobData, { request: string }>['job'];

/**
 * Jobs nobody asked for in chat: a BullMQ job scheduler starts them, or the Alertmanager receiver
 * (`alert-notify`), or a job for later (`silence-expired`); there is no "queued" message to edit, so they post on their own and are idempotent by
 * their own record.
 */
export type ScheduledJobName = 'status-tick' | 'approvals-sweep' | 'alert-notify' | 'silence-expired';
