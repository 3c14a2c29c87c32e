import type { Command } from '../contracts/commands.js';
import { randomUUID } from 'node:crypto';
import type { Catalogue } from '../catalogue.js';
import type { CommandTable } from '../commands/table.js';
import { within } from '../concurrency.js';
import { isUserError, slackErrorCode } from '../errors.js';
import type { Chat } from '../integrations/slack.js';
import type { JobData } from '../contracts/jobs.js';
import type { CommandQueue } from '../jobs/queue.js';
import type { Logger } from '../log.js';
import type { GroupDirectory } from '../policy/groups.js';
import type { Actor, Policy } from '../policy/policy.js';
import { queued, refusal, usage } from '../jobs/replies.js';
import type { AuditEntry } from '../store/audit-log.js';
import type { Store } from '../app/store.js';
import type { Message } from '../message.js';
import type { Authorization } from '../contracts/jobs.js';
import { NO_METRICS, type CommandOutcome, type Metrics } from '../contracts/metrics.js';

/** How long the queue may take to answer before a request is refused as unqueueable (Slack's user waits). */
const QUEUE_PING_MS = 2_000;

export interface DispatchDeps {
  /** The command table (src/app/commands.ts): parse, policy name, audit line and route of every command. */
  commands: CommandTable<Answer>;
  policy: Policy;
  catalogue: Catalogue;
  /** The Kafka clusters a benchmark may name (config.ts: kafkaClusters). */
  kafkaClusters: readonly string[];
  queue: CommandQueue;
  /** The audit trail (denials are recorded here) and the requests the handler decides on (approvals). */
  store: Store;
  chat: Chat;
  log: Logger;
  /** Counts every command by name and outcome (carbon_commands_total); none counted when absent. */
  metrics?: Metrics;
}

/** What a Slack listener needs: dispatch's deps but the chat (each request brings its client), and group membership. */
export type SlackHandlerDeps = Omit<DispatchDeps, 'chat'> & { groups: GroupDirectory };

export interface Request {
  /** The text after `/carbon` (or of the mention). */
  text: string;
  /**
   * A button builds its command directly instead of having its text parsed; like the parser, it throws a
   * UsageError for a value that does not fit.
   */
  build?: () => Command;
  actor: Actor;
  /** `mention`: the text of an @-mention, which has a conversational form (`restart trino, it is stuck`). */
  form?: 'slash' | 'mention';
  /** The thread the request was made in (a mention's ts): replies go there. */
  threadTs?: string;
}

export type Outcome =
  | { kind: 'usage'; message: string }
  | { kind: 'denied'; message: string }
  | { kind: 'answered'; command: Command }
  | { kind: 'queued'; command: Command; jobId: string }
  | { kind: 'unavailable'; message: string };

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

/** The outcome counted for each kind of Outcome (carbon_commands_total's `outcome` label). */
const COUNTED: Record<Outcome['kind'], CommandOutcome> = {
  usage: 'usage_error',
  denied: 'refused',
  answered: 'done',
  queued: 'queued',
  unavailable: 'failed',
};

/**
 * The one path every transport uses: parse → policy → (answer | queue). Slack's handlers and the
 * terminal differ only in how the request arrives. Refusals are shown only to the requester. Every
 * request is counted by its command's name (`unparsed` when it has none: never the person's text).
 */
export async function dispatch(request: Request, deps: DispatchDeps): Promise<Outcome> {
  const metrics = deps.metrics ?? NO_METRICS;
  const seen: { command?: string } = {};
  try {
    const outcome = await decide(request, deps, seen);
    metrics.command(seen.command ?? 'unparsed', COUNTED[outcome.kind]);
    return outcome;
  } catch (error) {
    metrics.command(seen.command ?? 'unparsed', 'failed');
    throw error;
  }
}

async function decide(request: Request, deps: DispatchDeps, seen: { command?: string }): Promise<Outcome> {
  const { actor } = request;
  // A reply Slack refuses (a channel the bot cannot post in: channel_not_found) is logged; it never fails the request.
  const whisper = (message: ReturnType<typeof usage>) =>
    deps.chat
      .ephemeral(actor.channel.id, actor.user, message)
      .catch((error: unknown) =>
        deps.log.warn({ err: error, user: actor.user, channel: actor.channel.id }, 'could not answer the person'),
      );
  const rules = { catalogue: deps.catalogue, kafkaClusters: deps.kafkaClusters };

  let command: Command;
  try {
    command =
      request.build?.() ??
      (request.form === 'mention'
        ? deps.commands.parseMention(request.text, rules)
        : deps.commands.parse(request.text, rules));
  } catch (error) {
    if (!isUserError(error)) throw error;
    await whisper(usage(error.message));
    return { kind: 'usage', message: error.message };
  }
  seen.command = command.name;

  const decision = deps.policy.authorize(deps.commands.policyName(command), actor);
  if (!decision.allowed) {
    deps.log.info({ user: actor.user, channel: actor.channel.id, command: command.name }, 'denied');
    await audit(deps, auditOf(deps, command, actor, 'denied', decision.reason));
    await whisper(refusal(decision.reason));
    return { kind: 'denied', message: decision.reason };
  }

  try {
    deps.commands.check(command, rules);
  } catch (error) {
    if (!isUserError(error)) throw error;
    await audit(deps, auditOf(deps, command, actor, 'refused', error.message));
    await whisper(usage(error.message));
    return { kind: 'usage', message: error.message };
  }

  const authorization = { role: decision.role, approvals: decision.approvals };
  const route = deps.commands.route(command);
  if ('answer' in route) {
    try {
      return await route.answer(command, { request, deps, whisper, authorization });
    } catch (error) {
      if (!isUserError(error)) return internalError(deps, whisper, command, actor, error);
      await whisper(usage(error.message));
      return { kind: 'usage', message: error.message };
    }
  }

  return queueCommand({ request, command, job: route.job, authorization }, deps, whisper);
}

/** Redis does not answer, or refused the job: nothing was started. */
const QUEUE_DOWN =
  'carbon-ops cannot reach its job queue (Redis) right now, so nothing was started. Please try again in a minute.';
/** Slack refused the "Queued" message because the bot may not post here (a channel it is not in, a DM). */
const CANNOT_POST =
  'carbon-ops cannot post in this channel, so nothing was started. Invite it here (`/invite @carbon-ops`) or ' +
  'run the command in a channel it is in.';
/** Slack's refusals that mean the bot may not post in the channel, as opposed to Slack failing or not answering. */
const NOT_ALLOWED_HERE = new Set(['channel_not_found', 'not_in_channel', 'is_archived', 'restricted_action']);
/** The "Queued" message could not be posted for another reason (Slack down, its answer lost, rate limits). */
const POST_FAILED =
  'carbon-ops could not post its message in this channel (Slack did not confirm it), so nothing was started. ' +
  'Please try again in a minute.';

/** What to tell the person when the "Queued" message could not be posted: by Slack's reason. */
function postRefusal(error: unknown): string {
  return NOT_ALLOWED_HERE.has(slackErrorCode(error) ?? '') ? CANNOT_POST : POST_FAILED;
}

/**
 * Announces the job ("Queued", where its progress will be edited in) and queues it. Nothing is announced
 * that cannot be queued (a Redis that does not answer is found first), and nothing is queued that could not
 * be announced (its progress and result would have nowhere to go).
 */
async function queueCommand(
  queuing: { request: Request; command: Command; job: JobData['job']; authorization: Authorization },
  deps: DispatchDeps,
  whisper: (message: Message) => Promise<void>,
): Promise<Outcome> {
  const { request, command, job, authorization } = queuing;
  const { actor } = request;
  const jobId = `${command.name}-${randomUUID().replace(/-/g, '').slice(0, 12)}`;
  const what = `\`${command.name}\` for <@${actor.user}>`;
  try {
    await within(deps.queue.ping(), QUEUE_PING_MS, 'Redis did not answer in time');
  } catch (error) {
    deps.log.error({ err: error, command: command.name }, 'enqueue failed');
    await whisper(refusal(QUEUE_DOWN));
    return { kind: 'unavailable', message: QUEUE_DOWN };
  }
  let ts: string;
  try {
    // Keyed by the job id: a post whose answer was lost is looked for before it is sent again (never two).
    ts = await deps.chat.post(actor.channel.id, queued(what, jobId), request.threadTs, jobId);
  } catch (error) {
    deps.log.warn({ err: error, command: command.name, channel: actor.channel.id }, 'could not post: nothing queued');
    const message = postRefusal(error);
    await whisper(refusal(message));
    return { kind: 'unavailable', message };
  }
  try {
    const reply = {
      channel: actor.channel.id,
      ts,
      ...(request.threadTs !== undefined ? { threadTs: request.threadTs } : {}),
    };
    // The spec's route names the job for its own command type, which the cast cannot see.
    const requester = { user: actor.user, channel: actor.channel.id };
    const data = { job, command, requester, reply, authorization } as JobData;
    await deps.queue.enqueue(data, jobId);
    return { kind: 'queued', command, jobId };
  } catch (error) {
    deps.log.error({ err: error, command: command.name }, 'enqueue failed');
    // Nothing half-done: the "queued" message already posted is turned into the refusal.
    await deps.chat.update(actor.channel.id, ts, refusal(QUEUE_DOWN)).catch(() => undefined);
    return { kind: 'unavailable', message: QUEUE_DOWN };
  }
}

/**
 * An answer (approve, deny, audit) failed for a reason that is not the person's (PostgreSQL down, a bug):
 * logged with an id, and the person is told so with that id, never left with nothing (nor Bolt with a throw).
 */
async function internalError(
  deps: DispatchDeps,
  whisper: (message: ReturnType<typeof usage>) => Promise<void>,
  command: Command,
  actor: Actor,
  error: unknown,
): Promise<Outcome> {
  const errorId = randomUUID().replace(/-/g, '').slice(0, 10);
  deps.log.error(
    { err: error, errorId, command: command.name, user: actor.user, channel: actor.channel.id },
    'internal error while answering a command',
  );
  const message =
    `carbon-ops hit an internal error while answering \`${command.name}\` (error id ${errorId}); ` +
    `it has been logged. Try again in a minute; if it persists, give the id to the bot's operators.`;
  await whisper(refusal(message)).catch((e: unknown) =>
    deps.log.warn({ err: e, errorId }, 'could not tell the user about an internal error'),
  );
  return { kind: 'unavailable', message };
}

function auditOf(
  deps: DispatchDeps,
  command: Command,
  actor: Actor,
  outcome: 'denied' | 'refused',
  detail: string,
): AuditEntry {
  const { line, target, reason } = deps.commands.describe(command);
  return {
    actor: actor.user,
    channel: actor.channel.id,
    action: command.name,
    command: line,
    ...(target !== undefined ? { target } : {}),
    ...(reason !== undefined ? { reason } : {}),
    outcome,
    detail,
  };
}

/** A refusal is recorded, but a refusal never waits on the audit trail: it changes nothing. */
async function audit(deps: DispatchDeps, entry: AuditEntry): Promise<void> {
  await deps.store.audit
    .record(entry)
    .catch((error: unknown) => deps.log.error({ err: error, outcome: entry.outcome }, 'audit write failed'));
}
