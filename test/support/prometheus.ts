import { spawnSync } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { debianBinary, startServerProcess } from './server-process.js';
import { EVENT_WAIT_MS, PROCESS_WAIT_MS, until } from './until.js';

/**
 * A real Prometheus and its promtool, from Debian's `prometheus` package (.ci/run installs it):
 * PROMETHEUS_BIN and PROMTOOL_BIN when set, else /usr/bin, else the PATH.
 */
export const prometheusBinary = (name: 'prometheus' | 'promtool'): string =>
  debianBinary({
    envVar: `${name.toUpperCase()}_BIN`,
    paths: [`/usr/bin/${name}`],
    names: [name],
    install: 'prometheus',
  });

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

/**
 * A Prometheus of the test's own: its config and TSDB in a temp dir, a free port, scraping `targets`
 * every second. Resolves once /-/ready answers.
 */
export async function startPrometheus(targets: ScrapeTarget[]): Promise<PrivatePrometheus> {
  const { url, close } = await startServerProcess({
    name: 'prometheus',
    binary: prometheusBinary('prometheus'),
    prepare: (dir) =>
      writeFile(
        join(dir, 'prometheus.yml'),
        stringify({
          global: { scrape_interval: '1s', scrape_timeout: '1s', evaluation_interval: '1s' },
          scrape_configs: targets.map((t) => ({
            job_name: t.job,
            metrics_path: '/metrics',
            static_configs: [{ targets: [t.address] }],
          })),
        }),
      ),
    args: (dir, listen) => [
      `--config.file=${join(dir, 'prometheus.yml')}`,
      `--storage.tsdb.path=${join(dir, 'data')}`,
      `--web.listen-address=${listen}`,
      '--log.level=warn',
    ],
  });
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
