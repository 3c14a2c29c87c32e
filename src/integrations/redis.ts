import { Redis, ReplyError } from 'ioredis';
import type { Logger } from '../log.js';

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

/**
 * What BullMQ's production advice (docs.bullmq.io/guide/going-to-production) asks of the Redis it runs
 * on, checked on `redis`: `maxmemory-policy noeviction` (any other policy may evict queued jobs under
 * memory pressure) and persistence, AOF or RDB snapshots (without it a restart loses every queued job
 * and the job schedulers: the approvals sweep then recovers approved requests, but nothing else comes
 * back). Each finding is one sentence for the log and /readyz; none when all is well. Managed Redis
 * often refuses CONFIG GET: that is one finding too, "could not check". Rejects only when Redis does
 * not answer at all.
 */
export async function redisSetupWarnings(redis: Redis): Promise<string[]> {
  let policy: string, appendonly: string, save: string;
  try {
    [policy, appendonly, save] = await Promise.all([
      configGet(redis, 'maxmemory-policy'),
      configGet(redis, 'appendonly'),
      configGet(redis, 'save'),
    ]);
  } catch (error) {
    if (!(error instanceof ReplyError)) throw error;
    return [
      `could not check Redis' maxmemory-policy and persistence (CONFIG GET refused: ${(error as Error).message}); ` +
        'make sure it evicts nothing (noeviction) and persists (AOF or RDB snapshots), as BullMQ needs',
    ];
  }
  const warnings: string[] = [];
  if (policy !== 'noeviction')
    warnings.push(
      `Redis maxmemory-policy is ${policy}, not noeviction: under memory pressure it may evict queued jobs`,
    );
  if (appendonly !== 'yes' && save.trim() === '')
    warnings.push(
      'Redis persists nothing (appendonly no, no RDB save points): a restart loses the queued jobs and ' +
        'the schedules (approved requests are recovered by the approvals sweep; anything else is asked again)',
    );
  return warnings;
}

/** One CONFIG GET: ioredis answers [name, value], or [] when Redis does not know the setting. */
async function configGet(redis: Redis, name: string): Promise<string> {
  const reply = (await redis.config('GET', name)) as string[];
  return reply[1] ?? '';
}

/**
 * Checks `redis`' setup (redisSetupWarnings) each time the connection is ready (at start and after
 * every reconnect: the Redis behind the address may have been replaced), logs what falls short as a
 * warning, and keeps it for /readyz's detail.
 */
export function watchRedisSetup(redis: Redis, log: Logger): { warnings(): readonly string[]; stop(): void } {
  let current: readonly string[] = [];
  const check = () => {
    redisSetupWarnings(redis).then(
      (warnings) => {
        current = warnings;
        for (const warning of warnings) log.warn({ redis: 'setup' }, warning);
        log.info({ warnings: warnings.length }, 'Redis setup checked');
      },
      () => undefined, // Redis went away again: the next 'ready' checks
    );
  };
  if (redis.status === 'ready') check();
  return { warnings: () => current, stop: onReady(redis, check) };
}

/**
 * Calls `then` each time `redis` (re)connects and is ready; returns the unsubscribe. For what lives in
 * Redis and must be there again after a restart that lost it (the job schedulers).
 */
export function onReady(redis: Redis, then: () => void): () => void {
  redis.on('ready', then);
  return () => void redis.off('ready', then);
}
