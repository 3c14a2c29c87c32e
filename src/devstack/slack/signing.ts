// Sends the bot what Slack sends: slash commands, interactions and Events API callbacks, signed with Slack's v0
// scheme (HMAC-SHA256 of "v0:<timestamp>:<body>"), optionally as a retry or with a broken signature.
import { createHmac } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { eventCallback, newEventId, slashCommandPayload, type SlashCommandFields } from './payloads.js';

const FORM = 'application/x-www-form-urlencoded';

export type SignedHeaders = {
  'Content-Type': string;
  'X-Slack-Request-Timestamp': string;
  'X-Slack-Signature': string;
};

export type SendOptions = {
  /** The request timestamp; defaults to now. Move it 301 s away to test replay protection. */
  timestampSec?: number;
  /** Marks the request as Slack's Nth retry (`X-Slack-Retry-Num`). */
  retryNum?: number;
  /** `X-Slack-Retry-Reason` for a retry; Slack's usual one by default. */
  retryReason?: string;
  /** Sign with the wrong secret. */
  badSignature?: boolean;
  /** Send no signature headers at all. */
  noSignature?: boolean;
};

export type SlackDelivery = { status: number; body: string; elapsedMs: number };

/** The headers Slack puts on a request it sends to an app. */
export function signSlackRequest(
  body: string,
  signingSecret: string,
  timestampSec = Math.floor(Date.now() / 1000),
  contentType = FORM,
): SignedHeaders {
  const digest = createHmac('sha256', signingSecret).update(`v0:${timestampSec}:${body}`).digest('hex');
  return {
    'Content-Type': contentType,
    'X-Slack-Request-Timestamp': String(timestampSec),
    'X-Slack-Signature': `v0=${digest}`,
  };
}

/** A `/carbon` slash command as Slack posts it (fields as in payloads.ts). */
export function sendSlashCommand(
  url: string,
  signingSecret: string,
  fields: SlashCommandFields,
  opts: SendOptions = {},
): Promise<SlackDelivery> {
  const form = new URLSearchParams(slashCommandPayload(fields));
  return deliver(url, signingSecret, form.toString(), FORM, opts);
}

/** An interaction (e.g. `block_actions`): Slack posts it as the form field `payload` holding JSON. */
export function sendInteraction(
  url: string,
  signingSecret: string,
  payload: Record<string, unknown>,
  opts: SendOptions = {},
): Promise<SlackDelivery> {
  const body = new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
  return deliver(url, signingSecret, body, FORM, opts);
}

/** An Events API event (app_mention, message, …) inside its `event_callback` envelope. Reuse `eventId` to send
 * the same event twice, as Slack does when it retries. */
export function sendEvent(
  url: string,
  signingSecret: string,
  event: Record<string, unknown>,
  opts: SendOptions & { eventId?: string } = {},
): Promise<SlackDelivery> {
  const { eventId = newEventId(), ...sendOpts } = opts;
  const envelope = eventCallback(event, eventId);
  return deliver(url, signingSecret, JSON.stringify(envelope), 'application/json', sendOpts);
}

async function deliver(
  url: string,
  secret: string,
  body: string,
  contentType: string,
  opts: SendOptions,
): Promise<SlackDelivery> {
  const signed = signSlackRequest(body, opts.badSignature ? `${secret}-wrong` : secret, opts.timestampSec, contentType);
  const headers: Record<string, string> = opts.noSignature ? { 'Content-Type': contentType } : { ...signed };
  if (opts.retryNum !== undefined) {
    headers['X-Slack-Retry-Num'] = String(opts.retryNum);
    headers['X-Slack-Retry-Reason'] = opts.retryReason ?? 'http_timeout';
  }
  const started = performance.now();
  const res = await fetch(url, { method: 'POST', headers, body });
  const text = await res.text();
  return { status: res.status, body: text, elapsedMs: performance.now() - started };
}
