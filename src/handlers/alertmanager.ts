import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import getRawBody from 'raw-body';
import { within } from '../concurrency.js';
import type { CommandQueue } from '../jobs/queue.js';
import type { Logger } from '../log.js';
import { channelFor, type AlertRoutes } from '../features/incidents/routes.js';
import { groupId, NOTIFICATION_LIMITS, parseNotification } from '../features/incidents/notification.js';
import type { AlertNotifyData } from '../features/incidents/alert-notify.js';
import type { ProbeRoute } from './probes.js';

/** Where Alertmanager's webhook_config posts. */
export const ALERTMANAGER_PATH = '/alertmanager';

export interface AlertReceiverDeps {
  /** ALERTMANAGER_WEBHOOK_TOKEN: the receiver answers nothing but 404 without it. */
  token: string | undefined;
  routes: AlertRoutes;
  /** INCIDENT_CHANNEL: where a group no route matches goes. */
  defaultChannel: string | undefined;
  queue: CommandQueue;
  log: Logger;
}

const digest = (text: string) => createHash('sha256').update(text).digest();

/** The bearer token, compared in constant time (digests of equal length whatever was sent). */
function authorized(header: string | undefined, token: string): boolean {
  const sent = /^Bearer (.+)$/i.exec(header ?? '')?.[1] ?? '';
  return timingSafeEqual(digest(sent), digest(token));
}

/**
 * `POST /alertmanager`: Alertmanager's webhook (payload version 4), with the bearer token its
 * `http_config.authorization` sends. Checked whole before anything is queued: a wrong token 401, a body
 * over the cap 413, not JSON 415/400, not a version-4 payload 400. A valid one is queued as one
 * `alert-notify` job (its id from the body's digest, so a redelivery queues nothing) and answered 202 at
 * once; a queue that does not answer is a 503, which Alertmanager retries.
 */
export function alertmanagerRoute(deps: AlertReceiverDeps): ProbeRoute {
  return {
    path: ALERTMANAGER_PATH,
    method: 'POST',
    handler: (req, res) => void receive(req, res, deps),
  };
}

async function receive(req: IncomingMessage, res: ServerResponse, deps: AlertReceiverDeps): Promise<void> {
  const answer = (status: number, body: object) => {
    res.writeHead(status, {
      'content-type': 'application/json',
      ...(status === 401 ? { 'www-authenticate': 'Bearer' } : {}),
    });
    res.end(JSON.stringify(body));
  };
  const refuse = (status: number, error: string) => {
    deps.log.warn({ status, error }, 'Alertmanager notification refused');
    // The rest of a refused body is not read: the connection is closed after the answer.
    res.setHeader('connection', 'close');
    answer(status, { ok: false, error });
  };
  if (deps.token === undefined) return refuse(404, 'the Alertmanager receiver is off (ALERTMANAGER_WEBHOOK_TOKEN)');
  if (!authorized(req.headers.authorization, deps.token)) return refuse(401, 'a bearer token is required');
  if (!/^application\/json\s*(;|$)/i.test(req.headers['content-type'] ?? ''))
    return refuse(415, 'the body must be application/json');
  let body: Buffer;
  try {
    body = await getRawBody(req, {
      length: req.headers['content-length'] ?? null,
      limit: NOTIFICATION_LIMITS.bodyBytes,
    });
  } catch (error) {
    const { status } = error as getRawBody.RawBodyError;
    return status === 413
      ? refuse(413, `the body is over ${NOTIFICATION_LIMITS.bodyBytes} bytes: lower max_alerts in the webhook config`)
      : refuse(400, 'the body could not be read');
  }
  let json: unknown;
  try {
    json = JSON.parse(body.toString('utf8'));
  } catch {
    return refuse(400, 'the body is not JSON');
  }
  const parsed = parseNotification(json);
  if ('problem' in parsed) return refuse(400, `not an Alertmanager webhook payload (version 4): ${parsed.problem}`);
  const { notification } = parsed;
  const channel = channelFor(deps.routes, notification.commonLabels, deps.defaultChannel);
  if (channel === undefined) {
    deps.log.warn({ receiver: notification.receiver }, 'alert group matches no route and INCIDENT_CHANNEL is unset');
    return answer(200, { ok: true, posted: false, reason: 'no route matches and INCIDENT_CHANNEL is unset' });
  }
  const data: AlertNotifyData = { channel, notification, receivedAt: Date.now() };
  const jobId = `alert-${groupId(notification.groupKey)}-${createHash('sha256').update(body).digest('hex').slice(0, 24)}`;
  try {
    await within(deps.queue.enqueueOwn('alert-notify', data, jobId), 5_000, 'Redis did not answer in time');
  } catch (error) {
    deps.log.error({ err: error }, 'could not queue an Alertmanager notification');
    return answer(503, { ok: false, error: 'the job queue is unavailable; retry' });
  }
  answer(202, { ok: true, job: jobId });
}
