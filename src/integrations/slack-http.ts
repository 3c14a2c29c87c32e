import http from 'node:http';
import https from 'node:https';
import { setTimeout as sleep } from 'node:timers/promises';
import { ErrorCode } from '@slack/web-api';
import { NO_METRICS, type Metrics } from '../contracts/metrics.js';
import { slackErrorCode } from '../errors.js';

/** How every Slack call the bot makes is bounded: 10 s an attempt, two retries 1 s then 2 s apart (at most 10 s). */
export const SLACK_CALL_TIMEOUT_MS = 10_000;
export const SLACK_RETRIES = { retries: 2, factor: 2, minTimeout: 1_000, maxTimeout: 10_000 };

/**
 * When a call whose answer was lost (no answer in time, a connection cut, a 200 that is not JSON) is sent again.
 * Slack takes no idempotency key, so such a call may have been carried out, and sending it again may do it twice:
 * - `'repeatable'`: doing it twice changes nothing (chat.update with the same content): sent again;
 * - `{ landed }`: a post Slack can be asked about (its key in the message's metadata): `landed` is asked first, and
 *   its result, when it finds the post, is the call's; when it finds none, it is sent again; when it cannot say
 *   (it throws: the history refused or unreachable), the call fails as below;
 * - none: sent again only when it cannot have landed (no connection was made); else the call fails with an error
 *   that says it may have been carried out, never a second message.
 */
export type Resend = 'repeatable' | { landed: () => Promise<Record<string, unknown> | undefined> };

export interface SlackJsonApi {
  /** Calls a Web API method that takes JSON (chat.postMessage, chat.update, chat.postEphemeral); its result. */
  call(method: string, args: Record<string, unknown>, resend?: Resend): Promise<Record<string, unknown>>;
}

/** A call Slack answered with `ok: false`: shaped as @slack/web-api's, so `error.data.error` names the reason. */
class SlackPlatformError extends Error {
  readonly code = ErrorCode.PlatformError;
  constructor(readonly data: Record<string, unknown>) {
    super(`An API error occurred: ${String(data['error'])}`);
  }
}

class SlackHttpError extends Error {
  readonly code = ErrorCode.HTTPError;
  constructor(readonly statusCode: number) {
    super(`An HTTP protocol error occurred: statusCode = ${statusCode}`);
  }
}

/**
 * The request got no usable answer: retried as @slack/web-api retries it, but only as `Resend` allows. `unsent` when
 * it cannot have reached Slack (the connection was never made).
 */
class SlackRequestError extends Error {
  readonly code = ErrorCode.RequestError;
  constructor(
    message: string,
    readonly unsent = false,
  ) {
    super(message);
  }
}

type Answer = { status: number; retryAfter: string | undefined; body: Record<string, unknown> };

/**
 * The Web API's JSON methods over node:http(s) with a keep-alive agent: the bot's messages (the "Queued" post,
 * progress edits, refusals) without axios and the WebClient's form encoding and per-call logging, which cost
 * several times the CPU of the call itself (docs/benchmarks.md, slash-command ack latency). It keeps what the bot
 * relies on from the WebClient: the same timeout and retries on a request that got no answer (as `Resend` allows),
 * a 429 waited out for its Retry-After (every call of this client paused meanwhile, as the WebClient pauses its
 * queue) and counted (carbon_slack_rate_limited_total), errors shaped like its errors, and the token never in an
 * error.
 */
export function slackJsonApi(token: string, apiUrl: string, metrics: Metrics = NO_METRICS): SlackJsonApi {
  const base = new URL(apiUrl);
  const transport = base.protocol === 'https:' ? https : http;
  // Idle connections closed after 4 s, before a server's usual 5 s: a request on a connection the server is closing
  // gets a reset that may have landed, which an unkeyed post does not survive.
  const agent = new transport.Agent({ keepAlive: true, timeout: 4_000 });
  let pausedUntil = 0;

  const attempt = (method: string, body: string): Promise<Answer> =>
    new Promise((resolve, reject) => {
      // Until the connection is made (TLS included) nothing of the request has gone out: it cannot have landed.
      let connected = false;
      const request = transport.request(
        new URL(method, base),
        {
          method: 'POST',
          agent,
          timeout: SLACK_CALL_TIMEOUT_MS,
          headers: {
            'content-type': 'application/json; charset=utf-8',
            'content-length': Buffer.byteLength(body),
            authorization: `Bearer ${token}`,
          },
        },
        (response) => receive(method, response).then(resolve, reject),
      );
      request.on('socket', (socket) => {
        if (!socket.connecting) connected = true;
        else socket.once(base.protocol === 'https:' ? 'secureConnect' : 'connect', () => (connected = true));
      });
      request.on('timeout', () => request.destroy(new Error(`no answer within ${SLACK_CALL_TIMEOUT_MS} ms`)));
      request.on('error', (error) =>
        reject(new SlackRequestError(`A request error occurred: ${error.message}`, !connected)),
      );
      request.end(body);
    });

  return {
    async call(method, args, resend) {
      const body = JSON.stringify(args);
      for (let tries = 0; ; tries++) {
        const wait = pausedUntil - Date.now();
        if (wait > 0) await sleep(wait);
        let answer: Answer;
        try {
          answer = await attempt(method, body);
        } catch (error) {
          if (!(error instanceof SlackRequestError)) throw error;
          if (!error.unsent && tries >= SLACK_RETRIES.retries)
            throw new SlackRequestError(`${error.message}; Slack may have carried out ${method} (no retries left)`);
          if (tries >= SLACK_RETRIES.retries) throw error;
          if (!error.unsent && resend === undefined) {
            throw new SlackRequestError(
              `${error.message}; Slack may have carried out ${method}, so it is not sent again (it could be done twice)`,
            );
          }
          const { minTimeout, factor, maxTimeout } = SLACK_RETRIES;
          await sleep(Math.min(minTimeout * factor ** tries, maxTimeout));
          if (!error.unsent && typeof resend === 'object') {
            const earlier = await resend.landed().catch((lookup: unknown) => {
              const why = slackErrorCode(lookup) ?? String(lookup);
              throw new SlackRequestError(
                `${error.message}; Slack may have carried out ${method} and will not say whether it did (${why}), so it is not sent again`,
              );
            });
            if (earlier !== undefined) return earlier;
          }
          continue;
        }
        if (answer.status === 429) {
          const retrySec = Number.parseInt(answer.retryAfter ?? '', 10);
          if (Number.isNaN(retrySec)) throw new Error(`Retry header did not contain a valid timeout (${method})`);
          metrics.slackRateLimited(method, retrySec);
          if (tries >= SLACK_RETRIES.retries) throw new Error(`A rate limit was exceeded (${method})`);
          pausedUntil = Math.max(pausedUntil, Date.now() + retrySec * 1_000);
          continue;
        }
        if (answer.status !== 200) throw new SlackHttpError(answer.status);
        if (answer.body['ok'] !== true) throw new SlackPlatformError(answer.body);
        return answer.body;
      }
    },
  };
}

/** Slack's answer, read whole: a 200 that is not JSON came from something in between, and Slack may have acted. */
function receive(method: string, response: http.IncomingMessage): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    response.on('data', (chunk: Buffer) => chunks.push(chunk));
    response.on('error', (error) => reject(new SlackRequestError(error.message)));
    response.on('end', () => {
      const status = response.statusCode ?? 0;
      const retryAfter = response.headers['retry-after'];
      let parsed: unknown;
      try {
        parsed = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      } catch {
        parsed = undefined;
      }
      if (typeof parsed === 'object' && parsed !== null) {
        resolve({ status, retryAfter, body: parsed as Record<string, unknown> });
      } else if (status === 200) {
        const type = String(response.headers['content-type'] ?? 'no content-type').split(';')[0];
        reject(new SlackRequestError(`Slack's answer to ${method} is not JSON (HTTP 200, ${type})`));
      } else resolve({ status, retryAfter, body: {} });
    });
  });
}
