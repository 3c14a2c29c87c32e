import type { Chat } from '../integrations/slack.js';
import type { Logger } from '../log.js';
import { planMessage, statusMessage } from '../reports/restart.js';
import type { RestartRequest } from '../store/restart-requests.js';

/**
 * Shows where a request stands: in its status line, and with `decided` also in the plan, whose buttons
 * go once it is approved, denied or expired. Best effort: a Slack hiccup must not undo a stored decision.
 */
export async function showRequest(chat: Chat, request: RestartRequest, log: Logger, options: { decided?: boolean } = {}): Promise<void> {
  const edits = [chat.update(request.channel, request.statusTs, statusMessage(request))];
  if (options.decided && request.planTs !== undefined) edits.push(chat.update(request.channel, request.planTs, planMessage(request)));
  const results = await Promise.allSettled(edits);
  for (const result of results) {
    if (result.status === 'rejected') log.warn({ err: result.reason, request: request.id }, 'could not update a restart message');
  }
}
