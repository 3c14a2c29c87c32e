import { showRequest as show } from '../../approvals/index.js';
import type { Chat } from '../../integrations/slack.js';
import type { Logger } from '../../log.js';
import type { RestartRequest } from './store.js';
import { RESTART_KIND } from './approval.js';

/**
 * Shows where a request stands: in its status line, and with `decided` also in the plan, whose buttons
 * go once it is approved, denied or expired. Best effort: a Slack hiccup must not undo a stored decision.
 */
export function showRequest(
  chat: Chat,
  request: RestartRequest,
  log: Logger,
  options: { decided?: boolean } = {},
): Promise<void> {
  return show(chat, RESTART_KIND, request, log, options);
}
