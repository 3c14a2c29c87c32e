import { parse as parseForm } from 'node:querystring';
import { z } from 'zod';

/**
 * The shapes of the Slack requests carbon-ops takes, as far as Bolt reads them before a listener runs:
 * Bolt trusts a signed body and would throw on, say, `"channel": null` (a 500, and no answer). A body of
 * another shape is refused with 400 before Bolt parses it. What a listener needs to act (the text, the
 * user, the trigger id…) is its own check, answered to the person.
 */

export const SLACK_CONTENT_TYPES = ['application/x-www-form-urlencoded', 'application/json'] as const;
export type SlackContentType = (typeof SLACK_CONTENT_TYPES)[number];

const record = z.looseObject({});
/** Bolt decides a body's kind by the first of these keys it finds: only the kind's own may be there. */
const absent = z.never().optional();

/**
 * A workspace's or organisation's id (T…, E…). Bolt keys its clients by it in a plain object: an id such as
 * `valueOf` or `__proto__` would find a function there and throw (a 500, and no answer).
 */
const workspaceId = z
  .string()
  .regex(/^[A-Z0-9]{1,40}$/, 'not a Slack ID')
  .nullable()
  .optional();
const workspaceIds = { team_id: workspaceId, enterprise_id: workspaceId };

/** A slash command: form fields, each given once; Bolt reads an `event` field as an Events API callback. */
const slashCommand = z.looseObject({ command: z.string(), event: absent, ...workspaceIds });

/** An Events API callback (Bolt reads channel, user, item and subteam as strings or objects). */
const eventCallback = z.looseObject({
  type: z.literal('event_callback'),
  event: z.looseObject({
    type: z.string(),
    user: z.union([z.string(), record]).optional(),
    channel: z.union([z.string(), record]).optional(),
    item: record.optional(),
    subteam: record.optional(),
  }),
  authorizations: z.array(z.looseObject(workspaceIds)).optional(),
  function_data: record.optional(),
  response_urls: absent,
  ...workspaceIds,
});

/** Slack's check of the request URL, answered by Bolt with the challenge. */
const urlVerification = z.looseObject({ type: z.literal('url_verification'), challenge: z.string() });

/** A button click: the only interaction carbon-ops' messages have. */
const blockActions = z.looseObject({
  type: z.literal('block_actions'),
  user: z.looseObject({ id: z.string(), team_id: workspaceId }),
  team: z.looseObject({ id: workspaceId, enterprise_id: workspaceId }).nullable().optional(),
  enterprise: z.looseObject({ id: workspaceId }).nullable().optional(),
  channel: z.looseObject({ id: z.string() }).optional(),
  actions: z.array(z.looseObject({ action_id: z.string() })).min(1),
  function_data: record.optional(),
  event: absent,
  command: absent,
  name: absent,
  response_urls: absent,
});

/** Why `body` is not a Slack request carbon-ops takes, or undefined when it is one. */
export function shapeRefusal(contentType: SlackContentType, body: Buffer): string | undefined {
  const text = body.toString();
  if (contentType === 'application/json')
    return jsonRefusal(text, z.discriminatedUnion('type', [eventCallback, urlVerification]));
  // Parsed as Bolt parses it; a field given twice would reach Bolt as an array.
  const form = parseForm(text);
  const repeated = Object.keys(form).filter((key) => Array.isArray(form[key]));
  if (repeated.length > 0) return `form fields given more than once: ${repeated.join(', ')}`;
  if (typeof form['payload'] === 'string') return jsonRefusal(form['payload'], blockActions);
  if (form['ssl_check'] === '1') return undefined;
  return issues(slashCommand.safeParse(form));
}

function jsonRefusal(text: string, schema: z.ZodType): string | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return 'not JSON';
  }
  return issues(schema.safeParse(value));
}

function issues(result: z.ZodSafeParseResult<unknown>): string | undefined {
  if (result.success) return undefined;
  return result.error.issues
    .slice(0, 3)
    .map((issue) => `${issue.path.join('.') || '(body)'}: ${issue.message}`)
    .join('; ');
}
