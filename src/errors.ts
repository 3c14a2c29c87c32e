import type { Message } from './message.js';

/**
 * A problem the user can fix: its message is shown verbatim and the job is never retried.
 * Every other error is internal: logged with its job id and shown only as "internal error, job N".
 */
export class UserError extends Error {
  override readonly name = 'UserError';
}

/** A UserError that comes with its whole report (Block Kit), e.g. a failed rollout with its pods and events. */
export class ReportedFailure extends UserError {
  constructor(
    message: string,
    readonly report: Message,
  ) {
    super(message);
  }
}

/** A command that could not be parsed: the message carries the usage to show. */
export class UsageError extends UserError {}

export const isUserError = (error: unknown): error is UserError => error instanceof UserError;

/** Slack's reason for refusing a call (`error.data.error`, as @slack/web-api and integrations/slack-http shape it). */
export function slackErrorCode(error: unknown): string | undefined {
  const code = (error as { data?: { error?: unknown } } | null | undefined)?.data?.error;
  return typeof code === 'string' ? code : undefined;
}
