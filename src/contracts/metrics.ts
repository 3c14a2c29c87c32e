/**
 * What the code counts, as data: the choke points (dispatch, the job runner, the Slack chat, the
 * Kubernetes and Vault clients, the audit log) report here, and the process role's
 * implementation (src/integrations/metrics.ts, prom-client) turns it into Prometheus series. Every label
 * value is from a bounded set: command and job names, API methods, operation names, never user text or ids.
 */

/** How a command ended at the dispatcher: answered inline (done), queued for a worker, or not started. */
export type CommandOutcome = 'done' | 'queued' | 'refused' | 'usage_error' | 'failed';

/** How a job run ended: done, refused (a UserError: not retried), failed (retried), lost (Redis lost it). */
export type JobOutcome = 'done' | 'refused' | 'failed' | 'lost';

/** A call to another system: answered (ok), answered with an error, or no answer (timeout, unreachable). */
export type CallOutcome = 'ok' | 'error' | 'timeout' | 'unreachable';

export type RequestSystem = 'kubernetes' | 'vault' | 'kafka';

export interface Metrics {
  command(command: string, outcome: CommandOutcome): void;
  job(job: string, outcome: JobOutcome, seconds: number): void;
  slackCall(method: string, outcome: CallOutcome): void;
  /** Slack answered 429: the call is retried by the client after `retryAfterSeconds`. */
  slackRateLimited(method: string, retryAfterSeconds: number): void;
  request(system: RequestSystem, operation: string, outcome: CallOutcome, seconds: number): void;
  auditWriteFailed(): void;
}

/** Counts nothing: the default where no process role passed its metrics in (unit tests, the CLI). */
export const NO_METRICS: Metrics = {
  command: () => undefined,
  job: () => undefined,
  slackCall: () => undefined,
  slackRateLimited: () => undefined,
  request: () => undefined,
  auditWriteFailed: () => undefined,
};

/** Seconds since `startedNs` (process.hrtime.bigint()). */
export function secondsSince(startedNs: bigint): number {
  return Number(process.hrtime.bigint() - startedNs) / 1e9;
}
