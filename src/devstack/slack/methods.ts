// The Web API methods the stand-in answers, with Slack's argument checks, error names and response shapes.
import { Buffer } from 'node:buffer';
import { checkMessage } from './block-limits.js';
import { FAKE_WORKSPACE } from './identity.js';
import type { Params } from './request.js';
import type { MessageMetadata, StoredMessage, Workspace } from './workspace.js';

export type SlackResult = { ok: boolean; [field: string]: unknown };
export type MethodHandler = (params: Params) => SlackResult;

const fail = (error: string, messages: string[] = []): SlackResult =>
  messages.length > 0 ? { ok: false, error, response_metadata: { messages } } : { ok: false, error };

const str = (v: unknown): string | undefined =>
  typeof v === 'string' ? v : typeof v === 'number' ? String(v) : undefined;

type Content = { text?: string; blocks?: unknown[]; attachments?: unknown[] };

/** The message content of a chat.* call, or Slack's error for it. */
function readContent(p: Params): Content | SlackResult {
  // A blocks value that is still a string did not parse as JSON; one that is not an array is no Block Kit.
  if (p['blocks'] !== undefined && !Array.isArray(p['blocks'])) return fail('invalid_blocks_format');
  if (p['attachments'] !== undefined && !Array.isArray(p['attachments'])) return fail('invalid_attachments');
  const content: Content = { text: str(p['text']), blocks: p['blocks'], attachments: p['attachments'] };
  const rejection = checkMessage(content);
  return rejection === undefined ? content : fail(rejection.error, rejection.messages);
}

const isFailure = <T extends object>(v: T | SlackResult): v is SlackResult => 'ok' in v;

/** Slack's rule for `event_type`: letters, digits, underscores and hyphens (no periods or other punctuation). */
const EVENT_TYPE = /^[A-Za-z0-9_-]+$/;

/**
 * The `metadata` argument of chat.postMessage / chat.update: absent, Slack's error, or the metadata with the
 * warning Slack answers when it ignores it (an invalid event_type is dropped with `invalid_metadata_schema`, and
 * the message is posted without it). Metadata over the limit is refused with metadata_too_large, the message not
 * posted or edited; Slack does not publish its limit, the workspace sets the stand-in's.
 */
function readMetadata(p: Params, limitBytes: number): { metadata?: MessageMetadata; warning?: string } | SlackResult {
  const value = p['metadata'];
  if (value === undefined) return {};
  // Still a string: it did not parse as JSON (request.ts decodes it).
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return fail('invalid_metadata_format');
  const { event_type: type, event_payload: payload } = value as Params;
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) return fail('invalid_metadata_format');
  if (Buffer.byteLength(JSON.stringify(value)) > limitBytes) return fail('metadata_too_large');
  if (typeof type !== 'string' || !EVENT_TYPE.test(type)) return { warning: 'invalid_metadata_schema' };
  return { metadata: { event_type: type, event_payload: payload as Record<string, unknown> } };
}

/** A message as Slack returns it from chat.postMessage / chat.update. */
function publicMessage(m: StoredMessage): Record<string, unknown> {
  const { channel: _channel, updates: _updates, ...fields } = m;
  return { type: 'message', app_id: FAKE_WORKSPACE.appId, team: FAKE_WORKSPACE.teamId, ...fields };
}

/** A message as the history methods return it: its metadata only when asked for (`include_all_metadata`). */
function historyMessage(m: StoredMessage, withMetadata: boolean): Record<string, unknown> {
  const { metadata, ...message } = publicMessage(m);
  return withMetadata && metadata !== undefined ? { ...message, metadata } : message;
}

const isTrue = (v: unknown): boolean => v === true || v === 'true' || v === '1' || v === 1;

/** A Slack timestamp argument ("1732233600.000100"), or undefined when it is not one. */
const tsNumber = (v: unknown): number | undefined => {
  const text = str(v);
  return text !== undefined && /^\d+(\.\d+)?$/.test(text) ? Number(text) : undefined;
};

/**
 * The window and page of conversations.history / conversations.replies: `oldest` and `latest` exclusive unless
 * `inclusive`, `limit` (default `defaultLimit`, at most 999), and a cursor the stand-in made (the offset into
 * the window, base64) or Slack's error.
 */
function readPage(
  p: Params,
  defaultLimit: number,
): { inWindow: (ts: string) => boolean; limit: number; offset: number } | SlackResult {
  const oldest = p['oldest'] === undefined ? 0 : tsNumber(p['oldest']);
  if (oldest === undefined) return fail('invalid_ts_oldest');
  const latest = p['latest'] === undefined ? Infinity : tsNumber(p['latest']);
  if (latest === undefined) return fail('invalid_ts_latest');
  const inclusive = isTrue(p['inclusive']);
  const requested = Number(str(p['limit']) ?? defaultLimit);
  const limit = Number.isInteger(requested) && requested > 0 ? Math.min(requested, 999) : defaultLimit;
  let offset = 0;
  const cursor = str(p['cursor']);
  if (cursor !== undefined && cursor !== '') {
    const match = /^offset:(\d+)$/.exec(Buffer.from(cursor, 'base64').toString('utf8'));
    if (match === null) return fail('invalid_cursor');
    offset = Number(match[1]);
  }
  const inWindow = (ts: string) => {
    const t = Number(ts);
    return inclusive ? t >= oldest && t <= latest : t > oldest && t < latest;
  };
  return { inWindow, limit, offset };
}

/** One page of `messages` and Slack's paging fields. */
function page(messages: Record<string, unknown>[], limit: number, offset: number): SlackResult {
  const more = offset + limit < messages.length;
  return {
    ok: true,
    messages: messages.slice(offset, offset + limit),
    has_more: more,
    ...(more && {
      response_metadata: { next_cursor: Buffer.from(`offset:${offset + limit}`).toString('base64') },
    }),
  };
}

export function createMethods(
  ws: Workspace,
  uploadUrl: (fileId: string) => string,
  socketModeUrl: () => string,
): Record<string, MethodHandler> {
  return {
    // Socket Mode (socket-mode.ts): a fresh WebSocket URL for the app-level token (web-api.ts checks the token).
    'apps.connections.open': () => ({
      ok: true,
      url: socketModeUrl(),
      response_metadata: { scopes: ['connections:write'], acceptedScopes: ['connections:write'] },
    }),

    'auth.test': () => ({
      ok: true,
      url: `https://${FAKE_WORKSPACE.teamDomain}.slack.com/`,
      team: FAKE_WORKSPACE.teamName,
      user: FAKE_WORKSPACE.botName,
      team_id: FAKE_WORKSPACE.teamId,
      user_id: FAKE_WORKSPACE.botUserId,
      bot_id: FAKE_WORKSPACE.botId,
      is_enterprise_install: false,
    }),

    'chat.postMessage': (p) => {
      const channel = ws.resolveChannel(p['channel']);
      if (channel === undefined) return fail('channel_not_found');
      const content = readContent(p);
      if (isFailure(content)) return content;
      const metadata = readMetadata(p, ws.metadataLimitBytes);
      if (isFailure(metadata)) return metadata;
      const ts = ws.nextTs();
      const threadTs = str(p['thread_ts']);
      const message: StoredMessage = {
        channel,
        ts,
        user: FAKE_WORKSPACE.botUserId,
        bot_id: FAKE_WORKSPACE.botId,
        text: content.text ?? '',
        updates: 0,
        ...(content.blocks && { blocks: content.blocks }),
        ...(content.attachments && { attachments: content.attachments }),
        ...(threadTs !== undefined && { thread_ts: threadTs }),
        ...(metadata.metadata && { metadata: metadata.metadata }),
      };
      ws.addMessage(message);
      const warning = metadata.warning && { warning: metadata.warning };
      return { ok: true, channel, ts, message: publicMessage(message), ...warning };
    },

    'chat.update': (p) => {
      const channel = ws.resolveChannel(p['channel']);
      if (channel === undefined) return fail('channel_not_found');
      const message = ws.message(channel, p['ts']);
      if (message === undefined) return fail('message_not_found');
      const content = readContent(p);
      if (isFailure(content)) return content;
      const metadata = readMetadata(p, ws.metadataLimitBytes);
      if (isFailure(metadata)) return metadata;
      // Slack keeps whatever the update leaves out; `blocks: []` is how a caller removes blocks.
      if (metadata.metadata !== undefined) message.metadata = metadata.metadata;
      if (content.text !== undefined) message.text = content.text;
      if (content.blocks !== undefined) message.blocks = content.blocks;
      if (content.attachments !== undefined) message.attachments = content.attachments;
      message.edited = { user: FAKE_WORKSPACE.botUserId, ts: ws.nextTs() };
      message.updates += 1;
      const warning = metadata.warning && { warning: metadata.warning };
      return { ok: true, channel, ts: message.ts, text: message.text, message: publicMessage(message), ...warning };
    },

    // The channel's messages newest first, without thread replies (conversations.replies has those).
    'conversations.history': (p) => {
      const info = ws.channelInfo(p['channel']);
      if (info === undefined) return fail('channel_not_found');
      if (!info.botMember) return fail('not_in_channel');
      const window = readPage(p, 100);
      if (isFailure(window)) return window;
      const withMetadata = isTrue(p['include_all_metadata']);
      const messages = ws
        .messages(info.id)
        .filter((m) => (m.thread_ts === undefined || m.thread_ts === m.ts) && window.inWindow(m.ts))
        .reverse()
        .map((m) => historyMessage(m, withMetadata));
      return page(messages, window.limit, window.offset);
    },

    // A thread: its parent first, then the replies in the window, oldest first.
    'conversations.replies': (p) => {
      const info = ws.channelInfo(p['channel']);
      if (info === undefined) return fail('channel_not_found');
      if (!info.botMember) return fail('not_in_channel');
      const asked = ws.message(info.id, str(p['ts']));
      if (asked === undefined) return fail('thread_not_found');
      const parentTs = asked.thread_ts ?? asked.ts;
      const window = readPage(p, 1000);
      if (isFailure(window)) return window;
      const withMetadata = isTrue(p['include_all_metadata']);
      const all = ws.messages(info.id);
      const parent = all.find((m) => m.ts === parentTs);
      const replies = all.filter((m) => m.thread_ts === parentTs && m.ts !== parentTs && window.inWindow(m.ts));
      const thread = [...(parent ? [parent] : []), ...replies].map((m) => historyMessage(m, withMetadata));
      return page(thread, window.limit, window.offset);
    },

    'chat.postEphemeral': (p) => {
      const channel = ws.resolveChannel(p['channel']);
      if (channel === undefined) return fail('channel_not_found');
      const user = ws.userInfo(p['user']);
      if (user === undefined) return fail('user_not_found');
      const content = readContent(p);
      if (isFailure(content)) return content;
      const ts = ws.nextTs();
      const threadTs = str(p['thread_ts']);
      ws.ephemerals.push({
        channel,
        user: user.id,
        ts,
        text: content.text ?? '',
        ...(content.blocks && { blocks: content.blocks }),
        ...(threadTs !== undefined && { thread_ts: threadTs }),
      });
      return { ok: true, message_ts: ts };
    },

    'usergroups.users.list': (p) => {
      const users = ws.usergroupMembers(p['usergroup']);
      return users === undefined ? fail('no_such_subteam') : { ok: true, users: [...users] };
    },

    'users.info': (p) => {
      const user = ws.userInfo(p['user']);
      if (user === undefined) return fail('user_not_found');
      const realName = user.real_name ?? user.name;
      return {
        ok: true,
        user: {
          id: user.id,
          team_id: FAKE_WORKSPACE.teamId,
          name: user.name,
          real_name: realName,
          deleted: false,
          is_bot: user.is_bot,
          is_admin: false,
          tz: 'UTC',
          profile: { real_name: realName, display_name: user.name, real_name_normalized: realName },
        },
      };
    },

    'conversations.info': (p) => {
      const info = ws.channelInfo(p['channel']);
      if (info === undefined) return fail('channel_not_found');
      return {
        ok: true,
        channel: {
          id: info.id,
          name: info.name,
          name_normalized: info.name,
          is_channel: true,
          is_group: false,
          is_im: false,
          is_private: info.isPrivate,
          is_archived: false,
          is_general: false,
          is_member: info.botMember,
        },
      };
    },

    'reactions.add': (p) => {
      const channel = ws.resolveChannel(p['channel']);
      if (channel === undefined) return fail('channel_not_found');
      const name = str(p['name']);
      if (name === undefined || name === '') return fail('invalid_name');
      const message = ws.message(channel, p['timestamp']);
      if (message === undefined) return fail('message_not_found');
      const reactions = (message.reactions ??= []);
      const existing = reactions.find((r) => r.name === name);
      if (existing?.users.includes(FAKE_WORKSPACE.botUserId)) return fail('already_reacted');
      if (existing) {
        existing.users.push(FAKE_WORKSPACE.botUserId);
        existing.count += 1;
      } else {
        reactions.push({ name, users: [FAKE_WORKSPACE.botUserId], count: 1 });
      }
      return { ok: true };
    },

    // Step 1 of the upload flow (WebClient.files.uploadV2): announce a file, get a URL to POST its bytes to.
    'files.getUploadURLExternal': (p) => {
      const filename = str(p['filename']);
      const length = Number(str(p['length']));
      if (filename === undefined || filename === '')
        return fail('invalid_arguments', ['[ERROR] missing required field: filename']);
      if (!Number.isInteger(length) || length < 1)
        return fail('invalid_arguments', ['[ERROR] missing required field: length']);
      const id = ws.nextFileId();
      const altText = str(p['alt_text']) ?? str(p['alt_txt']);
      ws.uploads.set(id, {
        id,
        name: filename,
        length,
        completed: false,
        ...(altText !== undefined && { alt_text: altText }),
      });
      return { ok: true, upload_url: uploadUrl(id), file_id: id };
    },

    // Step 3: finish uploaded files and, with a channel_id, share them there as one message.
    'files.completeUploadExternal': (p) => {
      const list = p['files'];
      if (!Array.isArray(list) || list.length === 0)
        return fail('invalid_arguments', ['[ERROR] missing required field: files']);
      const files = [];
      for (const entry of list as unknown[]) {
        const id = typeof entry === 'object' && entry !== null ? str((entry as Params)['id']) : undefined;
        const file = id === undefined ? undefined : ws.uploads.get(id);
        // A file whose bytes never reached the upload URL does not exist yet.
        if (file?.bytes === undefined) return fail('file_not_found');
        files.push({ file, title: str((entry as Params)['title']) });
      }
      let channel: string | undefined;
      if (p['channel_id'] !== undefined) {
        channel = ws.resolveChannel(p['channel_id']);
        if (channel === undefined) return fail('channel_not_found');
      }
      const threadTs = str(p['thread_ts']);
      const comment = str(p['initial_comment']);
      for (const { file, title } of files) {
        Object.assign(file, {
          completed: true,
          title: title ?? file.name,
          ...(channel !== undefined && { channel }),
          ...(threadTs !== undefined && { thread_ts: threadTs }),
          ...(comment !== undefined && { initial_comment: comment }),
        });
      }
      if (channel !== undefined) {
        ws.addMessage({
          channel,
          ts: ws.nextTs(),
          user: FAKE_WORKSPACE.botUserId,
          bot_id: FAKE_WORKSPACE.botId,
          text: comment ?? '',
          updates: 0,
          files: files.map(({ file }) => ({ id: file.id, name: file.name, title: file.title ?? file.name })),
          ...(threadTs !== undefined && { thread_ts: threadTs }),
        });
      }
      return {
        ok: true,
        files: files.map(({ file }) => ({
          id: file.id,
          name: file.name,
          title: file.title,
          size: file.bytes?.length ?? 0,
          user: FAKE_WORKSPACE.botUserId,
        })),
      };
    },
  };
}
