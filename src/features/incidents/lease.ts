import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Logger } from '../../log.js';
import { describeError } from './pod-stream.js';

/** Extends the lease only while this holder still has it (a Lua script: GET and PEXPIRE in one step). */
const RENEW = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) else return 0 end`;
/** Gives it up only if it is still this holder's. */
const RELEASE = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) else return 0 end`;

export interface Leadership {
  /** Whether this process holds the lease now. */
  readonly leading: boolean;
  /** Stops trying, gives the lease up if held (`onLose` runs first). */
  stop(): Promise<void>;
}

/**
 * One leader among the workers, by a lease in Redis: `SET key holder NX PX ttl`, renewed every third of the
 * ttl while held. A holder that cannot renew (Redis unreachable, the lease taken after a pause longer than
 * the ttl) stops leading at once, so two leaders overlap at most until the old one's next renewal; what the
 * leader does must still tolerate that overlap (the pod watch claims each post in Redis).
 */
export function holdLease(
  redis: Redis,
  key: string,
  ttlMs: number,
  hooks: { onLead(): void; onLose(): Promise<void> | void; log: Logger },
): Leadership {
  const holder = randomBytes(8).toString('hex');
  let leading = false;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  const lose = async (why: string): Promise<void> => {
    if (!leading) return;
    leading = false;
    hooks.log.info({ lease: key, why }, 'pod watch: no longer leading');
    await hooks.onLose();
  };
  const tick = async (): Promise<void> => {
    try {
      if (leading) {
        const renewed = await redis.eval(RENEW, 1, key, holder, ttlMs);
        if (renewed !== 1) await lose('the lease was taken');
      } else if ((await redis.set(key, holder, 'PX', ttlMs, 'NX')) === 'OK') {
        if (stopped) return void (await redis.eval(RELEASE, 1, key, holder)); // stopped meanwhile: not ours to keep
        leading = true;
        hooks.log.info({ lease: key }, 'pod watch: leading');
        hooks.onLead();
      }
    } catch (error) {
      hooks.log.warn({ err: describeError(error) }, 'pod watch: lease not renewed');
      await lose('Redis did not answer').catch((failure: unknown) =>
        hooks.log.warn({ err: describeError(failure) }, 'pod watch: not stopped cleanly'),
      );
    } finally {
      // Always again (unless stopped): a throw from onLose or onLead must not end the lease's loop.
      if (!stopped) timer = setTimeout(() => void tick(), leading ? ttlMs / 3 : ttlMs / 2);
    }
  };
  void tick();
  return {
    get leading() {
      return leading;
    },
    async stop() {
      stopped = true;
      clearTimeout(timer);
      const held = leading;
      await lose('stopping');
      if (held) await redis.eval(RELEASE, 1, key, holder).catch(() => undefined);
    },
  };
}
