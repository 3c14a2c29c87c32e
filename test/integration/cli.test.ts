import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkMessage } from '../../src/devstack/slack/block-limits.js';
import { kubectlFor } from '../support/kubectl.js';
import { startEmbeddedPostgres } from '../../src/integrations/postgres.js';
import { silentLogger } from '../../src/log.js';
import { runCarbon } from '../support/carbon-process.js';
import { freshDatabase, queryAs } from '../support/postgres.js';

/** The `carbon` CLI as a newcomer runs it: a real process, real Redis and PostgreSQL, the demo cluster. */

let db: Awaited<ReturnType<typeof freshDatabase>>;
let env: NodeJS.ProcessEnv;

beforeAll(async () => {
  db = await freshDatabase();
  // A clean environment: no KUBECONFIG, so the CLI starts the demo cluster itself (undefined: left out).
  env = {
    ...process.env,
    KUBECONFIG: undefined,
    DATABASE_MIGRATION_URL: undefined,
    DATABASE_URL: db.url,
    LOG_LEVEL: 'warn',
  };
});

afterAll(async () => {
  await db?.drop();
});

const carbon = (args: string[], extraEnv: NodeJS.ProcessEnv = {}) => runCarbon(args, { ...env, ...extraEnv });

describe('carbon run', () => {
  it('prints the demo health report and says the cluster is simulated', async () => {
    const { code, stdout, stderr } = await carbon(['run', 'health']);
    expect(code).toBe(0);
    expect(stdout).toContain('Platform health 76.6% (118 of 154 pods ready)');
    expect(stdout).toContain('Simulated');
    expect(stderr).toContain('the simulated 254Carbon demo, in-process');
  });

  it('with --json prints the Slack Web API calls, each within Slack limits', async () => {
    const { code, stdout } = await carbon(['run', '--json', 'health']);
    expect(code).toBe(0);
    const calls = JSON.parse(stdout) as { method: string; payload: { text: string; blocks?: unknown[] } }[];
    expect(calls[0]!.method).toBe('chat.postMessage');
    expect(calls.at(-1)!.method).toBe('chat.update');
    expect(calls.at(-1)!.payload.text).toContain('76.6%');
    for (const call of calls) expect(checkMessage(call.payload as Parameters<typeof checkMessage>[0])).toBeUndefined();
  });

  it('exits 2 on a usage error and 1 on a refusal, saying why', async () => {
    const usage = await carbon(['run', 'health --namespace Not_A_Name']);
    expect(usage.code).toBe(2);
    expect(usage.stdout).toContain('is not a valid Kubernetes name');
    const denied = await carbon(['run', '--user', 'U0STRANGER', 'health']);
    expect(denied.code).toBe(1);
    expect(denied.stdout).toContain('needs the viewer role');
    const noText = await carbon(['run']);
    expect(noText.code).toBe(2);
  });

  it('exits 2 on an option given twice or a word a command does not take, naming it', async () => {
    const twice = await carbon(['run', 'health --namespace data-platform -n kube-system']);
    expect(twice.code).toBe(2);
    expect(twice.stdout).toContain('`--namespace` is given more than once (as `--namespace` and `-n`)');
    const extra = await carbon(['run', 'help help help help']);
    expect(extra.code).toBe(2);
    expect(extra.stdout).toContain('Unexpected `help`: `help` takes [COMMAND] and nothing more');
  });

  it('exits 1 with a clear message when Redis is down, and reports bad settings in one message', async () => {
    const dead = await carbon(['run', 'health'], { REDIS_URL: 'redis://127.0.0.1:1' });
    expect(dead.code).toBe(1);
    expect(dead.stderr).toContain('Redis at redis://127.0.0.1:1 does not answer');
    const bad = await carbon(['run', 'health'], { REDIS_URL: 'nope', KUBE_PAGE_SIZE: '0' });
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/Invalid settings[\s\S]*REDIS_URL[\s\S]*KUBE_PAGE_SIZE/);
  });

  it('refuses to act as another user against a cluster that is not simulated', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'carbon-real-'));
    try {
      // A kubeconfig for a cluster that does not answer: carbon cannot tell it is a stand-in, so it is real.
      const kubeconfig = join(dir, 'kubeconfig');
      await writeFile(
        kubeconfig,
        'apiVersion: v1\nkind: Config\nclusters: [{name: prod, cluster: {server: "https://127.0.0.1:1"}}]\nusers: [{name: u, user: {}}]\ncontexts: [{name: prod, context: {cluster: prod, user: u}}]\ncurrent-context: prod\n',
      );
      const forged = await carbon(['run', '--user', 'U0APPROVER', 'health'], {
        KUBECONFIG: kubeconfig,
        KUBE_REQUEST_TIMEOUT_MS: '1000',
      });
      expect(forged.code).toBe(2);
      expect(forged.stderr).toContain('only for the simulated demo');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('uses an embedded PostgreSQL when DATABASE_URL is unset', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'carbon-embedded-'));
    try {
      const { code, stdout, stderr } = await carbon(['run', 'health'], { DATABASE_URL: '', CARBON_DATA_DIR: dataDir });
      expect(code).toBe(0);
      expect(stderr).toContain(`PostgreSQL embedded under ${dataDir}/pg`);
      expect(stdout).toContain('snapshot #1');
      // The embedded server set up the two roles as production has them: the bot's may not change the audit.
      const embedded = await startEmbeddedPostgres(dataDir, silentLogger());
      try {
        await expect(queryAs(embedded.url, 'SELECT current_user AS role')).resolves.toMatchObject({
          rows: [{ role: 'carbon_bot' }],
        });
        await expect(queryAs(embedded.url, 'SELECT count(*) FROM health_snapshots')).resolves.toBeDefined();
        await expect(queryAs(embedded.url, 'TRUNCATE audit_log')).rejects.toMatchObject({ code: '42501' });
        await expect(queryAs(embedded.url, 'DROP TRIGGER audit_log_no_truncate ON audit_log')).rejects.toMatchObject({
          code: '42501',
        });
      } finally {
        await embedded.stop();
      }
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});

describe('carbon devstack', () => {
  let devstack: ChildProcess;
  let dir: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'carbon-devstack-'));
    devstack = spawn('node', ['bin/carbon.js', 'devstack', '--out', dir], {
      env,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    await new Promise<void>((resolve, reject) => {
      let out = '';
      devstack.stdout!.on('data', (chunk: Buffer) => {
        out += chunk.toString();
        if (out.includes('Serving until')) resolve();
      });
      devstack.once('exit', (code) => reject(new Error(`devstack exited with ${code}`)));
    });
  });

  afterAll(async () => {
    devstack?.kill('SIGTERM');
    await rm(dir, { recursive: true, force: true });
  });

  it('writes the admin kubeconfig for kubectl and the bot one for carbon: the same pods', async () => {
    const envFile = await readFile(join(dir, 'devstack.env'), 'utf8');
    const kubeconfig = /^KUBECONFIG=(.*)$/m.exec(envFile)![1]!;
    expect(kubeconfig).toBe(join(dir, 'bot-kubeconfig'));
    // kubectl's discovery cache in the test's folder, never the user's ~/.kube (shared with other runs).
    const whoami = await kubectlFor(kubeconfig, join(dir, 'cache')).run(
      'auth',
      'whoami',
      '-o',
      'jsonpath={.status.userInfo.username}',
    );
    expect(whoami).toBe('system:serviceaccount:carbon-ops:carbon-ops');
    const stdout = await kubectlFor(join(dir, 'kubeconfig'), join(dir, 'cache')).run('get', 'pods', '-A', '-o', 'json');
    const pods = JSON.parse(stdout).items as {
      status: { phase: string; conditions?: { type: string; status: string }[] };
    }[];
    const counted = pods.filter((p) => p.status.phase !== 'Succeeded');
    const ready = counted.filter((p) => p.status.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'));

    const report = await carbon(['run', 'health'], { KUBECONFIG: kubeconfig });
    expect(report.code).toBe(0);
    expect(report.stdout).toContain(`(${ready.length} of ${counted.length} pods ready)`);
    expect([ready.length, counted.length]).toEqual([118, 154]);
    expect(report.stdout).toContain('Simulated'); // the devstack says what it is, even through a kubeconfig
  });
});
