import { z } from 'zod';
import { BASELINE_WORDS } from '../../bench/store.js';
import { count, fail, pass, type CheckKind } from './kind.js';

const schema = z.strictObject({ minRecordsPerSec: z.number().positive() });

/** The latest stored Kafka benchmark run reached this many records/sec. */
export type KafkaBaseline = { kind: 'kafkaBaseline' } & z.infer<typeof schema>;

export const kafkaBaseline: CheckKind<KafkaBaseline> = {
  kind: 'kafkaBaseline',
  schema,
  describe: (check) =>
    `the latest Kafka benchmark with the baseline's parameters (${BASELINE_WORDS}) ` +
    `against KAFKA_BROKERS reached ${count(check.minRecordsPerSec)} records/sec`,
  async evaluate(check, { config, store, cluster }) {
    // Only a run like the baseline's (BASELINE_PARAMS) against the configured brokers compares with it.
    const brokers = config.KAFKA_BROKERS;
    const latest = await store.benchmarks.latestBaseline(brokers, { cluster: cluster.name });
    if (latest === undefined)
      return fail(
        `no Kafka benchmark with the baseline's parameters (${BASELINE_WORDS}) ` +
          `against ${brokers.join(',')} is stored yet: run \`/carbon bench kafka\``,
      );
    const at = latest.startedAt.toISOString().slice(0, 16).replace('T', ' ');
    const summary =
      `run #${latest.id} at ${at} UTC${latest.jobId ? ` (job ${latest.jobId})` : ''}, ` +
      `${BASELINE_WORDS}, against ${latest.brokers.join(',')}: ` +
      `${count(Math.round(latest.recordsPerSec))} records/sec, ${latest.mbPerSec.toFixed(2)} MB/sec`;
    return latest.recordsPerSec >= check.minRecordsPerSec
      ? pass(`${summary} ≥ ${count(check.minRecordsPerSec)}`)
      : fail(`${summary} < ${count(check.minRecordsPerSec)}`);
  },
};
