/**
 * Drift of a live object from its manifest as written: every field the manifest sets must be in the live
 * object with the same value, and (where the server reports managedFields) owned by carbon-ops' apply.
 * Compared with the intended object, never with what a dry run of it answers: a client or server that
 * dropped a field would drop it from both sides of that comparison. Pure; reports paths, never values.
 */
import { parseQuantity } from './quantity.js';

type Json = Record<string, unknown>;

const isRecord = (v: unknown): v is Json => v !== null && typeof v === 'object' && !Array.isArray(v);

/** Absent, null, `{}` and `[]` are all "unset" to the API server's encoders (omitempty). */
const isEmpty = (v: unknown) =>
  v === undefined || v === null || (Array.isArray(v) && v.length === 0) || (isRecord(v) && Object.keys(v).length === 0);

/** `spec.selector` for plain keys; `metadata.labels["app.kubernetes.io/name"]` for keys with dots or slashes. */
export function joinPath(path: string, key: string): string {
  if (/^[A-Za-z_$][A-Za-z0-9_$-]*$/.test(key)) return path === '' ? key : `${path}.${key}`;
  return `${path}[${JSON.stringify(key)}]`;
}

/**
 * Selectors where `{}` is a value, not an absence: `podSelector: {}` selects every pod (a default-deny
 * policy). Such a field must stay empty: a live selector with terms selects less.
 */
const SELECTOR_KEY = /(^|\.)(podSelector|namespaceSelector|selector)$/;

/** Paths of the manifest's fields that the live object lacks or holds with another value; sorted. */
export function missingOrChanged(manifest: unknown, live: unknown, path = ''): string[] {
  if (isEmpty(manifest)) return (Array.isArray(manifest) || SELECTOR_KEY.test(path)) && !isEmpty(live) ? [path] : [];
  if (isRecord(manifest)) {
    if (!isRecord(live)) return [path];
    return Object.keys(manifest)
      .sort()
      .flatMap((key) => missingOrChanged(manifest[key], live[key], joinPath(path, key)));
  }
  if (Array.isArray(manifest)) {
    if (!Array.isArray(live)) return [path];
    return manifest.flatMap((item, i) => {
      const name = isRecord(item) && typeof item.name === 'string' ? item.name : undefined;
      // Lists keyed by name (containers, env, volumes, ports) may be merged with other managers' items.
      const counterpart = name === undefined ? live[i] : live.find((l) => isRecord(l) && l.name === name);
      return missingOrChanged(item, counterpart, name === undefined ? `${path}[${i}]` : `${path}[name=${name}]`);
    });
  }
  return sameScalar(manifest, live, path) ? [] : [path];
}

/** Fields that hold resource.Quantity values: resources, quota hard limits, LimitRange bounds. */
const QUANTITY_FIELD =
  /(^|\.)(limits|requests|hard|default|defaultRequest|min|max|maxLimitRequestRatio|capacity)(\.|\[|$)/;

/**
 * Equal; or, in a quantity field, the same amount written two ways (`1000m` and `1`, `1Gi` and
 * `1073741824`) as the server canonicalises it. Elsewhere `8080` and `"8080"` differ.
 */
function sameScalar(a: unknown, b: unknown, path: string): boolean {
  if (a === b) return true;
  if (!QUANTITY_FIELD.test(path)) return false;
  if ((typeof a !== 'string' && typeof a !== 'number') || typeof b !== 'string') return false;
  const qa = parseQuantity(String(a));
  return qa !== undefined && qa === parseQuantity(b);
}

interface ManagedFieldsEntry {
  manager?: string;
  operation?: string;
  /** `status` for an apply to the status subresource: not the object's own fields. */
  subresource?: string;
  fieldsV1?: Json;
}

/**
 * Paths of the manifest's fields that `manager`'s apply does not own according to the live object's
 * managedFields (someone took them over, or they were never applied). Lists are owned as a whole or item
 * by item; ownership is followed down to the list, not into its items. Empty when the server reports no
 * managedFields at all.
 */
export function notOwned(manifest: Json, live: Json, manager: string): string[] {
  const entries = ((live.metadata as Json | undefined)?.managedFields ?? []) as ManagedFieldsEntry[];
  if (entries.length === 0) return [];
  const owned =
    entries.find((e) => e.manager === manager && e.operation === 'Apply' && e.subresource === undefined)?.fieldsV1 ??
    {};
  const walk = (value: Json, fields: Json, path: string): string[] =>
    Object.keys(value)
      .filter(
        (key) =>
          key !== 'apiVersion' &&
          key !== 'kind' &&
          !(path === 'metadata' && (key === 'name' || key === 'namespace')) &&
          !isEmpty(value[key]),
      )
      .sort()
      .flatMap((key) => {
        const node = fields[`f:${key}`];
        const at = joinPath(path, key);
        if (!isRecord(node)) return [at];
        const child = value[key];
        // `{}` owns the whole value (a leaf, or an atomic struct such as a LabelSelector).
        return isRecord(child) && Object.keys(node).length > 0 ? walk(child, node, at) : [];
      });
  return walk(manifest, owned, '');
}

/**
 * Every way the live object has drifted from the manifest, by path: changed or missing fields first, then fields no
 * longer owned.
 */
export function driftFromManifest(manifest: Json, live: Json, manager: string): string[] {
  const changed = missingOrChanged(manifest, live);
  const changedSet = new Set(changed);
  const unowned = notOwned(manifest, live, manager).filter((p) => !changedSet.has(p));
  return [...changed, ...unowned.map((p) => `${p} (not owned by ${manager})`)];
}
