// The Slack stand-in: a fake Web API, Slack's message limits, and signed requests to the bot.
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
export type { SendOptions, SignedHeaders, SlackDelivery, SlashCommandFields } from './signing.js';
export { FAKE_WORKSPACE } from './identity.js';
