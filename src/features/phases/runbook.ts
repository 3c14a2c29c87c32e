import type { TaskBase } from './plan.js';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { UserError } from '../../errors.js';
import { taskId } from './fields.js';
import { ManifestCache } from './manifests.js';
import { kindOf, TASK_KINDS, TASKS, type Task } from './tasks/table.js';
import type { TaskKindName } from './plan.js';

/**
 * The phase runbooks (`runbooks/phase-N.yaml`) as data: each phase a title and an ordered list of tasks,
 * each task exactly one of `apply` (manifests under manifests/phases, optionally a selection of their
 * objects), `check` (a condition of the cluster), `cleanup` (failed pods named by selectors) or `job`
 * (another carbon-ops command run as a job, e.g. `bench kafka`). Each kind's part of the YAML is in its
 * file under tasks/. Everything is validated when loaded: an invalid runbook or manifest is reported
 * with its file and path, never half-used.
 */

const taskSchema = z
  .strictObject({
    id: taskId,
    title: z.string().min(1).max(120),
    /** Tasks of this phase that must be done first. */
    after: z.array(taskId).optional(),
    ...(Object.fromEntries(TASK_KINDS.map((k) => [k, TASKS[k].schema.optional()])) as {
      [K in TaskKindName]: z.ZodOptional<(typeof TASKS)[K]['schema']>;
    }),
  })
  .superRefine((task, ctx) => {
    const kinds = TASK_KINDS.filter((k) => task[k] !== undefined);
    if (kinds.length !== 1)
      ctx.addIssue({
        code: 'custom',
        message:
          `a task is exactly one of ${TASK_KINDS.join(', ')}; ` +
          `got ${kinds.length === 0 ? 'none' : kinds.join(' and ')}`,
      });
  });

const runbookSchema = z.strictObject({
  phase: z.number().int().min(1).max(99),
  title: z.string().min(1).max(60),
  summary: z.string().max(500).optional(),
  tasks: z.array(taskSchema).min(1).max(40),
});

export interface Runbook {
  phase: number;
  title: string;
  summary?: string;
  /** The file it was read from, for messages. */
  file: string;
  tasks: Task[];
}

/** The runbooks or a manifest are invalid: shown to the user as is (with every problem found). */
export class RunbookError extends UserError {}

/** All phases, in order. */
export class Runbooks {
  constructor(readonly phases: readonly Runbook[]) {}

  numbers(): number[] {
    return this.phases.map((p) => p.phase);
  }

  /** The phase, or a UserError naming the phases there are. */
  get(phase: number): Runbook {
    const found = this.phases.find((p) => p.phase === phase);
    if (found === undefined)
      throw new UserError(
        `There is no phase ${phase}: the runbooks define ${describeNumbers(this.numbers())} (\`/carbon phase list\`).`,
      );
    return found;
  }

  /** The tasks of `phase` to act on: all, or the one named (a UserError lists the ones there are). */
  tasks(runbook: Runbook, only?: string): Task[] {
    if (only === undefined) return runbook.tasks;
    const task = runbook.tasks.find((t) => t.id === only);
    if (task === undefined)
      throw new UserError(
        `Phase ${runbook.phase} has no task \`${only}\`. ` +
          `Its tasks: ${runbook.tasks.map((t) => `\`${t.id}\``).join(', ')}.`,
      );
    return [task];
  }
}

export function describeNumbers(numbers: readonly number[]): string {
  if (numbers.length === 0) return 'no phases';
  const sorted = [...numbers].sort((a, b) => a - b);
  const contiguous = sorted.every((n, i) => i === 0 || n === sorted[i - 1]! + 1);
  return contiguous && sorted.length > 2
    ? `phases ${sorted[0]}–${sorted.at(-1)}`
    : `phase${sorted.length > 1 ? 's' : ''} ${sorted.join(', ')}`;
}

export interface RunbookPaths {
  /** Where phase-N.yaml live. */
  runbooksDir: string;
  /** Where the manifests they name live (manifests/phases). */
  manifestsDir: string;
}

export const DEFAULT_PATHS: RunbookPaths = { runbooksDir: 'runbooks', manifestsDir: 'manifests/phases' };

/**
 * Reads and validates every `phase-N.yaml` and the manifests they name. All problems are collected and
 * thrown together in one RunbookError, so a broken runbook is fixed in one go.
 */
export async function loadRunbooks(paths: RunbookPaths = DEFAULT_PATHS): Promise<Runbooks> {
  let files: string[];
  try {
    files = (await readdir(paths.runbooksDir)).filter((f) => /\.ya?ml$/.test(f)).sort(byPhaseNumber);
  } catch (error) {
    throw new RunbookError(`The phase runbooks cannot be read from ${paths.runbooksDir}/: ${(error as Error).message}`);
  }
  const problems: string[] = [];
  const manifests = new ManifestCache(paths.manifestsDir);
  const phases: Runbook[] = [];
  for (const name of files) {
    const file = join(paths.runbooksDir, name);
    const runbook = await loadOne(file, name, manifests, problems);
    if (runbook !== undefined) phases.push(runbook);
  }
  const seen = new Map<number, string>();
  for (const p of phases) {
    const other = seen.get(p.phase);
    if (other !== undefined) problems.push(`${p.file}: phase ${p.phase} is also defined in ${other}`);
    seen.set(p.phase, p.file);
  }
  if (files.length === 0) problems.push(`${paths.runbooksDir}/ holds no phase-N.yaml files`);
  if (problems.length > 0)
    throw new RunbookError(`The phase runbooks are invalid:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  return new Runbooks(phases.sort((a, b) => a.phase - b.phase));
}

const byPhaseNumber = (a: string, b: string) =>
  Number(/\d+/.exec(a)?.[0] ?? 0) - Number(/\d+/.exec(b)?.[0] ?? 0) || a.localeCompare(b);

async function loadOne(
  file: string,
  name: string,
  manifests: ManifestCache,
  problems: string[],
): Promise<Runbook | undefined> {
  const fileNumber = /^phase-(\d+)\.ya?ml$/.exec(name)?.[1];
  if (fileNumber === undefined) {
    problems.push(`${file}: runbook files are named phase-N.yaml`);
    return undefined;
  }
  let doc: unknown;
  try {
    doc = parseYaml(await readFile(file, 'utf8'));
  } catch (error) {
    problems.push(`${file}: not valid YAML: ${(error as Error).message.split('\n')[0]}`);
    return undefined;
  }
  const parsed = runbookSchema.safeParse(doc);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) problems.push(`${file}: ${where(issue.path, doc)}: ${issue.message}`);
    return undefined;
  }
  const data = parsed.data;
  const before = problems.length;
  if (data.phase !== Number(fileNumber))
    problems.push(`${file}: says phase ${data.phase}, but the file is named for phase ${fileNumber}`);

  const tasks: Task[] = [];
  const ids = new Set<string>();
  for (const [index, raw] of data.tasks.entries()) {
    const at = `${file}: tasks[${index}] (${raw.id})`;
    if (ids.has(raw.id)) problems.push(`${at}: the id is used twice`);
    for (const dependency of raw.after ?? []) {
      if (!ids.has(dependency)) problems.push(`${at}: after: \`${dependency}\` is not an earlier task of this phase`);
    }
    ids.add(raw.id);
    const base: TaskBase = { id: raw.id, title: raw.title, after: raw.after ?? [] };
    const task = await resolveTask(raw, base, at, manifests, problems);
    if (task !== undefined) tasks.push(task);
  }
  if (problems.length > before) return undefined;
  return {
    phase: data.phase,
    title: data.title,
    ...(data.summary !== undefined ? { summary: data.summary.trim() } : {}),
    file,
    tasks,
  };
}

/** The task a raw task of the YAML is, resolved by its kind (manifests read, the command parsed). */
async function resolveTask(
  raw: z.infer<typeof taskSchema>,
  base: TaskBase,
  at: string,
  manifests: ManifestCache,
  problems: string[],
): Promise<Task | undefined> {
  const kind = TASK_KINDS.find((k) => raw[k] !== undefined)!;
  return kindOf({ kind }).resolve(raw[kind], base, at, manifests, problems);
}

/** A zod issue path as a reader finds it: `tasks[2] (pdbs).apply.manifests[0]`. */
function where(path: readonly PropertyKey[], doc: unknown): string {
  if (path.length === 0) return '(the file)';
  let out = '';
  let node: unknown = doc;
  for (const key of path) {
    if (typeof key === 'number') {
      out += `[${key}]`;
      node = Array.isArray(node) ? node[key] : undefined;
      const id = (node as { id?: unknown } | undefined)?.id;
      if (typeof id === 'string') out += ` (${id})`;
    } else {
      out += `${out === '' ? '' : '.'}${String(key)}`;
      node = node !== null && typeof node === 'object' ? (node as Record<string, unknown>)[String(key)] : undefined;
    }
  }
  return out;
}
