import { execFileSync } from 'node:child_process';
import { Redis } from 'ioredis';
import pg from 'pg';

/**
 * The integration tier runs against real servers. If one is missing the run fails here, loudly,
 * with what to do: a test never skips silently because a dependency is down.
 */
export default async function globalSetup(): Promise<void> {
  // Jest loads this file outside its module mapper, so it cannot import test/support: same default as there.
  const ADMIN_URL = process.env.TEST_DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';
  const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
  const redis = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  try {
    await redis.connect();
    await redis.ping();
  } catch (error) {
    throw new Error(
      `Integration tests need Redis at ${redisUrl}: ${(error as Error).message}. Start it (.ci/run shows how).`,
    );
  } finally {
    redis.disconnect();
  }

  const client = new pg.Client({ connectionString: ADMIN_URL, connectionTimeoutMillis: 5_000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
  } catch (error) {
    throw new Error(
      `Integration tests need PostgreSQL at ${ADMIN_URL}: ${(error as Error).message}. Start it or set TEST_DATABASE_URL.`,
    );
  } finally {
    await client.end().catch(() => undefined);
  }

  // Kafka: started by scripts/kafka.sh if not already running (idempotent; fails loudly with the broker's log),
  // on KAFKA_PORT or a free port it picks. The tests use KAFKA_BROKERS, else the address it prints last.
  const started = execFileSync('bash', ['scripts/kafka.sh', 'start'], {
    stdio: ['ignore', 'pipe', 'inherit'],
    encoding: 'utf8',
    timeout: 600_000,
  });
  process.env.KAFKA_BROKERS ??= started.trim().split('\n').at(-1);
}
