// The Slack stand-in: a fake Web API with Socket Mode, Slack's message limits, and requests to the bot (signed over
// HTTP, or envelopes over Socket Mode).
export { startSlackStandin } from './web-api.js';
export type { RecordedCall, SlackStandin, SlackStandinOptions } from './web-api.js';
export type {
  SharedFile,
  SlackChannelSpec,
  SlackUserSpec,
  StoredEphemeral,
  StoredMessage,
  UploadedFile,
  Reaction,
} from './workspace.js';
export { SLACK_LIMITS, checkMessage, findBlockProblems, formatProblem } from './block-limits.js';
export type { BlockProblem, MessageRejection } from './block-limits.js';
export { signSlackRequest, sendSlashCommand, sendInteraction, sendEvent } from './signing.js';
export type { SendOptions, SignedHeaders, SlackDelivery } from './signing.js';
export type { SlashCommandFields } from './payloads.js';
export {
  sendSocketEnvelope,
  sendSocketEvent,
  sendSocketInteraction,
  sendSocketSlashCommand,
} from './socket-envelopes.js';
export type {
  AckStatus,
  DeliverOptions,
  DisconnectReason,
  EnvelopeType,
  RecordedAck,
  SentEnvelope,
  SocketConnection,
  SocketDelivery,
  SocketModeOptions,
  SocketModeStandin,
} from './socket-mode.js';
export { FAKE_WORKSPACE } from './identity.js';
