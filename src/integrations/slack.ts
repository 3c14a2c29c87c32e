import { WebClient, WebClientEvent } from '@slack/web-api';
import { NO_METRICS, type Metrics } from '../contracts/metrics.js';
import type { Message } from '../message.js';
import { SLACK_CALL_TIMEOUT_MS, SLACK_RETRIES, slackJsonApi, type SlackJsonApi } from './slack-http.js';

export interface Upload {
  filename: string;
  title: string;
  bytes: Buffer;
}

/**
 * Everything the bot says goes through this: the Slack Web API in production, the terminal for
 * `carbon run` and `carbon shell`. Jobs never know which.
 */
export interface Chat {
  /**
   * Posts a message (in a thread when `threadTs` is given) and returns its ts. A `key` goes in the message's
   * metadata, so `findPosted` finds the message when whoever posted it died before saving its ts.
   */
  post(channel: string, message: Message, threadTs?: string, key?: string): Promise<string>;
  /** The ts of the message posted with `key` at `since` or later (in the thread of `threadTs` when given). */
  findPosted(channel: string, key: string, since: Date, threadTs?: string): Promise<string | undefined>;
  update(channel: string, ts: string, message: Message): Promise<void>;
  /** Visible only to `user`: usage errors and refusals. */
  ephemeral(channel: string, user: string, message: Message): Promise<void>;
  upload(channel: string, file: Upload, threadTs?: string): Promise<void>;
  /** The channel's name, for policy rules by name prefix such as `inc-`. */
  channelName(channel: string): Promise<string | undefined>;
}

/** The metadata event_type of a keyed post (Slack allows letters, digits, `_` and `-`; a bad one is dropped). */
const POST_KEY_EVENT = 'carbon_ops_post';
/** Slack's clock is not ours: a keyed post is looked for from this long before we meant to post it. */
const CLOCK_SKEW_MS = 5 * 60_000;

export interface SlackChatOptions {
  token: string;
  apiUrl?: string;
}

/**
 * The Slack Web API as a Chat: the one place the bot's words go out, so each call is counted here by
 * method and outcome, and the client's 429s (retried after Retry-After) by method. Messages (post, update,
 * ephemeral) go as JSON over a keep-alive connection (slack-http.ts) with the client's token and URL; uploads
 * and look-ups through the client.
 */
export function slackChat(client: WebClient, metrics: Metrics = NO_METRICS): Chat {
  watchRateLimits(client, metrics);
  const api = jsonApiOf(client, metrics);
  const names = new Map<string, string | undefined>();
  const counted = async <T>(method: string, call: () => Promise<T>): Promise<T> => {
    try {
      const result = await call();
      metrics.slackCall(method, 'ok');
      return result;
    } catch (error) {
      metrics.slackCall(method, 'error');
      throw error;
    }
  };
  const chat: Chat = {
    async post(channel, message, threadTs, key) {
      const resend = key === undefined ? undefined : { landed: postedWith(chat, channel, key, threadTs) };
      const result = await counted('chat.postMessage', () =>
        api.call(
          'chat.postMessage',
          {
            channel,
            ...message,
            ...(threadTs ? { thread_ts: threadTs } : {}),
            ...(key ? { metadata: { event_type: POST_KEY_EVENT, event_payload: { key } } } : {}),
          },
          resend,
        ),
      );
      return typeof result['ts'] === 'string' ? result['ts'] : '';
    },
    async findPosted(channel, key, since, threadTs) {
      const window = {
        channel,
        oldest: ((since.getTime() - CLOCK_SKEW_MS) / 1000).toFixed(6),
        include_all_metadata: true,
        limit: 200,
      };
      let cursor: string | undefined;
      do {
        const page = cursor ? { ...window, cursor } : window;
        const { messages, response_metadata } = threadTs
          ? await counted('conversations.replies', () => client.conversations.replies({ ...page, ts: threadTs }))
          : await counted('conversations.history', () => client.conversations.history(page));
        const found = messages?.find(
          (m) =>
            m.metadata?.event_type === POST_KEY_EVENT &&
            (m.metadata.event_payload as Record<string, unknown> | undefined)?.['key'] === key,
        );
        if (found?.ts) return found.ts;
        cursor = response_metadata?.next_cursor || undefined;
      } while (cursor);
      return undefined;
    },
    async update(channel, ts, message) {
      await counted('chat.update', () => api.call('chat.update', { channel, ts, ...message }, 'repeatable'));
    },
    async ephemeral(channel, user, message) {
      await counted('chat.postEphemeral', () => api.call('chat.postEphemeral', { channel, user, ...message }));
    },
    async upload(channel, file, threadTs) {
      const upload = { channel_id: channel, filename: file.filename, title: file.title, file: file.bytes };
      await counted('files.uploadV2', () =>
        client.files.uploadV2(threadTs ? { ...upload, thread_ts: threadTs } : upload),
      );
    },
    async channelName(channel) {
      if (!names.has(channel)) {
        const info = await counted('conversations.info', () => client.conversations.info({ channel })).catch(
          () => undefined,
        );
        names.set(channel, info?.channel?.name);
      }
      return names.get(channel);
    },
  };
  return chat;
}

/**
 * Asks Slack whether the post keyed `key` landed (from now on), answering as chat.postMessage would: a keyed
 * post whose attempt got no answer is looked for before it is sent again. When Slack cannot say (it refuses the
 * history: not_in_channel), the look-up fails and the post is not sent again (slack-http.ts, `Resend`).
 */
function postedWith(chat: Chat, channel: string, key: string, threadTs: string | undefined) {
  const since = new Date();
  return async (): Promise<Record<string, unknown> | undefined> => {
    const ts = await chat.findPosted(channel, key, since, threadTs);
    return ts === undefined ? undefined : { ok: true, ts };
  };
}

const watched = new WeakMap<WebClient, Metrics>();
const jsonApis = new WeakMap<WebClient, { metrics: Metrics; api: SlackJsonApi }>();

/** One JSON client (one keep-alive agent) per WebClient, however many Chats wrap it. */
function jsonApiOf(client: WebClient, metrics: Metrics): SlackJsonApi {
  const known = jsonApis.get(client);
  if (known?.metrics === metrics) return known.api;
  const api = slackJsonApi(client.token ?? '', client.slackApiUrl, metrics);
  jsonApis.set(client, { metrics, api });
  return api;
}

/** Counts `client`'s 429s once however many Chats wrap it (Bolt hands each request the same client). */
function watchRateLimits(client: WebClient, metrics: Metrics): void {
  if (metrics === NO_METRICS || watched.get(client) === metrics) return;
  watched.set(client, metrics);
  client.on(WebClientEvent.RATE_LIMITED, (retryAfterSeconds: number, request?: { url?: string }) => {
    // The method name ends the URL (`…/api/chat.postMessage`); an upload URL's end is not one: `other`.
    const method = (request?.url ?? '').split('?')[0]!.split('/').pop() ?? '';
    metrics.slackRateLimited(/^[a-z]+(\.[a-zA-Z0-9]+)+$/.test(method) ? method : 'other', retryAfterSeconds);
  });
}

/**
 * Every Slack Web API client the bot makes: bounded (10 s a call, two retries, so a slow Slack delays a
 * job by seconds, not the library's default half hour) and never attaching the failed HTTP request,
 * with its bot token, to the errors it throws.
 */
export function slackClientOptions(apiUrl?: string) {
  return {
    ...(apiUrl ? { slackApiUrl: apiUrl } : {}),
    timeout: SLACK_CALL_TIMEOUT_MS,
    retryConfig: SLACK_RETRIES,
    attachOriginalToWebAPIRequestError: false,
  };
}

export function createSlackClient(options: SlackChatOptions): WebClient {
  return new WebClient(options.token, slackClientOptions(options.apiUrl));
}
