import { describe, expect, it } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import { Kafka, logLevel } from 'kafkajs';
import { loadConfig } from '../../src/config.js';
import { benchTopic } from '../../src/features/bench/bench-kafka.js';
import type { JobContext } from '../../src/jobs/job.js';
import { REGISTRY } from '../../src/app/jobs.js';
import { StalledTooOften } from '../../src/jobs/registry.js';
import { silentLogger } from '../../src/log.js';
import { createTopic, kafkaBrokers } from '../support/kafka.js';

/** A benchmark whose worker died mid-run is not run again: it fails, and the topic the dead run made is deleted. */
describe('a stalled Kafka benchmark', () => {
  it('fails instead of running twice, and its topic is cleaned up', async () => {
    const jobId = `bench-stalled-${randomBytes(6).toString('hex')}`;
    const topic = benchTopic(jobId);
    const admin = new Kafka({ clientId: 'test', brokers: kafkaBrokers(), logLevel: logLevel.NOTHING }).admin();
    await admin.connect();
    try {
      await createTopic(admin, topic);
      let measured = false;
      const ctx = {
        jobId,
        data: {
          job: 'bench-kafka' as const,
          command: {
            name: 'bench',
            action: 'kafka',
            params: { records: 10, recordSize: 1024, throughput: -1, acks: -1, partitions: 1 },
          },
          requester: { user: 'U1', channel: 'C1' },
          reply: { channel: 'C1', ts: '1.1' },
        },
        deps: {
          config: loadConfig({ KAFKA_BROKERS: kafkaBrokers().join(',') }),
          queue: { queue: { getJob: async () => ({ stalledCounter: 1 }) } },
          store: { benchmarks: { exclusive: async () => void (measured = true) } },
        },
        log: silentLogger(),
        progress: async () => undefined,
      } as unknown as JobContext;
      await expect(REGISTRY.jobFor('bench-kafka')!.run(ctx)).rejects.toBeInstanceOf(StalledTooOften);
      expect(measured).toBe(false);
      expect(await admin.listTopics()).not.toContain(topic);
    } finally {
      await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
      await admin.disconnect();
    }
  });
});
