import type { IncomingMessage, ServerResponse } from 'node:http';
import getRawBody from 'raw-body';
import type { Logger } from '../log.js';
import { shapeRefusal, SLACK_CONTENT_TYPES, type SlackContentType } from './slack-shapes.js';

/** Slack's requests are a few KiB (a block_actions payload with its message, the largest, stays far below). */
export const MAX_BODY_BYTES = 1024 * 1024;

/** Slack signs with a timestamp; Bolt refuses old ones, the intake also refuses ones from the future. */
export const MAX_CLOCK_SKEW_SEC = 300;

/** A request Bolt may verify and parse: its body read whole, within the cap. */
export type BufferedRequest = IncomingMessage & { rawBody: Buffer };

type Refusal = { status: number; reason: string };

/**
 * What a request to the events URL passes before Bolt sees it, cheapest first: its size (a declared
 * Content-Length over the cap is refused before a byte is read, a chunked body as soon as it passes the cap,
 * so at most the cap is ever held), the headers Slack sends, and a body of one of Slack's shapes. Then Bolt
 * checks the signature (its own semantics, untouched) on the body read here, and parses it.
 */
export function slackIntake(log: Logger, next: (req: BufferedRequest, res: ServerResponse) => void) {
  return (req: IncomingMessage, res: ServerResponse): void => {
    void admit(req)
      .then((admitted) => {
        if (Buffer.isBuffer(admitted)) return next(Object.assign(req, { rawBody: admitted }), res);
        log.warn({ status: admitted.status, reason: admitted.reason, url: req.url }, 'Slack request refused');
        // A body left unread is not drained: the connection closes once the refusal is sent.
        res.writeHead(admitted.status, req.complete ? {} : { connection: 'close' });
        res.end();
      })
      .catch((error: unknown) => {
        log.error({ err: error }, 'Slack request failed before Bolt saw it');
        if (!res.headersSent) res.writeHead(500);
        res.end();
      });
  };
}

/** The body, or why the request is refused. */
async function admit(req: IncomingMessage): Promise<Buffer | Refusal> {
  const read = await readWithin(req, MAX_BODY_BYTES);
  if (!Buffer.isBuffer(read)) return read;
  return headerRefusal(req, read) ?? bodyRefusal(req, read) ?? read;
}

async function readWithin(req: IncomingMessage, limit: number): Promise<Buffer | Refusal> {
  try {
    return await getRawBody(req, { length: req.headers['content-length'] ?? null, limit });
  } catch (error) {
    const { status, message } = error as getRawBody.RawBodyError;
    // 413 over the cap; an aborted or short body is the sender's fault too, never a 5xx.
    return { status: status === 413 ? 413 : 400, reason: message };
  }
}

/** Signature headers present and fresh, and a content type Slack sends (normalised for Bolt's exact match). */
function headerRefusal(req: IncomingMessage, body: Buffer): Refusal | undefined {
  const contentType = mediaType(req.headers['content-type']);
  if (contentType === undefined) return { status: 415, reason: 'not a content type Slack sends' };
  req.headers['content-type'] = contentType;
  // Slack's TLS check (`ssl_check=1`) is the one request Bolt answers without a signature, and runs nothing.
  if (
    contentType === 'application/x-www-form-urlencoded' &&
    new URLSearchParams(body.toString()).get('ssl_check') === '1'
  )
    return;
  const signature = req.headers['x-slack-signature'];
  const timestamp = Number(req.headers['x-slack-request-timestamp']);
  if (typeof signature !== 'string' || signature === '') return { status: 401, reason: 'no signature' };
  if (!Number.isInteger(timestamp) || Math.abs(Date.now() / 1000 - timestamp) > MAX_CLOCK_SKEW_SEC)
    return { status: 401, reason: 'no timestamp, or one outside the signature window' };
  return;
}

function bodyRefusal(req: IncomingMessage, body: Buffer): Refusal | undefined {
  const reason = shapeRefusal(req.headers['content-type'] as SlackContentType, body);
  return reason === undefined ? undefined : { status: 400, reason };
}

/** `application/json; charset=utf-8` → `application/json`; undefined for a type Slack does not send. */
function mediaType(header: string | undefined): SlackContentType | undefined {
  const type = header?.split(';')[0]?.trim().toLowerCase();
  return SLACK_CONTENT_TYPES.find((t) => t === type);
}
