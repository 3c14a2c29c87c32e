import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { until } from './until.js';

/** A free TCP port on 127.0.0.1 (asked of the kernel, then released for whoever takes it next). */
export function freePort(port = 0): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      const { port: bound } = server.address() as { port: number };
      server.close(() => resolve(bound));
    });
  });
}

/**
 * A real server binary from a Debian package (.ci/run installs them): `$envVar` when set, else the first of
 * `paths` that exists, else the first of `names` on the PATH.
 */
export function debianBinary(o: { envVar: string; paths: string[]; names: string[]; install: string }): string {
  const fromEnv = process.env[o.envVar];
  if (fromEnv !== undefined && fromEnv !== '') return fromEnv;
  for (const path of o.paths) if (existsSync(path)) return path;
  const lookup = o.names.map((n) => `command -v ${n}`).join(' || ');
  const found = spawnSync('sh', ['-c', lookup], { encoding: 'utf8' }).stdout.trim();
  if (found === '') throw new Error(`${o.names[0]} not found: apt-get install -y ${o.install} (or set ${o.envVar})`);
  return found;
}

export interface ServerProcess {
  /** http://127.0.0.1:PORT */
  url: string;
  /** Stops the server and removes its folder. */
  close(): Promise<void>;
}

/**
 * A server of the test's own (Prometheus, Alertmanager: the same flags and /-/ready): `prepare` writes its
 * config into a temp folder, then it is started on a free port and resolves once /-/ready answers 200.
 */
export async function startServerProcess(o: {
  name: string;
  binary: string;
  prepare: (dir: string) => Promise<void>;
  args: (dir: string, listen: string) => string[];
}): Promise<ServerProcess> {
  const dir = await mkdtemp(join(tmpdir(), `carbon-${o.name}-`));
  await o.prepare(dir);
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const output: string[] = [];
  const child: ChildProcess = spawn(o.binary, o.args(dir, `127.0.0.1:${port}`), {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.on('data', (chunk: Buffer) => output.push(chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => output.push(chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const close = async () => {
    if (child.exitCode === null) child.kill('SIGTERM');
    await exited;
    await rm(dir, { recursive: true, force: true });
  };
  try {
    await until(`${o.name} to be ready`, async () => {
      if (child.exitCode !== null) throw new Error(`${o.name} exited ${child.exitCode}: ${output.join('')}`);
      const status = await fetch(`${url}/-/ready`).then(
        (r) => r.status,
        () => 0,
      );
      return status === 200 ? true : undefined;
    });
  } catch (error) {
    await close();
    throw error;
  }
  return { url, close };
}
