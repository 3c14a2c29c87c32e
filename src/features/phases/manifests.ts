import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { z } from 'zod';
import { namespace, type Selection } from './fields.js';

/**
 * The manifests the runbooks name (under manifests/phases): read once per load, every document checked to
 * be a Kubernetes object, and the objects a task or check selects picked from them.
 */

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

/** Reads each manifest file once per load and checks every document is a Kubernetes object. */
export class ManifestCache {
  private readonly files = new Map<string, Promise<PhaseObject[] | string[]>>();

  constructor(private readonly dir: string) {}

  /** The objects of `paths` that `select` picks, or undefined after recording the problems. */
  async select(
    paths: readonly string[],
    select: Selection | undefined,
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

function selected(object: ManifestObject, select: Selection | undefined): boolean {
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
