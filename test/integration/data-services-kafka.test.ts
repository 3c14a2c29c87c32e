import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFile, rm } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { Kafka, logLevel, type Admin } from 'kafkajs';
import { Catalogue } from '../../src/catalogue.js';
import { loadConfig } from '../../src/config.js';
import type { DataCheck } from '../../src/features/health/data-services/check.js';
import { measureDataServices, withDataChecks } from '../../src/features/health/data-services/measure.js';
import type { Kube } from '../../src/integrations/kubernetes.js';
import { PROCESS_WAIT_MS, until } from '../support/until.js';

/**
 * The Kafka check against a real 3-broker KRaft cluster of its own (started once for this file, stopped in
 * afterAll): healthy, then one broker killed, which leaves it answering 2 of 3 with under-replicated partitions
 * and turns the critical kafka service ❌ although its pods are ready.
 */

const run = promisify(execFile);
const KAFKA_SH = fileURLToPath(new URL('../../scripts/kafka.sh', import.meta.url));
const name = `health-${process.pid}-${randomBytes(3).toString('hex')}`;
const runDir = fileURLToPath(new URL(`../../.cache/kafka/run/${name}`, import.meta.url));
const { KAFKA_PORT: _port, ...env } = process.env;
const kafkaSh = (...args: string[]) =>
  run('bash', [KAFKA_SH, ...args, '--name', name], { env, timeout: PROCESS_WAIT_MS });

const TOPIC = 'orders';
const GROUP = 'carbon-health-test';
let bootstrap = '';
let admin: Admin;

beforeAll(async () => {
  const { stdout } = await kafkaSh('start', '--brokers', '3');
  bootstrap = stdout.trim().split('\n').at(-1)!;
  expect(bootstrap.split(',')).toHaveLength(3);
  admin = new Kafka({
    clientId: 'carbon-health-test',
    brokers: bootstrap.split(','),
    logLevel: logLevel.NOTHING,
  }).admin();
  await admin.connect();
  await admin.createTopics({
    topics: [{ topic: TOPIC, numPartitions: 3, replicationFactor: 3 }],
    waitForLeaders: true,
  });
  const producer = new Kafka({
    clientId: 'carbon-health-test',
    brokers: bootstrap.split(','),
    logLevel: logLevel.NOTHING,
  }).producer();
  await producer.connect();
  await producer.send({ topic: TOPIC, acks: -1, messages: Array.from({ length: 9 }, (_, i) => ({ value: `m${i}` })) });
  await producer.disconnect();
  // A consumer group that committed offset 0 everywhere: its lag is every record of the topic.
  await admin.setOffsets({
    groupId: GROUP,
    topic: TOPIC,
    partitions: [0, 1, 2].map((p) => ({ partition: p, offset: '0' })),
  });
}, PROCESS_WAIT_MS * 2);

afterAll(async () => {
  await admin?.disconnect().catch(() => undefined);
  await kafkaSh('stop').catch(() => undefined);
  await rm(runDir, { recursive: true, force: true });
  await rm(`${runDir}.lock`, { force: true });
}, PROCESS_WAIT_MS);

async function kafkaCheck(): Promise<DataCheck> {
  const config = loadConfig({ KAFKA_BROKERS: bootstrap, DATA_CHECK_TIMEOUT_MS: '10000' });
  const catalogue = new Catalogue([
    {
      name: 'kafka',
      namespace: 'kafka',
      kind: 'statefulset',
      workload: 'kafka',
      critical: true,
      checks: [{ kind: 'kafka', cluster: 'default', consumerGroups: [GROUP] }],
    },
  ]);
  // Namespaced: no node resources, so the Kubernetes API is never asked.
  const [check] = await measureDataServices({ config, kube: undefined as unknown as Kube }, catalogue, 'kafka');
  return check!;
}

const podsUp = {
  name: 'kafka',
  namespace: 'kafka',
  workload: 'statefulset/kafka',
  critical: true,
  ready: 3,
  desired: 3,
  status: 'up' as const,
};

describe('the Kafka check on 3 brokers', () => {
  it('measures brokers, the controller, partitions, topics and the catalogue group’s lag', async () => {
    const check = await kafkaCheck();
    expect(check).toMatchObject({ kind: 'kafka', state: 'ok', source: `kafkajs admin, ${bootstrap}` });
    expect(check.summary).toMatch(
      new RegExp(
        `^3/3 brokers, controller \\d, 1 topic \\(\\d+ partitions with the internal ones\\), 0 offline, 0 under-replicated, ${GROUP} lag 9$`,
      ),
    );
  });

  it(
    'fails with one broker killed: 2 of 3 answering, partitions under-replicated, the service ❌',
    async () => {
      const pid = Number((await readFile(`${runDir}/node-3.pid`, 'utf8')).trim());
      process.kill(pid, 'SIGKILL'); // the broker this file started, by its pid
      const failed = await until(
        'the check to see the broker gone and the partitions under-replicated',
        async () => {
          const check = await kafkaCheck();
          // The ISR shrinks and the broker leaves the metadata on their own schedules: wait for both.
          const seen = check.problems ?? [];
          return seen.some((p) => p.includes('under-replicated')) && seen.includes('1 of 3 brokers not answering')
            ? check
            : undefined;
        },
        PROCESS_WAIT_MS,
      );
      expect(failed.state).toBe('failed');
      expect(failed.problems).toContain('1 of 3 brokers not answering');
      expect(failed.summary).toMatch(/^2\/3 brokers, /);
      const [kafka] = withDataChecks([podsUp], [failed]);
      expect(kafka!.status).toBe('down');
      expect(kafka!.failedChecks![0]).toMatch(/^kafka: 1 of 3 brokers not answering, \d+ under-replicated partitions?/);
    },
    PROCESS_WAIT_MS * 2,
  );
});
