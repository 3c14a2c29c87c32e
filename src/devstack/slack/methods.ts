// The Web API methods the stand-in answers, with Slack's argument checks, error names and response shapes.
import { checkMessage } from './block-limits.js';
import { FAKE_WORKSPACE } from './identity.js';
import type { Params } from './request.js';
import type { StoredMessage, Workspace } from './workspace.js';

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

const isFailure = (v: Content | SlackResult): v is SlackResult => 'ok' in v;

/** A message as Slack returns it from chat.postMessage / chat.update. */
function publicMessage(m: StoredMessage): Record<string, unknown> {
  const { channel: _channel, updates: _updates, ...fields } = m;
  return { type: 'message', app_id: FAKE_WORKSPACE.appId, team: FAKE_WORKSPACE.teamId, ...fields };
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
      };
      ws.addMessage(message);
      return { ok: true, channel, ts, message: publicMessage(message) };
    },

    'chat.update': (p) => {
      const channel = ws.resolveChannel(p['channel']);
      if (channel === undefined) return fail('channel_not_found');
      const message = ws.message(channel, p['ts']);
      if (message === undefined) return fail('message_not_found');
      const content = readContent(p);
      if (isFailure(content)) return content;
      // Slack keeps whatever the update leaves out; `blocks: []` is how a caller removes blocks.
      if (content.text !== undefined) message.text = content.text;
      if (content.blocks !== undefined) message.blocks = content.blocks;
      if (content.attachments !== undefined) message.attachments = content.attachments;
      message.edited = { user: FAKE_WORKSPACE.botUserId, ts: ws.nextTs() };
      message.updates += 1;
      return { ok: true, channel, ts: message.ts, text: message.text, message: publicMessage(message) };
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
          ...info,
          name_normalized: info.name,
          is_channel: true,
          is_group: false,
          is_im: false,
          is_private: false,
          is_archived: false,
          is_general: false,
          is_member: true,
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
