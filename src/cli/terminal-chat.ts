import type { Chat } from '../integrations/slack.js';
import type { Message } from '../message.js';
import { toPlainText } from './plain-text.js';

export interface RecordedCall {
  method: string;
  payload: Record<string, unknown>;
}

/** The demo workspace's incident channel, #inc-demo: where the demo's failing-pod watch posts. */
export const DEMO_INCIDENT_CHANNEL = 'C0INCIDENT';

/** The demo workspace's channels, so policy rules by name (`inc-…`) work in the terminal too. */
export const DEMO_CHANNELS: Record<string, string> = {
  [DEMO_INCIDENT_CHANNEL]: 'inc-demo',
  C0STATUS: 'platform-status',
  C0GENERAL: 'general',
};

/**
 * The terminal as a Slack workspace: each call the bot makes is recorded as the Web API call it
 * would be (method and payload) and shown as readable text.
 */
export class TerminalChat implements Chat {
  readonly calls: RecordedCall[] = [];
  private seq = 0;
  /** key → ts of the keyed posts: the terminal's own history. */
  private readonly keyed = new Map<string, string>();

  constructor(private readonly print: (text: string) => void) {}

  async post(channel: string, message: Message, threadTs?: string, key?: string): Promise<string> {
    const ts = this.nextTs();
    if (key !== undefined) this.keyed.set(key, ts);
    this.record('chat.postMessage', { channel, ...message, ...(threadTs ? { thread_ts: threadTs } : {}) });
    this.show(message);
    return ts;
  }

  async findPosted(_channel: string, key: string): Promise<string | undefined> {
    return this.keyed.get(key);
  }

  async update(channel: string, ts: string, message: Message): Promise<void> {
    this.record('chat.update', { channel, ts, ...message });
    this.show(message);
  }

  async ephemeral(channel: string, user: string, message: Message): Promise<void> {
    this.record('chat.postEphemeral', { channel, user, ...message });
    this.show(message);
  }

  async upload(
    channel: string,
    file: { filename: string; title: string; bytes: Buffer },
    threadTs?: string,
  ): Promise<void> {
    this.record('files.uploadV2', {
      channel_id: channel,
      filename: file.filename,
      title: file.title,
      bytes: file.bytes.length,
      ...(threadTs ? { thread_ts: threadTs } : {}),
    });
    this.print(`[file: ${file.filename}, ${file.bytes.length} bytes: ${file.title}]`);
  }

  async channelName(channel: string): Promise<string | undefined> {
    return DEMO_CHANNELS[channel];
  }

  private record(method: string, payload: Record<string, unknown>): void {
    this.calls.push({ method, payload });
  }

  private show(message: Message): void {
    this.print(toPlainText(message));
  }

  /** Slack-shaped message timestamps: seconds.sequence, increasing. */
  private nextTs(): string {
    this.seq++;
    return `${Math.floor(Date.now() / 1000)}.${String(this.seq).padStart(6, '0')}`;
  }
}
