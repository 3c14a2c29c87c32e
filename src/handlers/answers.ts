import { helpText, type Command } from '../app/commands.js';
import type { Role } from '../policy/policy.js';
import type { Message } from '../message.js';
import { answerApprove, answerDeny } from './approval.js';
import { answerAudit } from './audit.js';
import type { DispatchDeps, Outcome, Request } from './dispatch.js';

/** What a handler-side answer may use: the request, the handler's deps, and a private reply. */
export interface AnswerContext {
  request: Request;
  deps: DispatchDeps;
  /** Shown only to the requester (ephemeral in Slack). */
  whisper(message: Message): Promise<void>;
  authorization: { role: Role; approvals: number };
}

export type Answer<C extends Command> = (command: C, ctx: AnswerContext) => Promise<Outcome>;

type Answered = Extract<Command, { name: 'help' | 'approve' | 'deny' | 'audit' }>;

/**
 * Commands the handler answers itself, without a job: quick reads and decisions on stored requests
 * (PostgreSQL only, never the cluster). An approval may start a follow-up job. Every other command
 * is routed to a job by `jobNameFor`.
 */
const ANSWERS: { [N in Answered['name']]: Answer<Extract<Answered, { name: N }>> } = {
  help: async (command, { whisper }) => {
    await whisper({ text: helpText(command.topic) });
    return { kind: 'answered', command };
  },
  approve: answerApprove,
  deny: answerDeny,
  audit: answerAudit,
};

export function answer(command: Command, ctx: AnswerContext): Promise<Outcome> {
  const handler = (ANSWERS as Record<string, Answer<Command> | undefined>)[command.name];
  if (handler === undefined) throw new Error(`No job and no answer for the command ${command.name}`);
  return handler(command, ctx);
}
