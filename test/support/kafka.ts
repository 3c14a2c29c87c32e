import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Admin } from 'kafkajs';
import { until } from './until.js';

/** Where scripts/kafka.sh writes the bootstrap address of this checkout's cluster once it has started. */
const BOOTSTRAP_FILE = fileURLToPath(new URL('../../.cache/kafka/run/default/bootstrap', import.meta.url));

/**
 * The Kafka cluster the integration tests use: `KAFKA_BROKERS` (comma-separated), else this checkout's
 * cluster as scripts/kafka.sh started it (on a port of its choosing: other checkouts run their own).
 */
export function kafkaBrokers(env: NodeJS.ProcessEnv = process.env): string[] {
  return (env.KAFKA_BROKERS ?? startedBootstrap() ?? '127.0.0.1:9092')
    .split(',')
    .map((b) => b.trim())
    .filter((b) => b.length > 0);
}

function startedBootstrap(): string | undefined {
  try {
    return readFileSync(BOOTSTRAP_FILE, 'utf8').trim() || undefined;
  } catch {
    return undefined;
  }
}

/**
 * Creates `topic` (one partition) and waits until it has a leader. kafkajs's own `waitForLeaders` retries
 * only LEADER_NOT_AVAILABLE, but a KRaft broker may first answer UNKNOWN_TOPIC_OR_PARTITION about a topic
 * it has just created (more often on a loaded machine): that is waited out too.
 */
export async function createTopic(admin: Admin, topic: string): Promise<void> {
  await admin.createTopics({ topics: [{ topic, numPartitions: 1, replicationFactor: 1 }], waitForLeaders: false });
  await until(`a leader for topic ${topic}`, async () => {
    try {
      const [found] = (await admin.fetchTopicMetadata({ topics: [topic] })).topics;
      return found?.partitions.length === 1 && found.partitions.every((p) => p.leader >= 0) ? true : undefined;
    } catch {
      return undefined; // not in the metadata yet
    }
  });
}
