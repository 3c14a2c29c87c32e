import type { Catalogue } from '../catalogue.js';
import type { Command } from '../commands/index.js';
import type { Config } from '../config.js';
import type { ClusterInfo } from '../health/measure.js';
import type { Kube } from '../integrations/kubernetes.js';
import type { Chat } from '../integrations/slack.js';
import type { Logger } from '../log.js';
import type { Message } from '../reports/message.js';
import type { Store } from '../store/index.js';

/** Who asked, where. Slack IDs only; job data never carries a secret. */
export interface Requester {
  user: string;
  channel: string;
}

export interface JobData<C extends Command = Command> {
  command: C;
  requester: Requester;
  /** The "queued" message the worker edits with progress and then the result. */
  reply: { channel: string; ts: string };
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
}

export interface JobContext<C extends Command = Command> {
  jobId: string;
  data: JobData<C>;
  deps: JobDeps;
  log: Logger;
  /** Reports progress: saved on the job and shown by editing the reply message (coalesced). */
  progress(text: string): Promise<void>;
}

/** The only code that changes the world. Delivery is at least once, so every job is idempotent. */
export interface JobDefinition<C extends Command = Command> {
  /** How often BullMQ tries an internal failure; a UserError is never retried. */
  attempts: number;
  run(ctx: JobContext<C>): Promise<Message>;
}
