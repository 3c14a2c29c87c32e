import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { until } from './until.js';

/**
 * A real Alertmanager from Debian's `prometheus-alertmanager` package (.ci/run installs it):
 * ALERTMANAGER_BIN when set, else /usr/bin/prometheus-alertmanager, else the PATH.
 */
export function alertmanagerBinary(): string {
  const fromEnv = process.env['ALERTMANAGER_BIN'];
  if (fromEnv !== undefined && fromEnv !== '') return fromEnv;
  for (const path of ['/usr/bin/prometheus-alertmanager', '/usr/bin/alertmanager']) if (existsSync(path)) return path;
  const found = spawnSync('sh', ['-c', 'command -v prometheus-alertmanager || command -v alertmanager'], {
    encoding: 'utf8',
  }).stdout.trim();
  if (found === '')
    throw new Error('Alertmanager not found: apt-get install -y prometheus-alertmanager (or set ALERTMANAGER_BIN)');
  return found;
}

export interface PostedAlert {
  labels: Record<string, string>;
  annotations?: Record<string, string>;
  startsAt?: string;
  endsAt?: string;
}

export interface Silence {
  id: string;
  status: { state: 'active' | 'pending' | 'expired' };
  matchers: { name: string; value: string; isRegex: boolean; isEqual?: boolean }[];
  createdBy: string;
  comment: string;
  startsAt: string;
  endsAt: string;
}

export interface PrivateAlertmanager {
  url: string;
  /** POST /api/v2/alerts, as Prometheus sends them. */
  postAlerts(alerts: PostedAlert[]): Promise<void>;
  silences(): Promise<Silence[]>;
  close(): Promise<void>;
}

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
 * An Alertmanager of the test's own (config and data in a temp dir, a free port, no clustering), routing
 * every alert to `webhookUrl` with `token` as its bearer token, grouped by alertname and namespace with
 * group_wait and group_interval of 1 s so a test sees the first notification and each change quickly.
 */
export async function startAlertmanager(options: { webhookUrl: string; token: string }): Promise<PrivateAlertmanager> {
  const dir = await mkdtemp(join(tmpdir(), 'carbon-alertmanager-'));
  await writeFile(join(dir, 'token'), options.token, { mode: 0o600 });
  const config = {
    route: {
      receiver: 'carbon-ops',
      group_by: ['alertname', 'namespace'],
      group_wait: '1s',
      group_interval: '1s',
      repeat_interval: '1h',
    },
    receivers: [
      {
        name: 'carbon-ops',
        webhook_configs: [
          {
            url: options.webhookUrl,
            send_resolved: true,
            http_config: { authorization: { type: 'Bearer', credentials_file: join(dir, 'token') } },
          },
        ],
      },
    ],
  };
  await writeFile(join(dir, 'alertmanager.yml'), stringify(config));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const output: string[] = [];
  const child: ChildProcess = spawn(
    alertmanagerBinary(),
    [
      `--config.file=${join(dir, 'alertmanager.yml')}`,
      `--storage.path=${join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--cluster.listen-address=',
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
    await until('Alertmanager to be ready', async () => {
      if (child.exitCode !== null) throw new Error(`alertmanager exited ${child.exitCode}: ${output.join('')}`);
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
  return {
    url,
    async postAlerts(alerts) {
      const response = await fetch(`${url}/api/v2/alerts`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(alerts),
      });
      if (!response.ok) throw new Error(`POST /api/v2/alerts: ${response.status} ${await response.text()}`);
    },
    async silences() {
      const response = await fetch(`${url}/api/v2/silences`);
      return (await response.json()) as Silence[];
    },
    close,
  };
}
