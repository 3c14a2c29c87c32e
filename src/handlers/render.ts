import { refusal } from '../jobs/replies.js';
import type { Message } from '../message.js';

/** What the Slack listeners say themselves, before a request reaches dispatch. */

/**
 * A Slack request without a field carbon-ops needs to act on it (Slack always sends them; a proxy or a
 * forged request may not): nothing is run, and the person is told so where that is possible.
 */
export const unreadableRequest = (missing: readonly string[]): Message =>
  refusal(
    `carbon-ops could not read this request: Slack sent it without ${missing.map((f) => `\`${f}\``).join(', ')}. ` +
      'Nothing was run; please try again.',
  );

/** A click on a button carbon-ops does not handle (say, on a message from another version of it). */
export const unknownButton = (): Message =>
  refusal('carbon-ops does not handle this button, so nothing was done. `/carbon help` lists what it can do.');

/** A slash command other than `/carbon` (the Slack app set up with another one): the ack's text says so. */
export const tooBusy = (waiting: number): Message =>
  refusal(
    `carbon-ops is busy: ${waiting} acknowledged commands are still waiting to run. Nothing was run; ` +
      'try again in a minute.',
  );

export const unknownCommand = (command: string): Message =>
  refusal(
    `carbon-ops answers \`/carbon\` only${command === '' ? '' : `, not \`${command.slice(0, 40)}\``}: nothing was run.`,
  );
