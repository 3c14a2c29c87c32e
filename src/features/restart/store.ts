import type { Pool } from '../../integrations/postgres.js';
import type { AuditLog } from '../../store/audit-log.js';
import type { WorkloadKind } from '../../catalogue.js';
import { auditTarget, type Plan } from './plan.js';
import {
  ApprovalRequests,
  approvalFromRow,
  optional,
  type ApprovalRequest,
  type ApprovalTable,
  type NewApproval,
} from '../../approvals/store.js';

/** A restart request: the approval columns every kind has, and the workload it restarts. */
export interface RestartRequest extends ApprovalRequest {
  cluster: string;
  namespace: string;
  kind: WorkloadKind;
  name: string;
  service?: string;
  reason: string;
  plan: Plan;
  /** The annotation value, recorded before the patch is sent. */
  restartedAt?: string;
}

/** What the planning job gives: the approval columns, and the request's own but the annotation (recorded at start). */
export type NewRequest = NewApproval & Omit<RestartRequest, keyof ApprovalRequest | 'restartedAt'>;

export const RESTART_TABLE: ApprovalTable<RestartRequest> = {
  table: 'restart_requests',
  actsOn: ['cluster', 'namespace', 'kind', 'name'],
  action: 'restart',
  fromRow: toRequest,
  describe: (request) => ({
    command: `restart ${request.kind}/${request.name} -n ${request.namespace}`,
    target: auditTarget(request),
    reason: request.reason,
    cluster: request.cluster,
  }),
};

/**
 * Restart requests from "asked" to "done", on the shared approval mechanism (approval-requests.ts):
 * approve, reject, expire, finish and fail are the generic conditional UPDATEs with their audit rows;
 * this adds the workload columns, one open request per workload, and the annotation recorded at start.
 */
export class RestartRequests extends ApprovalRequests<RestartRequest> {
  constructor(pool: Pool, audit: AuditLog) {
    super(pool, audit, RESTART_TABLE);
  }

  /**
   * Creates the request with its `requested` audit row. A retried planning job gets the request it made
   * before (`created: false`); a workload already held by another request throws RequestBusy.
   */
  async create(input: NewRequest, jobId: string): Promise<{ request: RestartRequest; created: boolean }> {
    const columns = {
      cluster: input.cluster,
      namespace: input.namespace,
      kind: input.kind,
      name: input.name,
      service: input.service ?? null,
      reason: input.reason,
      plan: JSON.stringify(input.plan),
    };
    return this.insert(input, columns, jobId);
  }

  /**
   * approved → running, recording the annotation value BEFORE the patch is sent, with the `started`
   * audit row in the same transaction: if the audit cannot be written, nothing is recorded and the
   * caller must not patch. Undefined when the request was not `approved` (another worker started it).
   */
  start(id: string, restartedAt: string, jobId: string): Promise<RestartRequest | undefined> {
    return this.begin(id, jobId, `${'kubectl.kubernetes.io/restartedAt'}=${restartedAt}`, {
      restarted_at: restartedAt,
    });
  }
}

function toRequest(row: Record<string, unknown>): RestartRequest {
  const request: RestartRequest = {
    ...approvalFromRow(row),
    cluster: String(row.cluster),
    namespace: String(row.namespace),
    kind: row.kind as WorkloadKind,
    name: String(row.name),
    reason: String(row.reason),
    plan: row.plan as Plan,
  };
  const service = optional<string>(row.service);
  if (service !== undefined) request.service = service;
  const restartedAt = optional<string>(row.restarted_at);
  if (restartedAt !== undefined) request.restartedAt = restartedAt;
  return request;
}
