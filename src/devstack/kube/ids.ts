// Names and ids the way Kubernetes makes them, but from a seeded generator so a scenario loads the same
// way every time (stable pod names in tests, docs and benchmarks).

/** The alphabet of k8s.io/apimachinery/pkg/util/rand: no vowels, no confusable characters. */
const ALPHANUMS = 'bcdfghjklmnpqrstvwxz2456789';

export class Ids {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0 || 1;
  }

  /** mulberry32: small, fast and good enough for names. */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  int(maxExclusive: number): number {
    return Math.floor(this.next() * maxExclusive);
  }

  /** The 5-character suffix of generated names (pods of ReplicaSets, DaemonSets and Jobs). */
  suffix(length = 5): string {
    let out = '';
    for (let i = 0; i < length; i++) out += ALPHANUMS[this.int(ALPHANUMS.length)];
    return out;
  }

  uid(): string {
    const hex = (n: number): string => {
      let out = '';
      for (let i = 0; i < n; i++) out += this.int(16).toString(16);
      return out;
    };
    return `${hex(8)}-${hex(4)}-4${hex(3)}-${'89ab'[this.int(4)]}${hex(3)}-${hex(12)}`;
  }
}

/** FNV-1a, the hash family the controllers use for pod-template hashes. */
export function fnv32a(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

const hashes = new WeakMap<object, string>();

/** rand.SafeEncodeString(fmt.Sprint(hash)): how "d4c9c888b" in "vault-d4c9c888b-cdsgz" is made. Cached per
 * object, which is safe because stored objects are never mutated. */
export function templateHash(template: object): string {
  let hash = hashes.get(template);
  if (hash === undefined) {
    hash = [...String(fnv32a(canonicalJson(template)))]
      .map((c) => ALPHANUMS[c.charCodeAt(0) % ALPHANUMS.length])
      .join('');
    hashes.set(template, hash);
  }
  return hash;
}

/** JSON with sorted keys, so equal objects hash equally whatever order their fields were written in. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/** Structural equality of JSON values; absent and undefined fields are equal, key order is not significant. */
export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) {
    const other = b as unknown[];
    return a.length === other.length && a.every((v, i) => deepEqual(v, other[i]));
  }
  const x = a as Record<string, unknown>;
  const y = b as Record<string, unknown>;
  for (const key in x) if (x[key] !== undefined && !deepEqual(x[key], y[key])) return false;
  for (const key in y) if (y[key] !== undefined && x[key] === undefined) return false;
  return true;
}
