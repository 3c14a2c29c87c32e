import { Redis } from 'ioredis';

/**
 * Workers block on Redis and must wait out outages (`maxRetriesPerRequest: null`, as BullMQ requires);
 * producers, which answer a person in Slack, must fail fast instead (`enableOfflineQueue: false`).
 */
export function redisConnection(url: string, role: 'worker' | 'producer'): Redis {
  const redis = new Redis(url, {
    maxRetriesPerRequest: role === 'worker' ? null : 1,
    enableOfflineQueue: role === 'worker',
    connectTimeout: 5_000,
    // Workers block on Redis for minutes by design (BullMQ's blocking pops); a producer's command may not.
    ...(role === 'producer' ? { commandTimeout: 5_000 } : {}),
    retryStrategy: (times) => Math.min(times * 200, 2_000),
  });
  redis.on('error', () => undefined); // reconnects by itself; callers see failures on their own commands
  return redis;
}

/** Resolves once the connection is ready, or rejects after `timeoutMs`. */
export async function whenReady(redis: Redis, timeoutMs = 5_000): Promise<void> {
  if (redis.status === 'ready') return;
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      redis.off('ready', onReady);
      reject(new Error(`Redis did not answer within ${timeoutMs / 1000} s`));
    }, timeoutMs);
    const onReady = () => {
      clearTimeout(timer);
      resolve();
    };
    redis.once('ready', onReady);
  });
}
