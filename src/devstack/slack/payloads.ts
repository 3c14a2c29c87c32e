// What Slack sends an app, whichever transport carries it: a signed HTTP request (signing.ts) or a Socket Mode
// envelope (socket-envelopes.ts). Both build their bodies here, so a test reads the same over either.
import { randomBytes } from 'node:crypto';
import { FAKE_WORKSPACE } from './identity.js';

export type SlashCommandFields = {
  command?: string;
  text: string;
  user_id: string;
  channel_id: string;
  trigger_id?: string;
  response_url?: string;
  team_id?: string;
  [field: string]: string | undefined;
};

/**
 * A `/carbon` slash command's fields as Slack sends them, every value a string. Fields left out get Slack-shaped
 * defaults; one given as undefined is left out. A missing response_url points at a closed loopback port, so a bot
 * that uses it fails fast instead of reaching Slack: pass `standin.responseUrl()` to observe responses.
 */
export function slashCommandPayload(fields: SlashCommandFields): Record<string, string> {
  const all: Record<string, string | undefined> = {
    token: 'verification-token-unused',
    team_id: FAKE_WORKSPACE.teamId,
    team_domain: FAKE_WORKSPACE.teamDomain,
    channel_name: fields.channel_id,
    user_name: fields.user_id,
    command: '/carbon',
    api_app_id: FAKE_WORKSPACE.appId,
    is_enterprise_install: 'false',
    response_url: `http://127.0.0.1:9/commands/${FAKE_WORKSPACE.teamId}/unused`,
    trigger_id: triggerId(),
    ...fields,
  };
  return Object.fromEntries(Object.entries(all).filter((entry): entry is [string, string] => entry[1] !== undefined));
}

/** An Events API event (app_mention, message, …) inside its `event_callback` envelope; Slack's retries keep the id. */
export function eventCallback(event: Record<string, unknown>, eventId = newEventId()): Record<string, unknown> {
  return {
    token: 'verification-token-unused',
    team_id: FAKE_WORKSPACE.teamId,
    api_app_id: FAKE_WORKSPACE.appId,
    event,
    type: 'event_callback',
    event_id: eventId,
    event_time: Math.floor(Date.now() / 1000),
    authorizations: [
      {
        enterprise_id: null,
        team_id: FAKE_WORKSPACE.teamId,
        user_id: FAKE_WORKSPACE.botUserId,
        is_bot: true,
        is_enterprise_install: false,
      },
    ],
    is_ext_shared_channel: false,
  };
}

export function newEventId(): string {
  return `Ev${randomBytes(5).toString('hex').toUpperCase()}`;
}

/** Slack's trigger IDs look like "13345224609.738474920.8088930838d88f008e0"; only uniqueness matters here. */
export function triggerId(): string {
  return `${Date.now()}.${Math.floor(Math.random() * 1e9)}.${randomBytes(10).toString('hex')}`;
}
