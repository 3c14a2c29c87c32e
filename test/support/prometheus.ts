import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { EVENT_WAIT_MS, PROCESS_WAIT_MS, until } from './until.js';

/**
 * A real Prometheus and its promtool, from Debian's `prometheus` package (.ci/run installs it):
 * PROMETHEUS_BIN and PROMTOOL_BIN when set, else /usr/bin, else the PATH.
 */
export function prometheusBinary(name: 'prometheus' | 'promtool'): string {
  const fromEnv = process.env[name === 'prometheus' ? 'PROMETHEUS_BIN' : 'PROMTOOL_BIN'];
  if (fromEnv !== undefined && fromEnv !== '') return fromEnv;
  const debian = `/usr/bin/${name}`;
  if (existsSync(debian)) return debian;
  const found = spawnSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' }).stdout.trim();
  if (found === '')
    throw new Error(`${name} not found: apt-get install -y prometheus (or set ${name.toUpperCase()}_BIN)`);
  return found;
}

/** `promtool ARGS` with `input` on its stdin: its exit code and what it printed. */
export function promtool(args: string[], input?: string): { status: number | null; output: string } {
  const result = spawnSync(prometheusBinary('promtool'), args, {
    input: input ?? '',
    encoding: 'utf8',
    timeout: PROCESS_WAIT_MS,
  });
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

export interface ScrapeTarget {
  job: string;
  /** host:port */
  address: string;
}

export interface PrivatePrometheus {
  url: string;
  /** The instant vector of `expr` now (Prometheus' /api/v1/query). */
  query(expr: string): Promise<{ metric: Record<string, string>; value: [number, string] }[]>;
  /** Polls `expr` until it returns at least one sample, bounded by EVENT_WAIT_MS. */
  untilPresent(expr: string): Promise<{ metric: Record<string, string>; value: [number, string] }[]>;
  close(): Promise<void>;
}

/** A free TCP port on 127.0.0.1 (asked of the kernel, then released for the child to take). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/**
 * A Prometheus of the test's own: its config and TSDB in a temp dir, a free port, scraping `targets`
 * every second. Resolves once /-/ready answers.
 */
export async function startPrometheus(targets: ScrapeTarget[]): Promise<PrivatePrometheus> {
  const dir = await mkdtemp(join(tmpdir(), 'carbon-prometheus-'));
  const config = {
    global: { scrape_interval: '1s', scrape_timeout: '1s', evaluation_interval: '1s' },
    scrape_configs: targets.map((t) => ({
      job_name: t.job,
      metrics_path: '/metrics',
      static_configs: [{ targets: [t.address] }],
    })),
  };
  await writeFile(join(dir, 'prometheus.yml'), stringify(config));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const output: string[] = [];
  const child: ChildProcess = spawn(
    prometheusBinary('prometheus'),
    [
      `--config.file=${join(dir, 'prometheus.yml')}`,
      `--storage.tsdb.path=${join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--log.level=warn',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  child.stdout?.on('data', (chunk: Buffer) => output.push(chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => output.push(chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const close = async () => {
    if (child.exitCode === null) child.kill('SIGTERM');
    await exited;
    await rm(dir, { recursive: true, force: true });
  };
  try {
    await until('Prometheus to be ready', async () => {
      if (child.exitCode !== null) throw new Error(`prometheus exited ${child.exitCode}: ${output.join('')}`);
      const status = await fetch(`${url}/-/ready`).then(
        (r) => r.status,
        () => 0,
      );
      return status === 200 ? true : undefined;
    });
  } catch (error) {
    await close();
    throw error;
  }
  const query: PrivatePrometheus['query'] = async (expr) => {
    const response = await fetch(`${url}/api/v1/query?${new URLSearchParams({ query: expr })}`);
    const body = (await response.json()) as { status: string; error?: string; data?: { result: unknown } };
    if (body.status !== 'success') throw new Error(`query ${expr}: ${body.error ?? response.status}`);
    return body.data!.result as Awaited<ReturnType<PrivatePrometheus['query']>>;
  };
  return {
    url,
    query,
    untilPresent: (expr) =>
      until(
        `Prometheus to have ${expr}`,
        async () => {
          const result = await query(expr);
          return result.length > 0 ? result : undefined;
        },
        EVENT_WAIT_MS,
      ),
    close,
  };
}
