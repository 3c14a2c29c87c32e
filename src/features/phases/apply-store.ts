import type { PhasePlan } from './plan.js';
import type { Pool } from '../../integrations/postgres.js';
import {
  ApprovalRequests,
  approvalFromRow,
  optional,
  type ApprovalRequest,
  type ApprovalTable,
  type NewApproval,
} from '../../approvals/store.js';
import type { AuditLog } from '../../store/audit-log.js';

/** `phase apply N`: the approval columns every kind has, and what is applied where, as planned. */
export interface PhaseApply extends ApprovalRequest {
  cluster: string;
  phase: number;
  /** One task only; all of the phase when undefined. */
  task?: string;
  force: boolean;
  /** The server-side dry run the approver saw. */
  plan: PhasePlan;
}

/** What the planning job gives: the approval columns and the apply's own. */
export type NewPhaseApply = NewApproval & Omit<PhaseApply, keyof ApprovalRequest>;

export const PHASE_APPLY_TABLE: ApprovalTable<PhaseApply> = {
  table: 'phase_apply_requests',
  actsOn: ['cluster', 'phase'],
  action: 'phase',
  fromRow: toApply,
  describe: (r) => ({
    command: `phase apply ${r.phase}${r.task ? ` --task ${r.task}` : ''}${r.force ? ' --force' : ''}`,
    target: `phase ${r.phase}${r.task ? `/${r.task}` : ''}`,
    cluster: r.cluster,
  }),
};

/** Phase applies from "asked" to "done", on the shared approval mechanism; one open apply per phase and cluster. */
export class PhaseApplies extends ApprovalRequests<PhaseApply> {
  constructor(pool: Pool, audit: AuditLog) {
    super(pool, audit, PHASE_APPLY_TABLE);
  }

  /** Creates the request with its `requested` audit row; a phase already held throws RequestBusy. */
  async create(input: NewPhaseApply, jobId: string): Promise<{ request: PhaseApply; created: boolean }> {
    const columns = {
      cluster: input.cluster,
      phase: input.phase,
      task: input.task ?? null,
      force: input.force,
      plan: JSON.stringify(input.plan),
    };
    return this.insert(input, columns, jobId);
  }

  /**
   * approved → running with its `started` audit row, before anything is applied; undefined when another worker started
   * it.
   */
  start(id: string, jobId: string, detail: string): Promise<PhaseApply | undefined> {
    return this.begin(id, jobId, detail);
  }
}

function toApply(row: Record<string, unknown>): PhaseApply {
  const request: PhaseApply = {
    ...approvalFromRow(row),
    cluster: String(row.cluster),
    phase: Number(row.phase),
    force: row.force === true,
    plan: row.plan as PhasePlan,
  };
  const task = optional<string>(row.task);
  if (task !== undefined) request.task = task;
  return request;
}
