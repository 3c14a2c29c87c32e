import { WebClient } from '@slack/web-api';
import type { Message } from '../message.js';

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
  /** Posts a message (in a thread when `threadTs` is given) and returns its ts. */
  post(channel: string, message: Message, threadTs?: string): Promise<string>;
  update(channel: string, ts: string, message: Message): Promise<void>;
  /** Visible only to `user`: usage errors and refusals. */
  ephemeral(channel: string, user: string, message: Message): Promise<void>;
  upload(channel: string, file: Upload, threadTs?: string): Promise<void>;
  /** The channel's name, for policy rules by name prefix such as `inc-`. */
  channelName(channel: string): Promise<string | undefined>;
}

export interface SlackChatOptions {
  token: string;
  apiUrl?: string;
}

export function slackChat(client: WebClient): Chat {
  const names = new Map<string, string | undefined>();
  return {
    async post(channel, message, threadTs) {
      const result = await client.chat.postMessage({
        channel,
        ...message,
        ...(threadTs ? { thread_ts: threadTs } : {}),
      });
      return result.ts ?? '';
    },
    async update(channel, ts, message) {
      await client.chat.update({ channel, ts, ...message });
    },
    async ephemeral(channel, user, message) {
      await client.chat.postEphemeral({ channel, user, ...message });
    },
    async upload(channel, file, threadTs) {
      const upload = { channel_id: channel, filename: file.filename, title: file.title, file: file.bytes };
      await client.files.uploadV2(threadTs ? { ...upload, thread_ts: threadTs } : upload);
    },
    async channelName(channel) {
      if (!names.has(channel)) {
        const info = await client.conversations.info({ channel }).catch(() => undefined);
        names.set(channel, info?.channel?.name);
      }
      return names.get(channel);
    },
  };
}

/**
 * Every Slack Web API client the bot makes: bounded (10 s a call, two retries, so a slow Slack delays a
 * job by seconds, not the library's default half hour) and never attaching the failed HTTP request,
 * with its bot token, to the errors it throws.
 */
export function slackClientOptions(apiUrl?: string) {
  return {
    ...(apiUrl ? { slackApiUrl: apiUrl } : {}),
    timeout: 10_000,
    retryConfig: { retries: 2, factor: 2, minTimeout: 1_000, maxTimeout: 10_000 },
    attachOriginalToWebAPIRequestError: false,
  };
}

export function createSlackClient(options: SlackChatOptions): WebClient {
  return new WebClient(options.token, slackClientOptions(options.apiUrl));
}
