import { createServer, type RequestListener, type Server } from 'node:http';
import { App, HTTPReceiver, LogLevel } from '@slack/bolt';
import { slackClientOptions } from '../integrations/slack.js';
import type { Logger } from '../log.js';
import { slackGroupDirectory } from '../policy/groups.js';
import type { DispatchDeps } from './dispatch.js';
import { metricsRoute, probeListener, probeRoutes, type Check, type Exposition, type ProbeRoute } from './probes.js';
import { AfterAck } from './after-ack.js';
import { replayGuard } from './replay-guard.js';
import { slackIntake } from './slack-intake.js';
import { registerAppMention } from './app-mention.js';
import { registerApproveButton, registerDenyButton } from './approval-buttons.js';
import { registerIncidentButtons } from './incident-buttons.js';
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
  /** Served at /metrics beside the probes, when given. */
  exposition?: Exposition;
  /** More routes beside the probes (the Alertmanager receiver), in both modes. */
  routes?: ProbeRoute[];
  dispatch: Omit<DispatchDeps, 'chat' | 'log'>;
}

export interface SlackApp {
  app: App;
  /** The HTTP server (events in HTTP mode, probes in both modes); its port when listening on 0. */
  server: Server;
  close(): Promise<void>;
}

/** Where Slack posts slash commands, events and clicks in HTTP mode. */
const EVENTS_PATH = '/slack/events';

/**
 * The Bolt app. HTTP mode (`POST /slack/events`, through the intake's checks) with a signing secret,
 * Socket Mode with an app token; /healthz, /readyz and /metrics in both. Every request runs once (the replay guard).
 * It never runs jobs: it answers or enqueues.
 */
export async function startSlackApp(options: SlackAppOptions): Promise<SlackApp> {
  const routes = probeRoutes(options.checks, options.warnings);
  if (options.exposition !== undefined) routes.push(metricsRoute(options.exposition));
  routes.push(...(options.routes ?? []));
  const probes = probeListener(routes);
  const clientOptions = slackClientOptions(options.apiUrl);
  const logger = boltLogger(options.log);
  // No conversation store: no listener keeps state per conversation, and Bolt's default one rejects with a new
  // Error (a stack trace) for every request it has nothing for, on the ack's path.
  const convoStore = false as const;
  let app: App;
  let server: Server;
  if (options.appToken !== undefined) {
    app = new App({
      token: options.botToken,
      appToken: options.appToken,
      socketMode: true,
      clientOptions,
      logger,
      convoStore,
      deferInitialization: true,
    });
    server = await listen(createServer(probes), options.port);
  } else {
    const receiver = new HTTPReceiver({
      signingSecret: options.signingSecret ?? '',
      logger,
      unhandledRequestTimeoutMillis: 2_500,
    });
    app = new App({ token: options.botToken, receiver, clientOptions, logger, convoStore, deferInitialization: true });
    const events = slackIntake(options.log, receiver.requestListener);
    server = await listen(createServer(eventsOr(probes, events)), options.port);
  }
  const deps = {
    ...options.dispatch,
    log: options.log,
    groups: slackGroupDirectory(app.client, options.dispatch.policy.groupIds(), options.log),
  };
  const afterAck = new AfterAck(options.log);
  app.use(replayGuard(options.dispatch.queue, options.log));
  registerSlashCommand(app, deps, afterAck);
  registerAppMention(app, deps);
  registerApproveButton(app, deps);
  registerDenyButton(app, deps);
  registerIncidentButtons(app, deps);
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
      await afterAck.idle(); // the acked requests' work finishes: none is dropped
    },
  };
}

/** POSTs to the events path go to Bolt (through the intake); everything else to the probes. */
function eventsOr(probes: RequestListener, events: RequestListener): RequestListener {
  return (req, res) => (req.method === 'POST' && req.url?.split('?')[0] === EVENTS_PATH ? events : probes)(req, res);
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
