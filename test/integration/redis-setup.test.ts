import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { buildBot } from '../../src/app/bot.js';
import { buildWorker } from '../../src/app/worker.js';
import { Store } from '../../src/app/store.js';
import { loadCatalogue } from '../../src/catalogue.js';
import { TerminalChat } from '../../src/cli/terminal-chat.js';
import { loadConfig, type Config } from '../../src/config.js';
import { startSlackStandin, type SlackStandin } from '../../src/devstack/slack/index.js';
import { Kube } from '../../src/integrations/kubernetes.js';
import { kubeAccessFromYaml } from '../../src/integrations/kubeconfig.js';
import { kubeconfigYaml } from '../support/kubeconfig.js';
import { createPool } from '../../src/integrations/postgres.js';
import type { Logger } from '../../src/log.js';
import { loadPolicy } from '../../src/policy/policy.js';
import { freshDatabase } from '../support/postgres.js';
import { PrivateRedis } from '../support/private-redis.js';
import { until } from '../support/until.js';

/**
 * BullMQ's production advice: Redis with `maxmemory-policy noeviction` and persistence (AOF or RDB). Bot and
 * worker check it when they connect, log what falls short and show it in /readyz's body (still 200: a
 * warning, not an outage); a managed Redis that refuses CONFIG GET is reported as "could not check".
 */
const setups = {
  advised: new PrivateRedis(['--maxmemory-policy', 'noeviction', '--appendonly', 'yes', '--save', '']),
  rdbOnly: new PrivateRedis(['--maxmemory-policy', 'noeviction', '--appendonly', 'no', '--save', '60 1']),
  cache: new PrivateRedis(['--maxmemory-policy', 'allkeys-lru', '--appendonly', 'no', '--save', '']),
  managed: new PrivateRedis(['--rename-command', 'CONFIG', '', '--appendonly', 'no', '--save', '']),
};
let slack: SlackStandin;
let db: Awaited<ReturnType<typeof freshDatabase>>;
let store: Store;

beforeAll(async () => {
  await Promise.all(Object.values(setups).map((redis) => redis.start()));
  slack = await startSlackStandin({ botToken: 'xoxb-test' });
  db = await freshDatabase();
  store = new Store(createPool(db.url));
});

afterAll(async () => {
  await Promise.all(Object.values(setups).map((redis) => redis.close()));
  await store?.close();
  await db?.drop();
  await slack?.close();
});

/** A logger that keeps its lines. */
function recordingLog(): { log: Logger; lines: { level: number; msg: string }[] } {
  const lines: { level: number; msg: string }[] = [];
  const sink = new Writable({
    write: (chunk: Buffer, _encoding, done) => (lines.push(JSON.parse(chunk.toString())), done()),
  });
  return { log: pino({ level: 'info' }, sink), lines };
}

const configFor = (redis: PrivateRedis): Config => ({
  ...loadConfig({
    QUEUE_NAME: `test-setup-${randomBytes(4).toString('hex')}`,
    SLACK_BOT_TOKEN: 'xoxb-test',
    SLACK_SIGNING_SECRET: 'test-signing-secret',
    SLACK_API_URL: slack.url,
    PORT: '0',
  }),
  REDIS_URL: redis.url,
});

/** Waits for the check's verdict, logged when the connection is ready. */
const checked = (lines: { msg: string }[]) =>
  until('the Redis setup check', () => lines.find((l) => l.msg === 'Redis setup checked'));

/** A cluster nobody calls: these workers run no job. */
function idleKube(): Kube {
  return new Kube(kubeAccessFromYaml(kubeconfigYaml({ server: 'https://127.0.0.1:9' })), {
    requestTimeoutMs: 1_000,
    pageSize: 500,
  });
}

/** The worker's /readyz once the setup check has run: its status and body. */
async function workerReadyz(redis: PrivateRedis) {
  const { log, lines } = recordingLog();
  const worker = await buildWorker(
    {
      config: configFor(redis),
      log,
      kube: idleKube(),
      cluster: { name: 'none', simulated: true },
      store,
      catalogue: await loadCatalogue('catalogue/services.yaml'),
      chat: new TerminalChat(() => undefined),
    },
    { probesPort: 0, statusSchedule: false, concurrency: 1 },
  );
  try {
    const url = `http://127.0.0.1:${(worker.probes!.address() as { port: number }).port}/readyz`;
    await checked(lines);
    const response = await fetch(url);
    return { status: response.status, body: (await response.json()) as { warnings: string[] }, lines };
  } finally {
    await worker.close();
  }
}

describe('the Redis setup check', () => {
  it('finds nothing to say about a Redis set up as BullMQ advises (noeviction, AOF or RDB)', async () => {
    for (const redis of [setups.advised, setups.rdbOnly]) {
      const { status, body, lines } = await workerReadyz(redis);
      expect(status).toBe(200);
      expect(body).toMatchObject({ ready: true, warnings: [] });
      expect(lines.filter((l) => l.level >= 40)).toEqual([]);
    }
  });

  it('warns about eviction and no persistence in the log and in /readyz, which stays 200', async () => {
    const { status, body, lines } = await workerReadyz(setups.cache);
    expect(status).toBe(200);
    expect(body.warnings).toEqual([
      expect.stringContaining('Redis maxmemory-policy is allkeys-lru, not noeviction'),
      expect.stringContaining('Redis persists nothing (appendonly no, no RDB save points)'),
    ]);
    expect(lines.filter((l) => l.level === 40).map((l) => l.msg)).toEqual(body.warnings);
  });

  it('says it could not check when CONFIG GET is refused (managed Redis)', async () => {
    const { status, body } = await workerReadyz(setups.managed);
    expect(status).toBe(200);
    expect(body.warnings).toEqual([
      expect.stringMatching(/^could not check Redis' maxmemory-policy and persistence \(CONFIG GET refused: ERR/),
    ]);
  });

  it('shows the same in the bot’s /readyz', async () => {
    const { log, lines } = recordingLog();
    const bot = await buildBot(
      {
        config: configFor(setups.cache),
        log,
        policy: await loadPolicy('policy/policy.example.yaml'),
        catalogue: await loadCatalogue('catalogue/services.yaml'),
        store,
      },
      { statusSchedule: false },
    );
    try {
      await checked(lines);
      const response = await fetch(new URL('/readyz', bot.eventsUrl));
      expect(response.status).toBe(200);
      const body = (await response.json()) as { checks: Record<string, string>; warnings: string[] };
      expect(body.checks).toEqual({ redis: 'ok', postgres: 'ok' });
      expect(body.warnings).toHaveLength(2);
      expect(body.warnings[0]).toContain('allkeys-lru');
    } finally {
      await bot.close();
    }
  });
});
