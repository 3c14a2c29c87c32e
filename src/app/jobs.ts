import type { Command } from './commands.js';
import { UserError } from '../errors.js';
import { benchHistory } from '../features/bench/bench-history.js';
import { benchKafka } from '../features/bench/bench-kafka.js';
import { healthReport } from '../features/health/health-report.js';
import { phaseApply } from '../features/phases/phase-apply.js';
import { phaseApplyExpire } from '../features/phases/phase-apply-expire.js';
import { phaseApplyRequest } from '../features/phases/phase-apply-request.js';
import { phasePlan } from '../features/phases/phase-plan.js';
import { phaseStatus } from '../features/phases/phase-status.js';
import { phaseVerify } from '../features/phases/phase-verify.js';
import { handoffReport } from '../features/status/handoff-report.js';
import type { JobDefinition, ScheduledJobDefinition } from '../jobs/job.js';
import { restartExpire } from '../features/restart/restart-expire.js';
import { restartRequest } from '../features/restart/restart-request.js';
import { restartRollout } from '../features/restart/restart-rollout.js';
import { statusReport } from '../features/status/status-report.js';
import { statusSchedule } from '../features/status/status-schedule.js';
import { statusTick } from '../features/status/status-tick.js';
import { vaultMigrateExpire } from '../features/vault/vault-migrate-expire.js';
import { vaultMigratePlan } from '../features/vault/vault-migrate-plan.js';
import { vaultMigrateRun } from '../features/vault/vault-migrate-run.js';
import { vaultRollback } from '../features/vault/vault-rollback.js';
import { vaultStatus } from '../features/vault/vault-status.js';

/** Every job a worker runs, by job name (the BullMQ job name). */
export const JOBS = {
  'health-report': healthReport,
  // restart: the pre-flight plan and request; the rollout after the approvals; the expiry of an unapproved request
  'restart-request': restartRequest,
  'restart-rollout': restartRollout,
  'restart-expire': restartExpire,
  'bench-kafka': benchKafka,
  'bench-history': benchHistory,
  // phase runbooks: list and status; the dry-run plan; the checks; the apply request (pre-flight), the
  // apply after the approvals, and the expiry of an unapproved request
  'phase-status': phaseStatus,
  'phase-plan': phasePlan,
  'phase-verify': phaseVerify,
  'phase-apply-request': phaseApplyRequest,
  'phase-apply': phaseApply,
  'phase-apply-expire': phaseApplyExpire,
  // vault: the coverage; the migration plan (an approval request), the migration after the approvals,
  // the expiry of an unapproved plan; the rollback
  'vault-status': vaultStatus,
  'vault-migrate-plan': vaultMigratePlan,
  'vault-migrate-run': vaultMigrateRun,
  'vault-migrate-expire': vaultMigrateExpire,
  'vault-rollback': vaultRollback,
  // the daily post's content on demand; the schedule and its next run; the handoff summary of a period
  'status-report': statusReport,
  'status-schedule': statusSchedule,
  'handoff-report': handoffReport,
} satisfies Record<string, JobDefinition<never>>;

/** Jobs a BullMQ job scheduler starts (no chat message to edit): they post on their own. */
export const SCHEDULED_JOBS = {
  'status-tick': statusTick,
} satisfies Record<string, ScheduledJobDefinition<never>>;

export type JobName = keyof typeof JOBS;

/**
 * Which job runs a command; undefined for commands the handler answers itself (help).
 * One table, so a new command is routed here and nowhere else.
 */
export function jobNameFor(command: Command): JobName | undefined {
  switch (command.name) {
    case 'health':
      return 'health-report';
    case 'restart':
      return 'restart-request';
    case 'bench':
      return command.action === 'kafka' ? 'bench-kafka' : 'bench-history';
    case 'phase':
      return (
        {
          list: 'phase-status',
          status: 'phase-status',
          plan: 'phase-plan',
          verify: 'phase-verify',
          apply: 'phase-apply-request',
        } as const satisfies Record<typeof command.action, JobName>
      )[command.action];
    case 'vault':
      return ({ status: 'vault-status', migrate: 'vault-migrate-plan', rollback: 'vault-rollback' } as const)[
        command.action
      ];
    case 'status':
      return 'status-report';
    case 'schedule':
      return 'status-schedule';
    case 'handoff':
      return 'handoff-report';
    default:
      return undefined;
  }
}

/**
 * How many times a job may be taken over after its worker died (BullMQ calls it stalled: the lock ran
 * out) before it fails; BullMQ's default, 1, for the jobs not listed. A rollout or a migration resumes
 * safely (it records what it sends before sending it, and a re-run watches or skips what is done), so two
 * worker restarts during a long rollout must not fail it. A Kafka benchmark must never run twice (a second
 * run would measure a loaded cluster and leave a second topic): 0.
 */
export const STALLS_ALLOWED: Partial<Record<JobName, number>> = {
  'restart-rollout': 5,
  'vault-migrate-run': 5,
  'bench-kafka': 0,
};
const DEFAULT_STALLS = 1;

export const stallsAllowed = (name: string): number => STALLS_ALLOWED[name as JobName] ?? DEFAULT_STALLS;

/**
 * The worker's `maxStalledCount` (BullMQ's setting is per worker, not per job): the largest allowance.
 * Jobs that allow fewer are failed by `jobFor`'s check when they start once too often.
 */
export const WORKER_MAX_STALLED_COUNT = Math.max(DEFAULT_STALLS, ...Object.values(STALLS_ALLOWED));

/** Thrown instead of running a job that was taken over after a dead worker more often than it allows. */
export class StalledTooOften extends UserError {}

export function jobFor(name: string): JobDefinition | undefined {
  const definition = (JOBS as Record<string, JobDefinition | undefined>)[name];
  if (definition === undefined || stallsAllowed(name) >= WORKER_MAX_STALLED_COUNT) return definition;
  const allowed = stallsAllowed(name);
  const onStalled = (definition as { onStalled?: JobDefinition['onStalled'] }).onStalled;
  return {
    ...definition,
    async run(ctx) {
      const job = await ctx.deps.queue.queue.getJob(ctx.jobId);
      const stalls = job?.stalledCounter ?? 0;
      if (stalls > allowed) {
        ctx.log.warn({ stalls, allowed }, 'job taken over after its worker died: not run again');
        await onStalled?.(ctx).catch((error: unknown) =>
          ctx.log.warn({ err: error }, 'clean-up after the interrupted run failed'),
        );
        throw new StalledTooOften(
          `This ${name} job was interrupted (its worker stopped) and is not run again: ask again.`,
        );
      }
      return definition.run(ctx);
    },
  };
}

export function scheduledJobFor(name: string): ScheduledJobDefinition | undefined {
  return (SCHEDULED_JOBS as Record<string, ScheduledJobDefinition | undefined>)[name];
}
