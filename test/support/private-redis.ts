import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { redisConnection, whenReady } from '../../src/integrations/redis.js';
import { EVENT_WAIT_MS } from './until.js';

/**
 * A redis-server of the test's own, to kill and start again or to set up unlike the shared one. It listens
 * on a Unix socket in a folder of its own, not on a TCP port: while it is down, nothing else on the machine
 * (another copy of the suite) can take its address. Its `url` is the socket path, which ioredis takes where
 * it takes a URL (set it on the config after loadConfig: the settings' schema wants redis://).
 */
export class PrivateRedis {
  private server: ChildProcess | undefined;
  private dir = '';

  /** `settings`: redis-server's own options, e.g. ['--save', '', '--appendonly', 'no'] (no persistence). */
  constructor(private readonly settings: string[] = ['--save', '', '--appendonly', 'no']) {}

  get url(): string {
    return join(this.dir, 'redis.sock');
  }

  /** Starts it (again, after kill(): with no persistence, empty) and resolves once it answers. */
  async start(): Promise<this> {
    if (this.dir === '') this.dir = await mkdtemp(join(tmpdir(), 'carbon-redis-'));
    this.server = spawn(
      'redis-server',
      ['--port', '0', '--unixsocket', this.url, '--dir', this.dir, ...this.settings],
      { stdio: 'ignore' },
    );
    const probe = redisConnection(this.url, 'producer');
    try {
      await whenReady(probe, EVENT_WAIT_MS);
    } finally {
      probe.disconnect();
    }
    return this;
  }

  /** SIGKILL, as a crashed or evicted Redis pod: whatever it did not persist is gone. */
  kill(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server || server.exitCode !== null || server.signalCode !== null) return Promise.resolve();
    return new Promise((resolve) => {
      server.once('exit', () => resolve());
      server.kill('SIGKILL');
    });
  }

  async close(): Promise<void> {
    await this.kill();
    if (this.dir) await rm(this.dir, { recursive: true, force: true });
  }
}
