import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

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
