import type { DataOf, JobData, JobName } from '../contracts/jobs.js';
import type { Catalogue } from '../catalogue.js';
import type { Metrics } from '../contracts/metrics.js';
import type { Config } from '../config.js';
import type { ClusterInfo, Kube } from '../integrations/kubernetes.js';
import type { Chat } from '../integrations/slack.js';
import type { Logger } from '../log.js';
import type { Message } from '../message.js';
import type { Store } from '../app/store.js';
import type { VaultDeps } from '../integrations/vault-connection.js';
import type { CommandQueue } from './queue.js';

/** What a job may use. Built once per worker process and passed explicitly. */
export interface JobDeps {
  config: Config;
  log: Logger;
  kube: Kube;
  cluster: ClusterInfo;
  store: Store;
  catalogue: Catalogue;
  chat: Chat;
  /** For follow-up jobs (a rollout after an approval, an expiry): the queue this worker serves. */
  queue: CommandQueue;
  /** Vault, when VAULT_ADDR is set (or the demo's stand-in); the vault jobs say so when it is not. */
  vault?: VaultDeps;
  /** Counts job runs, the daily post, Kafka requests (carbon_* series); none counted when absent. */
  metrics?: Metrics;
}

/** What a job runs with; `D` is its data (`JobContext<DataOf<'restart-rollout'>>`). */
export interface JobContext<D extends JobData = JobData> {
  jobId: string;
  data: D;
  deps: JobDeps;
  log: Logger;
  /** Reports progress: saved on the job and shown by editing the reply message (coalesced). */
  progress(text: string): Promise<void>;
  /** True on the last attempt BullMQ will make: a job that holds a resource releases it when this one fails. */
  lastAttempt?: boolean;
}

/**
 * A job nobody asked for in chat: a job scheduler starts it, so there is no "queued" message to edit.
 * It posts on its own and is idempotent by its own record (e.g. one status post per tick).
 */
export interface ScheduledJobDefinition<D = unknown> {
  attempts: number;
  /** Logged at debug, not info: a job that runs every few seconds and usually finds nothing to do. */
  quiet?: boolean;
  /** Returns a one-line summary for the job's result. */
  run(ctx: { jobId: string; data: D; deps: JobDeps; log: Logger; lastAttempt: boolean }): Promise<string>;
}

/**
 * The only code that changes the world. Delivery is at least once (a retry after a failure, a run taken
 * over after its worker died), so a job that runs twice must do no harm:
 *  - idempotent by a stored record or a fixed id: the planning jobs (a retried one finds the request it
 *    made by its origin job), the follow-ups (restart-rollout, phase-apply, vault-migrate-run: the
 *    conditional `begin` and what they record before acting let a re-run resume, not redo), the expiry
 *    jobs (conditional UPDATE), the status tick (one claimed post per tick), vault-rollback (puts back
 *    only keys still missing, leaves a key that holds another value alone);
 *  - reads and measurements, re-run harmlessly: health, status, schedule, phase plan/verify/status,
 *    vault status, bench history (a re-run may store one more snapshot or task state, each with its time);
 *  - not idempotent, so run at most once: bench-kafka (one attempt, failed rather than re-run when its
 *    worker dies: a second run would measure a loaded cluster), and the handoff's coverage snapshot is
 *    written again by a retry (a second measurement, which is acceptable).
 */
export interface JobDefinition<J extends JobName = JobName> {
  /** How often BullMQ tries an internal failure; a UserError is never retried. */
  attempts: number;
  /**
   * How many times the job may be taken over after its worker died (BullMQ calls it stalled: the lock
   * ran out) before it fails; default 1. A job that resumes safely allows more; one that must never run
   * twice allows 0 and cleans up in `onStalled`.
   */
  stallsAllowed?: number;
  /**
   * At most this many progress writes to Redis (each one an edit of the reply at most), the last one kept
   * for the job's last state; one per interval without a limit when absent (a long apply keeps moving).
   */
  progressWrites?: number;
  run(ctx: JobContext<DataOf<J>>): Promise<Message>;
  /**
   * For a job that must not run twice (`stallsAllowed` below the worker's): cleans up after the run its
   * dead worker left half done, before the job is failed instead of run again.
   */
  onStalled?(ctx: JobContext<DataOf<J>>): Promise<void>;
}
