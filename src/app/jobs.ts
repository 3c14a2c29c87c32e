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
import { approvalsSweep } from './approval-kinds.js';
import { JobRegistry, type JobTable, type ScheduledJobTable } from '../jobs/registry.js';
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

/** Every job a worker runs, by job name (the BullMQ job name, carried in the job data as `job`). */
const JOBS: JobTable = {
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
};

/** Jobs a BullMQ job scheduler starts (no chat message to edit): they post on their own. */
const SCHEDULED_JOBS: ScheduledJobTable = {
  'status-tick': statusTick,
  'approvals-sweep': approvalsSweep,
};

export const REGISTRY = new JobRegistry(JOBS, SCHEDULED_JOBS);
