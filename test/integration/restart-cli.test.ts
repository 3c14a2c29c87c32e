import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Deployment, KubeStandin } from '../../src/devstack/kube/index.js';
import { RESTARTED_AT } from '../../src/features/restart/plan.js';
import { runCarbon } from '../support/carbon-process.js';
import { freshDatabase } from '../support/postgres.js';
import { fastCluster } from '../support/restart-rig.js';
import { assertBotNeverRefused } from '../support/bot-rbac.js';

/**
 * The terminal drives the same flow as Slack: `carbon run` asks (and returns once the request awaits
 * approval, printing `request: <id>`), a second `carbon run` as another user approves and waits for the
 * rollout's end, `carbon audit export` writes the trail as JSON Lines. State lives in the stand-in cluster
 * (KUBECONFIG) and PostgreSQL, across processes.
 */
let kube: KubeStandin;
let db: Awaited<ReturnType<typeof freshDatabase>>;
let dir: string;
let env: NodeJS.ProcessEnv;

beforeAll(async () => {
  kube = await fastCluster();
  db = await freshDatabase();
  dir = await mkdtemp(join(tmpdir(), 'carbon-cli-restart-'));
  await kube.writeBotKubeconfig(join(dir, 'kubeconfig')); // carbon runs as its ServiceAccount
  env = {
    KUBECONFIG: join(dir, 'kubeconfig'),
    DATABASE_URL: db.url,
    CARBON_DATA_DIR: dir,
    LOG_LEVEL: 'warn',
    RESTART_POLL_MS: '100',
  };
});

afterAll(async () => {
  await db?.drop();
  await kube?.close();
  assertBotNeverRefused(kube);
  if (dir) await rm(dir, { recursive: true, force: true });
});

const carbon = (...args: string[]) => runCarbon(args, env);

describe('restart from the terminal', () => {
  it('asks, is refused by a non-approver, is approved by another user, and ends with the rollout', async () => {
    const asked = await carbon('run', '--user', 'U0OPERATOR', '--channel', 'C0INCIDENT', 'restart trino --reason test');
    expect(asked.code).toBe(0);
    expect(asked.stdout).toContain('Restart plan · deployment/trino-coordinator');
    expect(asked.stdout).toContain('[Approve] [Deny]');
    const id = /^request: ([a-z0-9]+)$/m.exec(asked.stdout)?.[1];
    expect(id).toBeDefined();

    const self = await carbon('run', '--user', 'U0OPERATOR', `approve ${id}`);
    expect(self.code).toBe(1);
    expect(self.stdout).toContain('`approve` needs the approver role; your role is operator');
    const admin = await carbon('run', '--user', 'U0ADMIN', `approve ${id}`);
    expect(admin.code).toBe(0); // an admin is an approver and not the requester
    expect(admin.stdout).toMatch(
      /✅ Restarted deployment\/trino-coordinator in data-platform: 1 of 1 pods updated and ready in \d/,
    );
    expect(admin.stdout).toMatch(/pods updated/);
    const deployment = kube.cluster.get<Deployment>('deployments', 'data-platform', 'trino-coordinator')!;
    expect(deployment.spec.template.metadata?.annotations?.[RESTARTED_AT]).toMatch(/^\d{4}-/);

    const again = await carbon('run', '--user', 'U0APPROVER', `approve ${id}`);
    expect(again.code).toBe(1);
    expect(again.stdout).toContain(
      `Request ${id} was already approved and the restart of deployment/trino-coordinator has finished.`,
    );
  });

  it('refuses a restart outside incident channels and a usage error, with exit codes 1 and 2', async () => {
    const elsewhere = await carbon(
      'run',
      '--user',
      'U0OPERATOR',
      '--channel',
      'C0GENERAL',
      'restart trino --reason test',
    );
    expect(elsewhere.code).toBe(1);
    expect(elsewhere.stdout).toContain('may only run in incident channels');
    const usage = await carbon('run', '--user', 'U0OPERATOR', 'restart trino');
    expect(usage.code).toBe(2);
    expect(usage.stdout).toContain('A reason is required');
  });

  it('shows the trail with `audit` and exports it as JSON Lines', async () => {
    const shown = await carbon('run', '--user', 'U0VIEWER', 'audit --action restart --since 1h');
    expect(shown.code).toBe(0);
    expect(shown.stdout).toContain('Audit trail');
    expect(shown.stdout).toMatch(/succeeded/);

    const exported = await carbon('audit', 'export', '--since', '1h', '--format', 'jsonl');
    expect(exported.code).toBe(0);
    const lines = exported.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines.map((l) => l.outcome)).toEqual(
      expect.arrayContaining(['requested', 'denied', 'approved', 'started', 'succeeded', 'refused']),
    );
    expect(lines[0]).toMatchObject({
      id: expect.any(Number),
      at: expect.stringMatching(/Z$/),
      actor: expect.stringMatching(/^U0/),
    });
    const ids = lines.map((l) => l.id as number);
    expect([...ids].sort((a, b) => a - b)).toEqual(ids); // oldest first
    expect(exported.stdout).not.toMatch(/xox[abp]-/);

    const bad = await carbon('audit', 'export', '--since', '1h', '--format', 'csv');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('only jsonl');
  });
});
