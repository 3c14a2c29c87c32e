// Turns an HTTP request into Web API arguments the way Slack reads them: form-encoded or JSON bodies, arguments in
// the query string, and the token from `Authorization: Bearer` or (form and query only) a `token` argument.
import type { IncomingMessage } from 'node:http';
import { Buffer } from 'node:buffer';

export type Params = Record<string, unknown>;

export type ApiRequest = {
  params: Params;
  token: string | undefined;
  /** Whether the token came in `Authorization: Bearer` (some methods take it nowhere else). */
  tokenInHeader: boolean;
};

/** Arguments that @slack/web-api sends as JSON strings inside a form body; decoded so handlers and recorded calls
 * see structures. A value that does not parse stays a string, which the handlers report as Slack does. */
const JSON_ARGUMENTS = ['blocks', 'attachments', 'files', 'metadata'];

export async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** Parses a Web API call, or names the Slack error for a body Slack would not read. */
export function parseApiRequest(req: IncomingMessage, body: Buffer): ApiRequest | { error: string } {
  const query = new URL(req.url ?? '/', 'http://stand-in').searchParams;
  const params: Params = Object.fromEntries(query);
  const contentType = (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
  let jsonBody = false;
  if (body.length > 0) {
    if (contentType === 'application/json') {
      let parsed: unknown;
      try {
        parsed = JSON.parse(body.toString('utf8'));
      } catch {
        return { error: 'invalid_json' };
      }
      if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return { error: 'json_not_object' };
      Object.assign(params, parsed);
      jsonBody = true;
    } else if (contentType === 'application/x-www-form-urlencoded') {
      Object.assign(params, Object.fromEntries(new URLSearchParams(body.toString('utf8'))));
    } else {
      return { error: 'invalid_post_type' };
    }
  }
  for (const name of JSON_ARGUMENTS) if (name in params) params[name] = decodeJson(params[name]);
  // Slack ignores a token inside a JSON body: JSON callers must use the header.
  const argToken = !jsonBody && typeof params['token'] === 'string' ? params['token'] : undefined;
  delete params['token'];
  const headerToken = bearerToken(req);
  return { params, token: headerToken ?? argToken, tokenInHeader: headerToken !== undefined };
}

function bearerToken(req: IncomingMessage): string | undefined {
  const match = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '');
  return match?.[1];
}

function decodeJson(value: unknown): unknown {
  if (typeof value !== 'string') return value;
  try {
    return JSON.parse(value);
  } catch {
    return value;
  }
}

/** The bytes of a file upload: Slack's upload URL takes them raw or as the single file of a multipart form. */
export async function uploadedBytes(req: IncomingMessage, body: Buffer): Promise<Buffer> {
  const contentType = req.headers['content-type'] ?? '';
  if (!contentType.toLowerCase().startsWith('multipart/form-data')) return body;
  const form = await new Request('http://stand-in/', {
    method: 'POST',
    headers: { 'content-type': contentType },
    body,
  }).formData();
  for (const value of form.values()) {
    if (typeof value !== 'string') return Buffer.from(await value.arrayBuffer());
  }
  return Buffer.alloc(0);
}
