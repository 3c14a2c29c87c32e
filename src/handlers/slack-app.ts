import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { App, HTTPReceiver, LogLevel } from '@slack/bolt';
import { slackClientOptions } from '../integrations/slack.js';
import type { Logger } from '../log.js';
import { slackGroupDirectory } from '../policy/groups.js';
import type { DispatchDeps } from './dispatch.js';
import { probeRoutes, type Check } from './probes.js';
import { registerAppMention } from './app-mention.js';
import { registerApproveButton, registerDenyButton } from './approval-buttons.js';
import { registerSlashCommand } from './slash-command.js';
import { registerUnknownButton } from './unknown-button.js';

export interface SlackAppOptions {
  botToken: string;
  signingSecret?: string;
  appToken?: string;
  apiUrl?: string;
  port: number;
  log: Logger;
  checks: Record<string, Check>;
  /** Shown in /readyz's body without making it unready (a Redis set up against BullMQ's advice). */
  warnings?: () => readonly string[];
  dispatch: Omit<DispatchDeps, 'chat' | 'log'>;
}

export interface SlackApp {
  app: App;
  /** The HTTP server (events in HTTP mode, probes in both modes); its port when listening on 0. */
  server: Server;
  close(): Promise<void>;
}

/** Slack signs with a timestamp; Bolt refuses old ones, we also refuse ones from the future. */
export const MAX_CLOCK_SKEW_SEC = 300;

/**
 * The Bolt app. HTTP mode (`POST /slack/events`) with a signing secret, Socket Mode with an app
 * token; /healthz and /readyz in both. It never runs jobs: it answers or enqueues.
 */
export async function startSlackApp(options: SlackAppOptions): Promise<SlackApp> {
  const routes = probeRoutes(options.checks, options.warnings);
  const clientOptions = slackClientOptions(options.apiUrl);
  const logger = boltLogger(options.log);
  let app: App;
  let server: Server;
  if (options.appToken !== undefined) {
    app = new App({
      token: options.botToken,
      appToken: options.appToken,
      socketMode: true,
      clientOptions,
      logger,
      deferInitialization: true,
    });
    server = await listen(createServer(routeTo(routes)), options.port);
  } else {
    const receiver = new HTTPReceiver({
      signingSecret: options.signingSecret ?? '',
      customRoutes: routes,
      logger,
      unhandledRequestTimeoutMillis: 2_500,
    });
    app = new App({ token: options.botToken, receiver, clientOptions, logger, deferInitialization: true });
    server = await listen(createServer(rejectSkewedTimestamps(receiver.requestListener)), options.port);
  }
  const deps = {
    ...options.dispatch,
    log: options.log,
    groups: slackGroupDirectory(app.client, options.dispatch.policy.groupIds(), options.log),
  };
  registerSlashCommand(app, deps);
  registerAppMention(app, deps);
  registerApproveButton(app, deps);
  registerDenyButton(app, deps);
  registerUnknownButton(app, deps);
  try {
    await app.init();
    // Socket Mode connects here: a refused token (invalid_auth) fails the start, and the server must not outlive it.
    if (options.appToken !== undefined) await app.start();
  } catch (error) {
    await new Promise((resolve) => server.close(resolve));
    throw error;
  }
  return {
    app,
    server,
    close: async () => {
      if (options.appToken !== undefined) await app.stop();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

function rejectSkewedTimestamps(next: (req: IncomingMessage, res: ServerResponse) => void) {
  return (req: IncomingMessage, res: ServerResponse) => {
    const header = req.headers['x-slack-request-timestamp'];
    const timestamp = Number(Array.isArray(header) ? header[0] : header);
    if (req.method === 'POST' && header !== undefined && Math.abs(Date.now() / 1000 - timestamp) > MAX_CLOCK_SKEW_SEC) {
      res.writeHead(401);
      res.end();
      return;
    }
    next(req, res);
  };
}

function routeTo(routes: ReturnType<typeof probeRoutes>) {
  return (req: IncomingMessage, res: ServerResponse) => {
    const route = routes.find((r) => r.path === req.url?.split('?')[0] && r.method === req.method);
    if (route) return route.handler(req, res);
    res.writeHead(404);
    res.end();
  };
}

function listen(server: Server, port: number): Promise<Server> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, () => resolve(server));
  });
}

/** Bolt logs through our structured logger. */
function boltLogger(log: Logger) {
  const child = log.child({ component: 'bolt' });
  return {
    debug: (...msg: unknown[]) => child.debug(msg.join(' ')),
    info: (...msg: unknown[]) => child.info(msg.join(' ')),
    warn: (...msg: unknown[]) => child.warn(msg.join(' ')),
    error: (...msg: unknown[]) => child.error(msg.join(' ')),
    setLevel: () => undefined,
    getLevel: () => LogLevel.INFO,
    setName: () => undefined,
  };
}
