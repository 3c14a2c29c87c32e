import type { Catalogue } from '../catalogue.js';
import type { Command } from '../app/commands.js';
import type { Config } from '../config.js';
import type { ClusterInfo } from '../features/health/measure.js';
import type { Kube } from '../integrations/kubernetes.js';
import type { Chat } from '../integrations/slack.js';
import type { Logger } from '../log.js';
import type { Role } from '../policy/policy.js';
import type { Message } from '../message.js';
import type { Store } from '../app/store.js';
import type { VaultDeps } from '../integrations/vault-connection.js';
import type { CommandQueue } from './queue.js';

/** Who asked, where. Slack IDs only; job data never carries a secret. */
export interface Requester {
  user: string;
  channel: string;
}

export interface JobData<C extends Command = Command> {
  command: C;
  requester: Requester;
  /** The "queued" message the worker edits with progress and then the result; `threadTs` when it sits in a thread. */
  reply: { channel: string; ts: string; threadTs?: string };
  /** The policy's decision when the command was asked: the role it was allowed by, the approvals it needs. */
  authorization?: { role: Role; approvals: number };
  /** The stored request a follow-up job acts on (a restart request id). */
  request?: string;
}

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
}

export interface JobContext<C extends Command = Command> {
  jobId: string;
  data: JobData<C>;
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
export interface JobDefinition<C extends Command = Command> {
  /** How often BullMQ tries an internal failure; a UserError is never retried. */
  attempts: number;
  run(ctx: JobContext<C>): Promise<Message>;
  /**
   * For a job that must not run twice (STALLS_ALLOWED in registry.ts below the worker's): cleans up
   * after the run its dead worker left half done, before the job is failed instead of run again.
   */
  onStalled?(ctx: JobContext<C>): Promise<void>;
}
