import type { Command } from '../contracts/commands.js';
import type { Authorization } from '../contracts/jobs.js';
import type { Message } from '../message.js';
import type { DispatchDeps, Outcome, Request } from './dispatch.js';

/**
 * What an inline answer may use: the request, the handler's deps, and a private reply. Answers are the
 * commands the handler gives at once, without a job (help, approve, deny, audit): quick reads and
 * decisions on stored requests (PostgreSQL only, never the cluster). An approval may start a follow-up job.
 */
export interface AnswerContext {
  request: Request;
  deps: DispatchDeps;
  /** Shown only to the requester (ephemeral in Slack). */
  whisper(message: Message): Promise<void>;
  authorization: Authorization;
}

export type Answer<C extends Command = Command> = (command: C, ctx: AnswerContext) => Promise<Outcome>;
