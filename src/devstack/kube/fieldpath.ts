// Field sets, the currency of server-side apply (sigs.k8s.io/structured-merge-diff/fieldpath): a set of
// paths into an object, each path a list of elements written as managedFields' FieldsV1 keys:
//   f:<field name>                  a field of a map or struct       .spec.replicas
//   k:{"name":"app"}                an item of a list keyed by fields [name="app"]
//   v:"finalizer.example.com"       an item of a list of values       [="finalizer.example.com"]
//   i:3                             an item of an atomic-less list by position (rare)
// A path in the set is a member: a leaf the manager owns, or (with children) a list item it owns as a whole,
// which FieldsV1 writes as the "." entry.
import type { JsonObject } from './types.js';
import { isRecord } from './types.js';

export type PathElement = string;
export type Path = readonly PathElement[];

const SEP = '\u0000';
const encode = (path: Path): string => path.join(SEP);
const decode = (key: string): PathElement[] => (key === '' ? [] : key.split(SEP));

export class FieldSet {
  private readonly members: Set<string>;

  constructor(members: Iterable<string> = []) {
    this.members = new Set(members);
  }

  static of(paths: Iterable<Path>): FieldSet {
    const set = new FieldSet();
    for (const p of paths) set.insert(p);
    return set;
  }

  insert(path: Path): void {
    this.members.add(encode(path));
  }

  has(path: Path): boolean {
    return this.members.has(encode(path));
  }

  get size(): number {
    return this.members.size;
  }

  isEmpty(): boolean {
    return this.members.size === 0;
  }

  /** Whether the set holds `path` itself or anything below it. */
  hasWithin(path: Path): boolean {
    const key = encode(path);
    if (this.members.has(key)) return true;
    const prefix = path.length === 0 ? '' : key + SEP;
    for (const m of this.members) if (m.startsWith(prefix)) return true;
    return false;
  }

  union(other: FieldSet): FieldSet {
    return new FieldSet([...this.members, ...other.members]);
  }

  difference(other: FieldSet): FieldSet {
    return new FieldSet([...this.members].filter((m) => !other.members.has(m)));
  }

  intersection(other: FieldSet): FieldSet {
    return new FieldSet([...this.members].filter((m) => other.members.has(m)));
  }

  equals(other: FieldSet): boolean {
    return this.members.size === other.members.size && [...this.members].every((m) => other.members.has(m));
  }

  /** The paths, in the order FieldsV1 lists them. */
  paths(): PathElement[][] {
    return [...this.members].map(decode).sort(comparePaths);
  }

  toFieldsV1(): JsonObject {
    const root: JsonObject = {};
    for (const path of this.paths()) {
      let node = root;
      for (const element of path) node = (node[element] ??= {}) as JsonObject;
      // A member with children gets ".": it is owned as a whole, not only through its children.
      node['.'] = {};
    }
    return normalise(root);
  }

  static fromFieldsV1(fields: unknown): FieldSet {
    const set = new FieldSet();
    const walk = (node: unknown, path: PathElement[]): void => {
      if (!isRecord(node)) return;
      const children = Object.keys(node).filter((k) => k !== '.');
      if ('.' in node || (children.length === 0 && path.length > 0)) set.insert(path);
      for (const child of children) walk(node[child], [...path, child]);
    };
    walk(fields, []);
    return set;
  }
}

/** Drops the "." of leaves (a leaf is just {}) and sorts keys the way the API server writes them. */
function normalise(node: JsonObject): JsonObject {
  const keys = Object.keys(node).filter((k) => k !== '.');
  if (keys.length === 0) return {};
  const out: JsonObject = {};
  if ('.' in node) out['.'] = {};
  for (const key of keys.sort(compareElements)) out[key] = normalise(node[key] as JsonObject);
  return out;
}

const ORDER: Record<string, number> = { f: 0, k: 1, v: 2, i: 3 };

/** PathElement.Compare: field names, then keys, then values, then indexes. */
export function compareElements(a: PathElement, b: PathElement): number {
  const ka = ORDER[a[0] as string] ?? 4;
  const kb = ORDER[b[0] as string] ?? 4;
  if (ka !== kb) return ka - kb;
  if (a[0] === 'i') return Number(a.slice(2)) - Number(b.slice(2));
  return a < b ? -1 : a > b ? 1 : 0;
}

function comparePaths(a: Path, b: Path): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const c = compareElements(a[i] as string, b[i] as string);
    if (c !== 0) return c;
  }
  return a.length - b.length;
}

/** fieldpath.Path.String(): `.spec.template.spec.containers[name="app"].image`. */
export function pathString(path: Path): string {
  return path
    .map((element) => {
      const body = element.slice(2);
      switch (element[0]) {
        case 'f':
          return `.${body}`;
        case 'k': {
          const key = JSON.parse(body) as JsonObject;
          return `[${Object.entries(key)
            .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
            .join(',')}]`;
        }
        case 'v':
          return `[=${body}]`;
        default:
          return `[${body}]`;
      }
    })
    .join('');
}

export const fieldElement = (name: string): PathElement => `f:${name}`;

/** The k: element of a keyed list item: the key fields, sorted by name, as compact JSON. */
export function keyElement(key: Record<string, unknown>): PathElement {
  const sorted = Object.fromEntries(Object.entries(key).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  return `k:${JSON.stringify(sorted)}`;
}

export const valueElement = (value: unknown): PathElement => `v:${JSON.stringify(value)}`;
