import { spawn, type ChildProcess } from 'node:child_process';
import { EVENT_WAIT_MS, PROCESS_WAIT_MS } from './until.js';

/** A real `node bin/carbon.js …` process, its output kept for assertions and for the failure message. */
export class CarbonProcess {
  readonly child: ChildProcess;
  stdout = '';
  stderr = '';
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;

  constructor(args: string[], env: NodeJS.ProcessEnv) {
    // The child is not a Jest process: it needs none of Jest's NODE_OPTIONS.
    const { NODE_OPTIONS: _options, ...rest } = process.env;
    this.child = spawn(process.execPath, ['bin/carbon.js', ...args], {
      env: { ...rest, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child.stdout!.on('data', (chunk: Buffer) => (this.stdout += chunk.toString()));
    this.child.stderr!.on('data', (chunk: Buffer) => (this.stderr += chunk.toString()));
    this.exited = new Promise((resolve) => this.child.once('exit', (code, signal) => resolve({ code, signal })));
  }

  /** Resolves when stdout or stderr matches; rejects on timeout or exit, with the output so far. */
  async waitFor(pattern: RegExp, timeoutMs = EVENT_WAIT_MS): Promise<RegExpMatchArray> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const match = pattern.exec(this.stdout) ?? pattern.exec(this.stderr);
      if (match) return match;
      if (this.child.exitCode !== null || this.child.signalCode !== null || Date.now() > deadline) {
        throw new Error(
          `${pattern} not seen (exit ${this.child.exitCode ?? this.child.signalCode})\nstdout:\n${this.stdout.slice(-3000)}\nstderr:\n${this.stderr.slice(-3000)}`,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  /** Its pino log lines, parsed. */
  logs(): { msg?: string; [key: string]: unknown }[] {
    return this.stderr
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as { msg?: string });
  }

  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill(signal);
    await this.exited;
  }
}

/** Runs `carbon …` to its end. */
export async function runCarbon(
  args: string[],
  env: NodeJS.ProcessEnv,
  timeoutMs = PROCESS_WAIT_MS,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const process = new CarbonProcess(args, env);
  const timer = setTimeout(() => process.child.kill('SIGKILL'), timeoutMs);
  const { code } = await process.exited;
  clearTimeout(timer);
  return { code, stdout: process.stdout, stderr: process.stderr };
}
