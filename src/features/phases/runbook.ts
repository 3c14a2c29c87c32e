import type { Command } from '../../contracts/commands.js';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse as parseYaml, parseAllDocuments } from 'yaml';
import { z } from 'zod';
import { CommandTable } from '../../commands/table.js';
import type { DataOf } from '../../contracts/jobs.js';
import { bench } from '../bench/command.js';
import { UserError } from '../../errors.js';

/**
 * The phase runbooks (`runbooks/phase-N.yaml`) as data: each phase a title and an ordered list of tasks,
 * each task exactly one of `apply` (manifests under manifests/phases, optionally a selection of their
 * objects), `check` (a condition of the cluster), `cleanup` (failed pods named by selectors) or `job`
 * (another carbon-ops command run as a job, e.g. `bench kafka`). Everything is validated when loaded:
 * an invalid runbook or manifest is reported with its file and path, never half-used.
 */

export const TASK_KINDS = ['apply', 'check', 'cleanup', 'job'] as const;

/** Commands a `job` task may run: ones that only measure or that carry their own safeguards. */
const TASK_COMMANDS = new CommandTable([bench]);

/** A Kubernetes object as written in a manifest. */
export interface ManifestObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; [key: string]: unknown };
  [key: string]: unknown;
}

/** An object of an apply task and where it was written. */
export interface PhaseObject {
  object: ManifestObject;
  /** The manifest file, relative to the manifests directory, e.g. `pdb.yaml`. */
  source: string;
}

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const namespace = z.string().max(63).regex(DNS_LABEL, 'a namespace name (lowercase letters, digits and -)');
const taskId = z.string().max(40).regex(DNS_LABEL, 'a task id (lowercase letters, digits and -, at most 40)');
/** A manifest file under the manifests directory: relative, no `..`, YAML. */
const manifestPath = z
  .string()
  .regex(/^[A-Za-z0-9_][-A-Za-z0-9_./]*\.ya?ml$/, 'a YAML file under manifests/phases, e.g. pdb.yaml')
  .refine((p) => !p.split('/').includes('..'), 'must stay under manifests/phases (no ..)');
const labelSelector = z
  .string()
  .trim()
  .min(1)
  .max(300)
  .regex(/^[-A-Za-z0-9_./=!,() ]+$/, 'a label selector such as app=harbor or job-name or "app in (a, b)"');

const selection = z.strictObject({
  /** Object kinds, e.g. [NetworkPolicy]. */
  kinds: z.array(z.string().min(1)).min(1).optional(),
  /** `name` or `namespace/name`. */
  names: z.array(z.string().min(1)).min(1).optional(),
  /** Labels every selected object carries. */
  labels: z.record(z.string(), z.string()).optional(),
});

const applySchema = z.strictObject({
  manifests: z.array(manifestPath).min(1),
  select: selection.optional(),
  /** Create objects that do not exist and leave existing ones alone (secret templates filled in later). */
  createOnly: z.boolean().default(false),
});

/** The conditions a check task can test. Exactly one per task. */
const checkSchemas = {
  /** The Certificates of these manifests all have Ready=True. */
  certificatesReady: z.strictObject({ manifests: z.array(manifestPath).min(1) }),
  /** Vault answers, initialized and unsealed (needs a configured Vault client). */
  vaultUnsealed: z.strictObject({}),
  /** At least `expect` pods matching the selector are Ready. */
  podsReady: z.strictObject({ namespace, selector: labelSelector, expect: z.number().int().min(1).max(1000) }),
  /** No pod (in the namespace, or anywhere) is in one of these states. */
  noProblemPods: z.strictObject({ namespace: namespace.optional(), reasons: z.array(z.string().min(1)).min(1) }),
  /** The latest stored Kafka benchmark run reached this many records/sec. */
  kafkaBaseline: z.strictObject({ minRecordsPerSec: z.number().positive() }),
  /** Every critical catalogue service running more than one replica is covered by a PodDisruptionBudget. */
  pdbsCoverCritical: z.strictObject({}),
  /** Each namespace has a ResourceQuota. */
  quotasPresent: z.strictObject({ namespaces: z.array(namespace).min(1) }),
  /** Platform health (ready ÷ (all − Succeeded)) is at least `pct`. */
  healthAtLeast: z.strictObject({ pct: z.number().min(0).max(100) }),
  /** Every critical catalogue service runs at least `min` replicas. */
  criticalReplicas: z.strictObject({ min: z.number().int().min(1).max(100) }),
  /** Every critical catalogue service is fully up (ready = desired). */
  criticalServicesUp: z.strictObject({}),
  /**
   * At least `minPct` % of the secret-looking ConfigMap keys are in Vault (`vault migrate`; the coverage `vault status`
   * shows).
   */
  secretsInVault: z.strictObject({ namespace: namespace.optional(), minPct: z.number().min(0).max(100) }),
  /** The objects of these manifests exist (applied by someone else, e.g. RBAC by a cluster admin). */
  manifestsPresent: z.strictObject({ manifests: z.array(manifestPath).min(1), select: selection.optional() }),
};
export const CHECK_KINDS = Object.keys(checkSchemas) as (keyof typeof checkSchemas)[];
export type CheckKind = keyof typeof checkSchemas;

const checkSchema = z
  .strictObject(
    Object.fromEntries(CHECK_KINDS.map((k) => [k, checkSchemas[k].optional()])) as {
      [K in CheckKind]: z.ZodOptional<(typeof checkSchemas)[K]>;
    },
  )
  .superRefine((value, ctx) => {
    const given = Object.keys(value).filter((k) => value[k as CheckKind] !== undefined);
    if (given.length !== 1)
      ctx.addIssue({
        code: 'custom',
        message:
          `name exactly one condition (${CHECK_KINDS.join(', ')}); ` +
          `got ${given.length === 0 ? 'none' : given.join(', ')}`,
      });
  });

const cleanupSchema = z.strictObject({
  /** Where to look and what for: failed pods matching the selector in the namespace. */
  targets: z.array(z.strictObject({ namespace, selector: labelSelector })).min(1),
  /** Refuse to delete more than this many pods in one run: a selector that matches too much is a mistake. */
  maxPods: z.number().int().min(1).max(200).default(25),
});

const jobSchema = z.strictObject({
  /** The command as typed after /carbon, e.g. `bench kafka`. */
  command: z.string().min(1).max(300),
});

const taskSchema = z
  .strictObject({
    id: taskId,
    title: z.string().min(1).max(120),
    /** Tasks of this phase that must be done first. */
    after: z.array(taskId).optional(),
    apply: applySchema.optional(),
    check: checkSchema.optional(),
    cleanup: cleanupSchema.optional(),
    job: jobSchema.optional(),
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

export type CheckSpec = { [K in CheckKind]: { kind: K } & z.infer<(typeof checkSchemas)[K]> }[CheckKind];

/** Check specs that name manifests get their objects resolved at load. */
export type ResolvedCheck = CheckSpec & { objects?: PhaseObject[] };

interface TaskBase {
  id: string;
  title: string;
  after: string[];
}

export type Task =
  | (TaskBase & { kind: 'apply'; manifests: string[]; objects: PhaseObject[]; createOnly: boolean })
  | (TaskBase & { kind: 'check'; check: ResolvedCheck })
  | (TaskBase & { kind: 'cleanup'; targets: { namespace: string; selector: string }[]; maxPods: number })
  | (TaskBase & { kind: 'job'; line: string; command: DataOf<'bench-kafka'>['command'] });

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

type RawTask = z.infer<typeof taskSchema>;

async function resolveTask(
  raw: RawTask,
  base: TaskBase,
  at: string,
  manifests: ManifestCache,
  problems: string[],
): Promise<Task | undefined> {
  if (raw.apply !== undefined) {
    const objects = await manifests.select(raw.apply.manifests, raw.apply.select, `${at}: apply`, problems);
    if (objects === undefined) return undefined;
    return { ...base, kind: 'apply', manifests: raw.apply.manifests, objects, createOnly: raw.apply.createOnly };
  }
  if (raw.cleanup !== undefined) {
    for (const target of raw.cleanup.targets) {
      if (/^\s*$|^[!,\s]*$/.test(target.selector))
        problems.push(`${at}: cleanup: the selector \`${target.selector}\` selects everything`);
    }
    return { ...base, kind: 'cleanup', targets: raw.cleanup.targets, maxPods: raw.cleanup.maxPods };
  }
  if (raw.job !== undefined) {
    const refused = `${at}: job: \`${raw.job.command}\` cannot run as a phase task (allowed: bench …)`;
    let command: Command;
    try {
      command = TASK_COMMANDS.parse(raw.job.command);
    } catch (error) {
      const verb = raw.job.command.trim().split(/\s+/)[0]?.toLowerCase();
      const known = TASK_COMMANDS.specs.some((spec) => spec.name === verb);
      problems.push(
        known ? `${at}: job: \`${raw.job.command}\` is not a carbon-ops command: ${(error as Error).message}` : refused,
      );
      return undefined;
    }
    if (command.name !== 'bench' || command.action !== 'kafka') {
      problems.push(refused);
      return undefined;
    }
    return { ...base, kind: 'job', line: raw.job.command.trim(), command };
  }
  const check = raw.check!;
  const kind = CHECK_KINDS.find((k) => check[k] !== undefined)!;
  const spec = { kind, ...check[kind] } as CheckSpec;
  if (spec.kind === 'certificatesReady' || spec.kind === 'manifestsPresent') {
    const select = spec.kind === 'certificatesReady' ? { kinds: ['Certificate'] } : spec.select;
    const objects = await manifests.select(spec.manifests, select, `${at}: check.${kind}`, problems);
    if (objects === undefined) return undefined;
    return { ...base, kind: 'check', check: { ...spec, objects } };
  }
  return { ...base, kind: 'check', check: spec };
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

/** Reads each manifest file once per load and checks every document is a Kubernetes object. */
class ManifestCache {
  private readonly files = new Map<string, Promise<PhaseObject[] | string[]>>();

  constructor(private readonly dir: string) {}

  /** The objects of `paths` that `select` picks, or undefined after recording the problems. */
  async select(
    paths: readonly string[],
    select: z.infer<typeof selection> | undefined,
    at: string,
    problems: string[],
  ): Promise<PhaseObject[] | undefined> {
    const objects: PhaseObject[] = [];
    let ok = true;
    for (const path of paths) {
      const loaded = await this.load(path);
      if (typeof loaded[0] === 'string') {
        for (const problem of loaded as string[]) problems.push(`${at}: ${problem}`);
        ok = false;
      } else {
        objects.push(...(loaded as PhaseObject[]));
      }
    }
    if (!ok) return undefined;
    const picked = objects.filter(({ object }) => selected(object, select));
    if (picked.length === 0) {
      problems.push(
        `${at}: selects no object of ${paths.join(', ')}${select ? ` (select: ${JSON.stringify(select)})` : ''}`,
      );
      return undefined;
    }
    for (const name of select?.names ?? []) {
      if (!picked.some(({ object }) => nameMatches(object, name)))
        problems.push(`${at}: select.names: no object \`${name}\` in ${paths.join(', ')}`);
    }
    const keys = new Set<string>();
    for (const { object, source } of picked) {
      const key = objectKey(object);
      if (keys.has(key)) problems.push(`${at}: ${key} appears twice (again in ${source})`);
      keys.add(key);
    }
    return problems.some((p) => p.startsWith(at)) ? undefined : picked;
  }

  private load(path: string): Promise<PhaseObject[] | string[]> {
    let loaded = this.files.get(path);
    if (loaded === undefined) {
      loaded = readManifest(join(this.dir, path), path);
      this.files.set(path, loaded);
    }
    return loaded;
  }
}

const manifestObject = z.looseObject({
  apiVersion: z.string().regex(/^([a-z0-9.-]+\/)?v\d+((alpha|beta)\d+)?$/, 'an apiVersion such as v1 or policy/v1'),
  kind: z.string().regex(/^[A-Z][A-Za-z0-9]*$/, 'a kind such as PodDisruptionBudget'),
  metadata: z.looseObject({
    name: z
      .string()
      .max(253)
      .regex(/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/, 'a Kubernetes object name'),
    namespace: namespace.optional(),
    labels: z.record(z.string(), z.string()).optional(),
  }),
});

/** One manifest file → its objects, or the problems found (file, document number, path). */
export async function readManifest(file: string, source: string): Promise<PhaseObject[] | string[]> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    return [`manifest ${file} does not exist or cannot be read`];
  }
  const problems: string[] = [];
  const objects: PhaseObject[] = [];
  for (const [index, doc] of parseAllDocuments(text).entries()) {
    const label = `${file}, document ${index + 1}`;
    if (doc.errors.length > 0) {
      problems.push(`${label}: not valid YAML: ${doc.errors[0]!.message.split('\n')[0]}`);
      continue;
    }
    const value: unknown = doc.toJS();
    if (value === null || value === undefined) continue; // an empty document (a comment block)
    const parsed = manifestObject.safeParse(value);
    if (!parsed.success) {
      for (const issue of parsed.error.issues)
        problems.push(`${label}: ${issue.path.join('.') || '(document)'}: ${issue.message}`);
      continue;
    }
    objects.push({ object: parsed.data as ManifestObject, source });
  }
  if (problems.length > 0) return problems;
  if (objects.length === 0) return [`manifest ${file} holds no objects`];
  return objects;
}

function selected(object: ManifestObject, select: z.infer<typeof selection> | undefined): boolean {
  if (select === undefined) return true;
  if (select.kinds !== undefined && !select.kinds.includes(object.kind)) return false;
  if (select.names !== undefined && !select.names.some((n) => nameMatches(object, n))) return false;
  for (const [key, value] of Object.entries(select.labels ?? {}))
    if (object.metadata.labels?.[key] !== value) return false;
  return true;
}

const nameMatches = (object: ManifestObject, name: string): boolean =>
  name.includes('/')
    ? name === `${object.metadata.namespace ?? ''}/${object.metadata.name}`
    : name === object.metadata.name;

/** `Kind namespace/name` (cluster-scoped: `Kind name`): how objects are named in every message. */
export function objectKey(object: Pick<ManifestObject, 'kind' | 'metadata'>): string {
  return `${object.kind} ${object.metadata.namespace ? `${object.metadata.namespace}/` : ''}${object.metadata.name}`;
}
