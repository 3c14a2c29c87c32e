import { createHash, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { ExpressAdapter } from '@bull-board/express';
import type { Queue } from 'bullmq';
import express, { type RequestHandler } from 'express';
import type { Config } from '../config.js';
import type { Logger } from '../log.js';

/** Where and for whom a worker serves the queue view. */
export interface QueueViewSettings {
  port: number;
  host: string;
  user: string;
  password: string;
}

/** The view's settings, or undefined when it is off (QUEUE_VIEW_PORT unset; config.ts requires the password). */
export function queueViewSettings(config: Config): QueueViewSettings | undefined {
  if (config.QUEUE_VIEW_PORT === undefined || config.QUEUE_VIEW_PASSWORD === undefined) return undefined;
  return {
    port: config.QUEUE_VIEW_PORT,
    host: config.QUEUE_VIEW_HOST,
    user: config.QUEUE_VIEW_USER,
    password: config.QUEUE_VIEW_PASSWORD,
  };
}

const REALM = 'Basic realm="carbon-ops queue view", charset="UTF-8"';

/**
 * Bull Board on the worker's queue, for operators: what waits, runs, is delayed or failed, and why. Read-only
 * (Bull Board's readOnlyMode, and every request but GET and HEAD refused with 405): a job retried or removed
 * from here would bypass the policy, the approvals and the audit trail, which only Slack's path goes through.
 * Every request needs basic auth (user and password compared in constant time). It listens on `host`, the pod's
 * loopback by default, so only `kubectl port-forward` reaches it; no Service exposes it.
 */
export async function serveQueueView(queue: Queue, settings: QueueViewSettings, log: Logger): Promise<Server> {
  const board = new ExpressAdapter();
  board.setBasePath('/');
  createBullBoard({
    queues: [new BullMQAdapter(queue, { readOnlyMode: true, allowRetries: false })],
    serverAdapter: board,
    options: { uiConfig: { boardTitle: 'carbon-ops queue' } },
  });
  const app = express();
  app.disable('x-powered-by');
  app.use(basicAuth(settings, log));
  // Only reads, whatever a route of Bull Board's does: one that does not check readOnlyMode changes nothing either.
  app.use((req, res, next) => (req.method === 'GET' || req.method === 'HEAD' ? next() : res.status(405).end()));
  app.use('/', board.getRouter() as RequestHandler);
  const server = createServer(app);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(settings.port, settings.host, () => resolve());
  });
  log.info({ host: settings.host, port: portOf(server), queue: queue.name }, 'queue view listening (read-only)');
  return server;
}

function basicAuth(settings: QueueViewSettings, log: Logger): RequestHandler {
  const user = digest(settings.user);
  const password = digest(settings.password);
  return (req, res, next) => {
    const given = credentials(req);
    // Both compared, always, each in constant time: neither which one failed nor how far it matched shows.
    const userMatches = timingSafeEqual(digest(given?.user ?? ''), user);
    const passwordMatches = timingSafeEqual(digest(given?.password ?? ''), password);
    if (given !== undefined && userMatches && passwordMatches) return next();
    if (given !== undefined) log.warn({ url: req.url }, 'queue view: wrong credentials');
    res.set('WWW-Authenticate', REALM).status(401).end();
  };
}

/** The `Authorization: Basic …` header's user and password, or undefined. */
function credentials(req: IncomingMessage): { user: string; password: string } | undefined {
  const match = /^Basic ([A-Za-z0-9+/=]+)$/i.exec(req.headers.authorization ?? '');
  if (match === null) return undefined;
  const decoded = Buffer.from(match[1]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return colon === -1 ? undefined : { user: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

/** Equal-length values for timingSafeEqual, whatever was sent. */
const digest = (text: string): Buffer => createHash('sha256').update(text).digest();

function portOf(server: Server): number | undefined {
  const address = server.address();
  return typeof address === 'object' && address !== null ? address.port : undefined;
}
