// The fake workspace's state: who and where exists, the messages as they stand after edits, and uploaded files.
import type { Buffer } from 'node:buffer';
import { FAKE_WORKSPACE } from './identity.js';

export type SlackUserSpec = { name: string; real_name?: string };
export type SlackChannelSpec = {
  name: string;
  /** A private channel: one the bot is not in does not exist for it (channel_not_found). */
  private?: boolean;
  /**
   * Whether the bot is in the channel (default true). Outside a public one it may still post (chat:write.public)
   * but not read: conversations.history and .replies answer not_in_channel.
   */
  botMember?: boolean;
};

export type Reaction = { name: string; users: string[]; count: number };
export type SharedFile = { id: string; name: string; title: string };

export type StoredMessage = {
  channel: string;
  ts: string;
  user: string;
  bot_id: string;
  text: string;
  blocks?: unknown[];
  attachments?: unknown[];
  thread_ts?: string;
  /** Set by chat.update, as Slack marks edited messages. */
  edited?: { user: string; ts: string };
  /** How many chat.update calls changed this message. */
  updates: number;
  reactions?: Reaction[];
  files?: SharedFile[];
  /** Message metadata (chat.postMessage / chat.update `metadata`): returned by the history methods on request. */
  metadata?: MessageMetadata;
};

export type MessageMetadata = { event_type: string; event_payload: Record<string, unknown> };

export type StoredEphemeral = {
  channel: string;
  user: string;
  ts: string;
  text: string;
  blocks?: unknown[];
  thread_ts?: string;
};

export type UploadedFile = {
  id: string;
  name: string;
  /** The size announced to files.getUploadURLExternal. */
  length: number;
  /** What reached the upload URL; undefined until then. */
  bytes?: Buffer;
  title?: string;
  alt_text?: string;
  /** Set by files.completeUploadExternal. */
  completed: boolean;
  channel?: string;
  thread_ts?: string;
  initial_comment?: string;
};

export type WorkspaceOptions = {
  users?: Record<string, SlackUserSpec>;
  channels?: Record<string, SlackChannelSpec>;
  /** User groups (S… IDs) and their members' user IDs. */
  usergroups?: Record<string, string[]>;
  /**
   * The size (bytes of its JSON) past which chat.postMessage / chat.update refuse `metadata` with
   * metadata_too_large. Slack names the error but does not publish its limit: this one is the stand-in's.
   */
  metadataLimitBytes?: number;
};

/** The stand-in's default metadata limit (Slack's own is unpublished): far above a post key, far below a message. */
export const DEFAULT_METADATA_LIMIT_BYTES = 8 * 1024;

export class Workspace {
  readonly ephemerals: StoredEphemeral[] = [];
  readonly uploads = new Map<string, UploadedFile>();
  private readonly channelMessages = new Map<string, Map<string, StoredMessage>>();
  private lastTsMicros = 0;
  private lastFileNumber = 0;

  constructor(private readonly opts: WorkspaceOptions) {}

  /**
   * A Slack timestamp: seconds and six digits of sequence ("1732233600.000100"). Derived from the clock in
   * microseconds and forced upwards, so every ts is unique and sorts as a string in posting order.
   */
  nextTs(): string {
    this.lastTsMicros = Math.max(Date.now() * 1000, this.lastTsMicros + 1);
    const seconds = Math.floor(this.lastTsMicros / 1_000_000);
    return `${seconds}.${String(this.lastTsMicros % 1_000_000).padStart(6, '0')}`;
  }

  nextFileId(): string {
    this.lastFileNumber += 1;
    return `F0${String(this.lastFileNumber).padStart(9, '0')}`;
  }

  /**
   * The channel ID a `channel` argument names, or undefined for channel_not_found. Slack accepts an ID or a
   * name (with or without '#'); without configured channels every non-empty value is taken as an ID.
   */
  resolveChannel(ref: unknown): string | undefined {
    if (typeof ref !== 'string' || ref === '') return undefined;
    const channels = this.opts.channels;
    if (channels === undefined) return ref;
    const name = ref.replace(/^#/, '');
    const id = Object.hasOwn(channels, ref) ? ref : Object.entries(channels).find(([, c]) => c.name === name)?.[0];
    return id === undefined || this.channelInfo(id) === undefined ? undefined : id;
  }

  /**
   * conversations.info takes only IDs, unlike the chat.* methods. A private channel the bot is not in is not
   * there for it.
   */
  channelInfo(id: unknown): { id: string; name: string; isPrivate: boolean; botMember: boolean } | undefined {
    if (typeof id !== 'string' || id === '') return undefined;
    const channels = this.opts.channels;
    if (channels === undefined) return { id, name: id.toLowerCase(), isPrivate: false, botMember: true };
    const channel = Object.hasOwn(channels, id) ? channels[id] : undefined;
    if (channel === undefined) return undefined;
    const [isPrivate, botMember] = [channel.private ?? false, channel.botMember ?? true];
    return isPrivate && !botMember ? undefined : { id, name: channel.name, isPrivate, botMember };
  }

  get metadataLimitBytes(): number {
    return this.opts.metadataLimitBytes ?? DEFAULT_METADATA_LIMIT_BYTES;
  }

  /** A configured user, the bot itself, or (with no users configured) anyone. */
  usergroupMembers(id: unknown): string[] | undefined {
    return typeof id === 'string' ? this.opts.usergroups?.[id] : undefined;
  }

  userInfo(id: unknown): (SlackUserSpec & { id: string; is_bot: boolean }) | undefined {
    if (typeof id !== 'string' || id === '') return undefined;
    if (id === FAKE_WORKSPACE.botUserId) return { id, name: FAKE_WORKSPACE.botName, is_bot: true };
    const users = this.opts.users;
    if (users === undefined) return { id, name: id.toLowerCase(), is_bot: false };
    const user = users[id];
    return user === undefined ? undefined : { ...user, id, is_bot: false };
  }

  message(channel: string, ts: unknown): StoredMessage | undefined {
    return typeof ts === 'string' ? this.channelMessages.get(channel)?.get(ts) : undefined;
  }

  addMessage(message: StoredMessage): void {
    let inChannel = this.channelMessages.get(message.channel);
    if (inChannel === undefined) {
      inChannel = new Map();
      this.channelMessages.set(message.channel, inChannel);
    }
    inChannel.set(message.ts, message);
  }

  /** Messages in posting order (Map keeps insertion order, and ts only grows). */
  messages(channel: string): StoredMessage[] {
    const id = this.resolveChannel(channel) ?? channel;
    return [...(this.channelMessages.get(id)?.values() ?? [])];
  }

  clear(): void {
    this.channelMessages.clear();
    this.ephemerals.length = 0;
    this.uploads.clear();
  }
}
