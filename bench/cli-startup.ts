// How long a `carbon` command takes to answer, against `node -e 0` (Node starting and exiting) in the same run.
// Run: npx tsx bench/cli-startup.ts [repetitions, default 5]
//
// Each side is a fresh process, spawned from here; its clock runs from spawn to exit (`--help`, `run "help"`), or to
// the shell's first prompt (`start`: the prompt is shown, then `/quit` sent). The sides alternate round by round,
// after one round not counted (the disk cache). On a shared machine the wall clocks swing with the load: the ratio
// of each median to `node -e 0`'s median, measured in the same run, is the fair figure.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureFreshDist } from '../bin/fresh-dist.js';
import { alternated, machine, median, medianAndRange } from './support/figures.js';

const REPEAT = Number(process.argv[2] ?? 5);

/** GNU time, if installed: the CPU time (user + system) of the process and its children, to their exit. */
const TIME = '/usr/bin/time';
const scratch = mkdtempSync(join(tmpdir(), 'cli-startup-'));
const cpuFile = join(scratch, 'cpu');

interface Run {
  /** Milliseconds from spawn to exit, or to the first prompt. */
  wall: number;
  /** CPU milliseconds (user + system) to exit, NaN without GNU time. */
  cpu: number;
}

/** One run of `command`: to exit, or to the first shell prompt if `prompt` (then /quit); fails on a non-zero exit. */
function timed(command: string, args: string[], prompt = false): () => Promise<Run> {
  const [file, argv] = existsSync(TIME) ? [TIME, ['-f', '%U %S', '-o', cpuFile, command, ...args]] : [command, args];
  const cpu = () => {
    if (!existsSync(TIME)) return Number.NaN;
    const [user, system] = readFileSync(cpuFile, 'utf8').trim().split('\n').at(-1)!.split(' ').map(Number);
    return (user! + system!) * 1000;
  };
  return () =>
    new Promise((resolve, reject) => {
      const start = performance.now();
      const child = spawn(file, argv, { stdio: ['pipe', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      let prompted: number | undefined;
      child.stdout.on('data', (chunk: Buffer) => {
        stdout += chunk.toString();
        if (prompt && prompted === undefined && /\S+@\S+> $/.test(stdout)) {
          prompted = performance.now() - start;
          child.stdin.end('/quit\n');
        }
      });
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      if (!prompt) child.stdin.end();
      child.on('exit', (code) => {
        const elapsed = prompted ?? performance.now() - start;
        if (code === 0 && (!prompt || prompted !== undefined)) resolve({ wall: elapsed, cpu: cpu() });
        else reject(new Error(`${command} ${args.join(' ')}: exit ${code}\n${stdout.slice(-2000)}\n${stderr}`));
      });
    });
}

const SIDES = {
  'node -e 0': timed(process.execPath, ['-e', '0']),
  'carbon --help': timed(process.execPath, ['bin/carbon.js', '--help']),
  'carbon run "help"': timed(process.execPath, ['bin/carbon.js', 'run', 'help']),
  'carbon start (prompt)': timed(process.execPath, ['bin/carbon.js', 'start'], true),
  'npm start (prompt)': timed('npm', ['start'], true),
};

/** The targets of issue 12: a ratio to `node -e 0`, or a time to the first prompt on a quiet machine. */
const TARGETS: Record<string, { ratio?: number; ms?: number }> = {
  'carbon --help': { ratio: 3 },
  'carbon run "help"': { ratio: 6 },
  'npm start (prompt)': { ms: 1500 },
};

ensureFreshDist(process.cwd()); // a stale dist/ would be rebuilt inside the first timed run
const uptime = () => execFileSync('uptime', { encoding: 'utf8' }).trim();
console.log(machine());
console.log(`uptime before: ${uptime()}`);
await alternated(SIDES, 1); // warm-up, not counted
const results = await alternated(SIDES, REPEAT);
console.log(`uptime after:  ${uptime()}\n`);

rmSync(scratch, { recursive: true, force: true });

const walls = (name: string) => results[name]!.map((r) => r.wall);
const cpus = (name: string) => results[name]!.map((r) => r.cpu);
const base = median(walls('node -e 0'));
const cpuBase = median(cpus('node -e 0'));
const ms = (x: number) => `${x.toFixed(0)} ms`;
console.log(
  `${'side'.padEnd(24)}${'wall clock: median (min–max, runs)'.padEnd(38)}× node -e 0   ` +
    `${'CPU to exit: median'.padEnd(21)}× node -e 0   target`,
);
for (const name of Object.keys(results)) {
  const times = walls(name);
  const ratio = median(times) / base;
  const cpu = median(cpus(name));
  const target = TARGETS[name];
  const verdict =
    target?.ratio !== undefined
      ? `≤ ${target.ratio}×: ${ratio <= target.ratio ? 'met' : 'NOT met'}`
      : target?.ms !== undefined
        ? `≤ ${ms(target.ms)} on a quiet machine: ${median(times) <= target.ms ? 'met' : 'NOT met here'}`
        : '';
  console.log(
    `${name.padEnd(24)}${medianAndRange(times, ms).padEnd(38)}${`${ratio.toFixed(1)}×`.padEnd(13)}` +
      `${ms(cpu).padEnd(21)}${`${(cpu / cpuBase).toFixed(1)}×`.padEnd(13)}${verdict}`,
  );
}
console.log(
  '\nClocks: spawn to exit; (prompt): spawn to the shell prompt, before any connection (start then opens the demo' +
    '\nbehind the prompt, for the pod watch). npm start adds npm itself to carbon start.' +
    '\nCPU: user + system of the process and its children to their exit (GNU time), less swayed by the load; for' +
    "\nstart it includes the demo's start behind the prompt (the cluster, the embedded PostgreSQL, a worker).",
);
