// The object walks server-side apply is made of (structured-merge-diff's typed package, simplified):
// the field set of an applied configuration, the comparison of two versions of an object, the merge of a
// configuration into the live object, and the removal of fields no manager owns any more. schema.ts says
// how each node merges.
import { deepEqual } from './ids.js';
import type { Path, PathElement } from './fieldpath.js';
import { FieldSet, fieldElement, keyElement, valueElement } from './fieldpath.js';
import type { NodeKind, SchemaContext } from './schema.js';
import { nodeKind } from './schema.js';
import type { JsonObject } from './types.js';
import { isRecord } from './types.js';

/** The key element of a keyed list's item, with the schema's key defaults (a port's protocol is TCP). */
export function itemKey(node: Extract<NodeKind, { kind: 'keyed' }>, item: unknown): PathElement | undefined {
  if (!isRecord(item)) return undefined;
  const key: Record<string, unknown> = {};
  for (const name of node.keys) {
    const value = item[name] ?? node.defaults[name];
    if (value === undefined) return undefined;
    key[name] = value;
  }
  return keyElement(key);
}

/** The items of a keyed list by key, or undefined when an item has no key or two share one (the list is
 * then handled as atomic rather than refused). */
function itemsByKey(
  node: Extract<NodeKind, { kind: 'keyed' }>,
  list: unknown[],
): Map<PathElement, JsonObject> | undefined {
  const out = new Map<PathElement, JsonObject>();
  for (const item of list) {
    const key = itemKey(node, item);
    if (key === undefined || out.has(key)) return undefined;
    out.set(key, item as JsonObject);
  }
  return out;
}

function kindOf(ctx: SchemaContext, names: readonly string[], ...values: unknown[]): NodeKind {
  const present = values.filter((v) => v !== undefined);
  const kinds = present.map((v) => nodeKind(ctx, names, v));
  const first = kinds[0] ?? { kind: 'leaf' };
  // Values of different shapes (a map replaced by a string) compare as leaves.
  if (kinds.some((k) => k.kind !== first.kind)) return { kind: 'leaf' };
  if (first.kind === 'keyed' && present.some((v) => !Array.isArray(v) || itemsByKey(first, v) === undefined))
    return { kind: 'leaf' };
  return first;
}

/** The fields an applied configuration sets (TypedValue.ToFieldSet): leaves, atomic values, list items. */
export function toFieldSet(ctx: SchemaContext, object: JsonObject): FieldSet {
  const set = new FieldSet();
  const visit = (value: unknown, path: PathElement[], names: string[]): void => {
    const node = kindOf(ctx, names, value);
    switch (node.kind) {
      case 'leaf':
        set.insert(path);
        return;
      case 'map': {
        const entries = Object.entries(value as JsonObject);
        if (entries.length === 0) set.insert(path);
        for (const [k, v] of entries) if (v !== undefined) visit(v, [...path, fieldElement(k)], [...names, k]);
        return;
      }
      case 'set':
        for (const v of value as unknown[]) set.insert([...path, valueElement(v)]);
        return;
      case 'keyed':
        for (const [key, item] of itemsByKey(node, value as unknown[]) ?? []) {
          set.insert([...path, key]);
          for (const [k, v] of Object.entries(item))
            if (v !== undefined) visit(v, [...path, key, fieldElement(k)], [...names, k]);
        }
    }
  };
  for (const [k, v] of Object.entries(object)) if (v !== undefined) visit(v, [fieldElement(k)], [k]);
  return set;
}

export interface Comparison {
  added: FieldSet;
  modified: FieldSet;
  removed: FieldSet;
}

/**
 * What changed from `lhs` to `rhs` (TypedValue.Compare). `mapMembers`: whether a map that appears or
 * disappears is itself listed (the real server does; Update entries here leave it out, see
 * managed-fields.ts). List items that appear or disappear always are.
 */
export function compare(ctx: SchemaContext, lhs: JsonObject, rhs: JsonObject, mapMembers = true): Comparison {
  const result: Comparison = { added: new FieldSet(), modified: new FieldSet(), removed: new FieldSet() };
  const visit = (l: unknown, r: unknown, path: PathElement[], names: string[], member: boolean): void => {
    if (l === undefined && r === undefined) return;
    const node = kindOf(ctx, names, l, r);
    if (node.kind === 'leaf') {
      if (l === undefined) result.added.insert(path);
      else if (r === undefined) result.removed.insert(path);
      else if (!deepEqual(l, r)) result.modified.insert(path);
      return;
    }
    if (member) {
      if (l === undefined) result.added.insert(path);
      else if (r === undefined) result.removed.insert(path);
    }
    switch (node.kind) {
      case 'map': {
        const a = (l ?? {}) as JsonObject;
        const b = (r ?? {}) as JsonObject;
        for (const k of new Set([...Object.keys(a), ...Object.keys(b)]))
          visit(a[k], b[k], [...path, fieldElement(k)], [...names, k], mapMembers);
        return;
      }
      case 'set': {
        const a = (l ?? []) as unknown[];
        const b = (r ?? []) as unknown[];
        for (const v of b) if (!a.some((x) => deepEqual(x, v))) result.added.insert([...path, valueElement(v)]);
        for (const v of a) if (!b.some((x) => deepEqual(x, v))) result.removed.insert([...path, valueElement(v)]);
        return;
      }
      case 'keyed': {
        const a = itemsByKey(node, (l ?? []) as unknown[]) ?? new Map<PathElement, JsonObject>();
        const b = itemsByKey(node, (r ?? []) as unknown[]) ?? new Map<PathElement, JsonObject>();
        for (const key of new Set([...a.keys(), ...b.keys()]))
          visit(a.get(key), b.get(key), [...path, key], names, true);
      }
    }
  };
  for (const k of new Set([...Object.keys(lhs), ...Object.keys(rhs)]))
    visit(lhs[k], rhs[k], [fieldElement(k)], [k], mapMembers);
  return result;
}

/** The live object with a configuration merged in (TypedValue.Merge): maps and keyed lists merge
 * recursively, sets take the union, everything else is replaced by the configuration's value. */
export function merge(ctx: SchemaContext, live: JsonObject, config: JsonObject): JsonObject {
  const visit = (l: unknown, c: unknown, names: string[]): unknown => {
    if (c === undefined) return l;
    const node = kindOf(ctx, names, l, c);
    switch (node.kind) {
      case 'leaf':
        return structuredClone(c);
      case 'map': {
        const out: JsonObject = { ...((l ?? {}) as JsonObject) };
        for (const [k, v] of Object.entries(c as JsonObject)) {
          if (v === null) delete out[k];
          else if (v !== undefined) out[k] = visit(out[k], v, [...names, k]);
        }
        return out;
      }
      case 'set': {
        const out = [...((l ?? []) as unknown[])];
        for (const v of c as unknown[]) if (!out.some((x) => deepEqual(x, v))) out.push(structuredClone(v));
        return out;
      }
      case 'keyed': {
        const out = [...((l ?? []) as unknown[])];
        for (const item of c as unknown[]) {
          const key = itemKey(node, item);
          const at = out.findIndex((x) => itemKey(node, x) === key);
          if (at >= 0) out[at] = visit(out[at], item, names);
          else out.push(structuredClone(item));
        }
        return out;
      }
    }
  };
  return visit(live, config, []) as JsonObject;
}

type Container = JsonObject | unknown[];

/** The container a path element addresses in `parent` and how to get rid of it. */
function locate(
  ctx: SchemaContext,
  parent: Container,
  element: PathElement,
  names: string[],
): { child: unknown; remove(): void } | undefined {
  if (element.startsWith('f:') && isRecord(parent)) {
    const name = element.slice(2);
    return name in parent ? { child: parent[name], remove: () => delete parent[name] } : undefined;
  }
  if (!Array.isArray(parent)) return undefined;
  let index = -1;
  if (element.startsWith('k:')) {
    const node = nodeKind(ctx, names, parent);
    if (node.kind === 'keyed') index = parent.findIndex((item) => itemKey(node, item) === element);
  } else if (element.startsWith('v:')) {
    const value: unknown = JSON.parse(element.slice(2));
    index = parent.findIndex((item) => deepEqual(item, value));
  } else if (element.startsWith('i:')) index = Number(element.slice(2));
  return index >= 0 && index < parent.length
    ? { child: parent[index], remove: () => parent.splice(index, 1) }
    : undefined;
}

/**
 * Removes the fields at `paths` from `object` (mutating it), unless something in `keep` lies at or
 * under them; maps and lists emptied on the way are removed too unless `keep` holds them (prune: a
 * manager's field that no manager owns any more goes away). Top-level fields stay.
 */
export function removeFields(ctx: SchemaContext, object: JsonObject, paths: Path[], keep: FieldSet): void {
  for (const path of [...paths].sort((a, b) => a.length - b.length)) {
    if (keep.hasWithin(path)) continue;
    const trail: { node: Container; element: PathElement; names: string[] }[] = [];
    let node: unknown = object;
    let names: string[] = [];
    let found = true;
    for (const element of path) {
      if (!isRecord(node) && !Array.isArray(node)) {
        found = false;
        break;
      }
      const at = locate(ctx, node, element, names);
      if (!at) {
        found = false;
        break;
      }
      trail.push({ node, element, names });
      if (element.startsWith('f:')) names = [...names, element.slice(2)];
      node = at.child;
    }
    if (!found) continue;
    for (let depth = trail.length - 1; depth >= 0; depth--) {
      const step = trail[depth] as (typeof trail)[number];
      locate(ctx, step.node, step.element, step.names)?.remove();
      const parentPath = path.slice(0, depth);
      const parent = step.node;
      const empty = Array.isArray(parent) ? parent.length === 0 : Object.keys(parent).length === 0;
      if (depth < 2 || !empty || keep.has(parentPath)) break;
    }
  }
}
