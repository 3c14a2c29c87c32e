import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadScenario, startKubeStandin, type KubeStandin } from '../../src/devstack/kube/index.js';
import { startSlackStandin, type SlackStandin } from '../../src/devstack/slack/index.js';
import { CarbonProcess } from '../support/carbon-process.js';
import { freshDatabase } from '../support/postgres.js';

/**
 * Kubernetes stops a pod with SIGTERM and counts any exit code but 0 as a failure: `carbon bot` and
 * `carbon worker` close what they opened and exit 0, also when the signal comes while they are starting.
 */
let kube: KubeStandin;
let slack: SlackStandin;
let db: Awaited<ReturnType<typeof freshDatabase>>;
let dir: string;
let env: NodeJS.ProcessEnv;

beforeAll(async () => {
  kube = await startKubeStandin({ scenario: await loadScenario('254carbon') });
  slack = await startSlackStandin({ botToken: 'xoxb-test' });
  db = await freshDatabase();
  dir = await mkdtemp(join(tmpdir(), 'carbon-shutdown-'));
  await kube.writeBotKubeconfig(join(dir, 'kubeconfig'));
  env = {
    KUBECONFIG: join(dir, 'kubeconfig'),
    DATABASE_URL: db.url,
    QUEUE_NAME: `test-shutdown-${randomBytes(4).toString('hex')}`,
    SLACK_BOT_TOKEN: 'xoxb-test',
    SLACK_SIGNING_SECRET: 'test-signing-secret',
    SLACK_API_URL: slack.url,
    PORT: '0',
    LOG_LEVEL: 'info',
    CARBON_DATA_DIR: dir,
  };
}, 60_000);

afterAll(async () => {
  await db?.drop();
  await slack?.close();
  await kube?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('SIGTERM', () => {
  it.each([
    ['bot', /"msg":"bot started"/],
    ['worker', /"msg":"worker started"/],
  ])(
    'stops `carbon %s` gracefully: exit 0',
    async (role, started) => {
      const carbon = new CarbonProcess([role], env);
      await carbon.waitFor(started);
      await carbon.stop('SIGTERM');
      expect(await carbon.exited).toEqual({ code: 0, signal: null });
      expect(carbon.logs().some((l) => l.msg === `${role} stopped`)).toBe(true);
    },
    120_000,
  );

  it('stops `carbon bot` with exit 0 while it is still starting (Slack does not answer yet)', async () => {
    // Nothing listens on port 9: Bolt's first call (auth.test) keeps retrying, so the bot is still starting.
    const carbon = new CarbonProcess(['bot'], { ...env, SLACK_API_URL: 'http://127.0.0.1:9/api/' });
    await carbon.waitFor(/http request failed/);
    await carbon.stop('SIGTERM');
    expect(await carbon.exited).toEqual({ code: 0, signal: null });
    expect(carbon.logs().some((l) => l.msg === 'bot stopped')).toBe(true);
  }, 120_000);
});
