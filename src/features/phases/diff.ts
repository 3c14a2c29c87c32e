/**
 * What a server-side apply would do to one object, from the live object and the API server's dry-run
 * answer: created, changed (which fields) or unchanged. Pure. Only field paths are reported, never values,
 * so nothing read from the cluster (a Secret's data, say) ever reaches a message.
 */

export type ObjectChange =
  | { action: 'create' }
  | { action: 'change'; fields: string[] }
  /** `adopt`: the values stay, but carbon-ops becomes a manager of the fields it declares. */
  | { action: 'unchanged'; adopt: boolean };

/** Set by the API server on every write: a difference in these is no change of the object. */
const SERVER_METADATA = ['resourceVersion', 'managedFields', 'generation', 'uid', 'creationTimestamp', 'selfLink'];

export function diffObjects(live: unknown, after: unknown, fieldManager: string): ObjectChange {
  if (live === undefined || live === null) return { action: 'create' };
  const fields = changedPaths(comparable(live), comparable(after));
  if (fields.length > 0) return { action: 'change', fields };
  return { action: 'unchanged', adopt: !managedBy(live, fieldManager) };
}

/** The object as stored, without status and what the server sets on every write; Dates as strings. */
export function comparable(object: unknown): Record<string, unknown> {
  const copy = JSON.parse(JSON.stringify(object ?? {})) as Record<string, unknown>;
  delete copy.status;
  const metadata = copy.metadata as Record<string, unknown> | undefined;
  if (metadata !== undefined) for (const key of SERVER_METADATA) delete metadata[key];
  return copy;
}

/** True when `manager` applied (server-side) some of the object's fields. */
export function managedBy(object: unknown, manager: string): boolean {
  const entries =
    (object as { metadata?: { managedFields?: { manager?: string; operation?: string }[] } })?.metadata
      ?.managedFields ?? [];
  return entries.some((e) => e.manager === manager && e.operation === 'Apply');
}

/** The paths at which `a` and `b` differ: leaves that changed, were added or removed; sorted. */
export function changedPaths(a: unknown, b: unknown, path = ''): string[] {
  if (isRecord(a) && isRecord(b)) {
    const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
    return keys.flatMap((key) => changedPaths(a[key], b[key], join(path, key)));
  }
  if (Array.isArray(a) && Array.isArray(b)) {
    const out: string[] = [];
    for (let i = 0; i < Math.max(a.length, b.length); i++) out.push(...changedPaths(a[i], b[i], `${path}[${i}]`));
    return out;
  }
  if (equalScalars(a, b)) return [];
  return [path === '' ? '(the whole object)' : path];
}

function equalScalars(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  // Absent and empty are the same to the API server's defaulting (an empty map or list is often dropped).
  const empty = (v: unknown) =>
    v === undefined ||
    v === null ||
    (Array.isArray(v) && v.length === 0) ||
    (isRecord(v) && Object.keys(v).length === 0);
  return empty(a) && empty(b);
}

const isRecord = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

/** `spec.selector` for plain keys; `metadata.labels["app.kubernetes.io/name"]` for keys with dots or slashes. */
function join(path: string, key: string): string {
  if (/^[A-Za-z_$][A-Za-z0-9_$-]*$/.test(key)) return path === '' ? key : `${path}.${key}`;
  return `${path}[${JSON.stringify(key)}]`;
}

/** A short summary of changed fields for a message: the first few, the rest counted. */
export function fieldList(fields: readonly string[], max = 4): string {
  if (fields.length <= max) return fields.join(', ');
  return `${fields.slice(0, max).join(', ')} and ${fields.length - max} more`;
}
