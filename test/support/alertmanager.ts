import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { debianBinary, startServerProcess } from './server-process.js';

/**
 * A real Alertmanager from Debian's `prometheus-alertmanager` package (.ci/run installs it):
 * ALERTMANAGER_BIN when set, else /usr/bin/prometheus-alertmanager, else the PATH.
 */
export const alertmanagerBinary = (): string =>
  debianBinary({
    envVar: 'ALERTMANAGER_BIN',
    paths: ['/usr/bin/prometheus-alertmanager', '/usr/bin/alertmanager'],
    names: ['prometheus-alertmanager', 'alertmanager'],
    install: 'prometheus-alertmanager',
  });

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

/**
 * An Alertmanager of the test's own (config and data in a temp dir, a free port, no clustering), routing
 * every alert to `webhookUrl` with `token` as its bearer token, grouped by alertname and namespace with
 * group_wait and group_interval of 1 s so a test sees the first notification and each change quickly.
 */
export async function startAlertmanager(options: { webhookUrl: string; token: string }): Promise<PrivateAlertmanager> {
  const { url, close } = await startServerProcess({
    name: 'alertmanager',
    binary: alertmanagerBinary(),
    prepare: async (dir) => {
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
    },
    args: (dir, listen) => [
      `--config.file=${join(dir, 'alertmanager.yml')}`,
      `--storage.path=${join(dir, 'data')}`,
      `--web.listen-address=${listen}`,
      '--cluster.listen-address=',
      '--log.level=warn',
    ],
  });
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
