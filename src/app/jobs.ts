import { benchHistory } from '../features/bench/bench-history.js';
import { benchKafka } from '../features/bench/bench-kafka.js';
import { alertNotify } from '../features/incidents/alert-notify.js';
import { incidentSilence, silenceExpired } from '../features/incidents/incident-silence.js';
import { healthReport } from '../features/health/health-report.js';
import { inspectDescribe, inspectEvents, inspectLogs } from '../features/inspect/jobs.js';
import { PHASE_APPLY_JOBS } from '../features/phases/action.js';
import { phasePlan } from '../features/phases/phase-plan.js';
import { phaseStatus } from '../features/phases/phase-status.js';
import { phaseVerify } from '../features/phases/phase-verify.js';
import { RESTART_JOBS } from '../features/restart/action.js';
import { handoffReport } from '../features/status/handoff-report.js';
import { statusReport } from '../features/status/status-report.js';
import { statusSchedule } from '../features/status/status-schedule.js';
import { statusTick } from '../features/status/status-tick.js';
import { VAULT_MIGRATE_JOBS } from '../features/vault/action.js';
import { vaultRollback } from '../features/vault/vault-rollback.js';
import { vaultStatus } from '../features/vault/vault-status.js';
import { JobRegistry, type JobTable, type ScheduledJobTable } from '../jobs/registry.js';
import { approvalsSweep } from './approval-kinds.js';

/**
 * Every job a worker runs, by job name (the BullMQ job name, carried in the job data as `job`). An
 * approval-gated action (restart, phase apply, Vault migration) gives three: its planning job, its
 * follow-up after the approvals and its expiry (src/approvals/gated-action.ts).
 */
const JOBS: JobTable = {
  'health-report': healthReport,
  'restart-request': RESTART_JOBS.plan,
  'restart-rollout': RESTART_JOBS.followUp,
  'restart-expire': RESTART_JOBS.expiry,
  'bench-kafka': benchKafka,
  'bench-history': benchHistory,
  // phase runbooks: list and status; the dry-run plan; the checks; the approval-gated apply
  'phase-status': phaseStatus,
  'phase-plan': phasePlan,
  'phase-verify': phaseVerify,
  'phase-apply-request': PHASE_APPLY_JOBS.plan,
  'phase-apply': PHASE_APPLY_JOBS.followUp,
  'phase-apply-expire': PHASE_APPLY_JOBS.expiry,
  // vault: the coverage; the approval-gated migration; the rollback
  'vault-status': vaultStatus,
  'vault-migrate-plan': VAULT_MIGRATE_JOBS.plan,
  'vault-migrate-run': VAULT_MIGRATE_JOBS.followUp,
  'vault-migrate-expire': VAULT_MIGRATE_JOBS.expiry,
  'vault-rollback': vaultRollback,
  // the daily post's content on demand; the schedule and its next run; the handoff summary of a period
  'status-report': statusReport,
  'status-schedule': statusSchedule,
  'handoff-report': handoffReport,
  // read-only inspection: a container's log, events, a workload described
  'inspect-logs': inspectLogs,
  'inspect-events': inspectEvents,
  'inspect-describe': inspectDescribe,
  // incidents: a Silence button (or `silence`): a silence of an alert group in Alertmanager
  'incident-silence': incidentSilence,
};

/** Jobs a BullMQ job scheduler starts (no chat message to edit): they post on their own. */
const SCHEDULED_JOBS: ScheduledJobTable = {
  'status-tick': statusTick,
  'approvals-sweep': approvalsSweep,
  // an Alertmanager notification, queued by the bot's receiver: the group's message posted or updated
  'alert-notify': alertNotify,
  // a note in the alert group's thread when a silence made from Slack has expired
  'silence-expired': silenceExpired,
};

export const REGISTRY = new JobRegistry(JOBS, SCHEDULED_JOBS);
