// Sends the bot what Slack sends over Socket Mode: the same slash commands, interactions and Events API callbacks
// as signing.ts posts over HTTP, as envelopes on the stand-in's link. Each resolves once the bot acked (with the
// ack's payload) or Slack gave up, so a test reads the same over either transport.
import { eventCallback, newEventId, slashCommandPayload, type SlashCommandFields } from './payloads.js';
import type { DeliverOptions, EnvelopeType, SocketDelivery } from './socket-mode.js';
import type { SlackStandin } from './web-api.js';

/** Any envelope, on a connection the bot opened through apps.connections.open. */
export function sendSocketEnvelope(
  slack: SlackStandin,
  type: EnvelopeType,
  payload: Record<string, unknown>,
  opts: DeliverOptions = {},
): Promise<SocketDelivery> {
  return slack.socketMode.deliver(type, payload, opts);
}

/** A `/carbon` slash command (a `slash_commands` envelope, whose ack may carry the response). */
export function sendSocketSlashCommand(
  slack: SlackStandin,
  fields: SlashCommandFields,
  opts: DeliverOptions = {},
): Promise<SocketDelivery> {
  return sendSocketEnvelope(slack, 'slash_commands', slashCommandPayload(fields), opts);
}

/** An interaction such as `block_actions` (an `interactive` envelope). */
export function sendSocketInteraction(
  slack: SlackStandin,
  payload: Record<string, unknown>,
  opts: DeliverOptions = {},
): Promise<SocketDelivery> {
  return sendSocketEnvelope(slack, 'interactive', payload, opts);
}

/** An Events API event in its `event_callback` (an `events_api` envelope); Slack's retries keep the event id. */
export function sendSocketEvent(
  slack: SlackStandin,
  event: Record<string, unknown>,
  opts: DeliverOptions & { eventId?: string } = {},
): Promise<SocketDelivery> {
  const { eventId = newEventId(), ...deliverOpts } = opts;
  return sendSocketEnvelope(slack, 'events_api', eventCallback(event, eventId), deliverOpts);
}
