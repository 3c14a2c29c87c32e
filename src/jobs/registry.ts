import type { Command } from '../commands/index.js';
import { benchHistory } from './bench-history.js';
import { benchKafka } from './bench-kafka.js';
import { healthReport } from './health-report.js';
import { phaseApply } from './phase-apply.js';
import { phaseApplyExpire } from './phase-apply-expire.js';
import { phaseApplyRequest } from './phase-apply-request.js';
import { phasePlan } from './phase-plan.js';
import { phaseStatus } from './phase-status.js';
import { phaseVerify } from './phase-verify.js';
import type { JobDefinition } from './job.js';
import { restartExpire } from './restart-expire.js';
import { restartRequest } from './restart-request.js';
import { restartRollout } from './restart-rollout.js';
import { vaultMigrateExpire } from './vault-migrate-expire.js';
import { vaultMigratePlan } from './vault-migrate-plan.js';
import { vaultMigrateRun } from './vault-migrate-run.js';
import { vaultRollback } from './vault-rollback.js';
import { vaultStatus } from './vault-status.js';

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
} satisfies Record<string, JobDefinition<never>>;

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
      return ({ list: 'phase-status', status: 'phase-status', plan: 'phase-plan', verify: 'phase-verify', apply: 'phase-apply-request' } as const satisfies Record<typeof command.action, JobName>)[command.action];
    case 'vault':
      return ({ status: 'vault-status', migrate: 'vault-migrate-plan', rollback: 'vault-rollback' } as const)[command.action];
    default:
      return undefined;
  }
}

export function jobFor(name: string): JobDefinition | undefined {
  return (JOBS as Record<string, JobDefinition | undefined>)[name];
}
