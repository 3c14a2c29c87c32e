// The PATCH formats the API server accepts for built-in types: RFC 7386 merge patch, RFC 6902 JSON patch
// and strategic merge patch (lists merged by their patch-merge-key, $patch/$retainKeys/
// $deleteFromPrimitiveList directives), which is what `kubectl rollout restart` and `kubectl patch` send;
// and server-side apply, whose merge lives in managed-fields.ts.
import { ApiError, badRequest } from './status.js';
import type { JsonObject } from './types.js';
import { isRecord } from './types.js';
import { deepEqual } from './ids.js';

export type PatchType = 'strategic' | 'merge' | 'json' | 'apply';

const CONTENT_TYPES: Record<string, PatchType> = {
  'application/json-patch+json': 'json',
  'application/merge-patch+json': 'merge',
  'application/strategic-merge-patch+json': 'strategic',
  // Server-side apply (managed-fields.ts); the body is YAML or JSON.
  'application/apply-patch+yaml': 'apply',
};

export function patchTypeOf(contentType: string | undefined): PatchType | undefined {
  return CONTENT_TYPES[(contentType ?? '').split(';')[0]?.trim().toLowerCase() ?? ''];
}

export const ACCEPTED_PATCH_TYPES = Object.keys(CONTENT_TYPES);

export function applyPatch(type: Exclude<PatchType, 'apply'>, target: JsonObject, patch: unknown): JsonObject {
  if (type === 'json') {
    if (!Array.isArray(patch)) throw badRequest('json: cannot unmarshal object into Go value of type jsonpatch.Patch');
    return jsonPatch(target, patch);
  }
  if (!isRecord(patch)) throw badRequest('json: cannot unmarshal array into Go value of type map[string]interface {}');
  const merged = type === 'merge' ? mergePatch(target, patch) : strategicMerge(target, patch);
  if (!isRecord(merged)) throw badRequest('patch removed the whole object');
  return merged;
}

function mergePatch(target: unknown, patch: unknown): unknown {
  if (!isRecord(patch)) return structuredClone(patch);
  const out: JsonObject = isRecord(target) ? { ...target } : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete out[key];
    else out[key] = mergePatch(out[key], value);
  }
  return out;
}

/** x-kubernetes-patch-merge-key of the list fields we serve, by field name. */
const MERGE_KEYS: Record<string, string> = {
  containers: 'name',
  initContainers: 'name',
  ephemeralContainers: 'name',
  env: 'name',
  volumes: 'name',
  volumeMounts: 'mountPath',
  volumeDevices: 'devicePath',
  imagePullSecrets: 'name',
  hostAliases: 'ip',
  conditions: 'type',
  ownerReferences: 'uid',
  resourceClaims: 'name',
  schedulingGates: 'name',
  topologySpreadConstraints: 'topologyKey',
};

/** Container ports merge on containerPort, Service ports on port. */
function mergeKeyFor(field: string, ...lists: unknown[]): string | undefined {
  if (field !== 'ports') return MERGE_KEYS[field];
  const items = lists.flatMap((l) => (Array.isArray(l) ? l : []));
  return items.some((i) => isRecord(i) && 'containerPort' in i) ? 'containerPort' : 'port';
}

/** Primitive lists whose patch strategy is merge (a union), not replace. */
const MERGED_PRIMITIVE_LISTS = new Set(['finalizers']);

const withoutDirectives = (item: JsonObject): JsonObject =>
  Object.fromEntries(Object.entries(item).filter(([k]) => !k.startsWith('$')));

/** Returns undefined when the patch deletes the target ($patch: delete). */
function strategicMerge(target: unknown, patch: JsonObject): unknown {
  const directive = patch['$patch'];
  if (directive === 'delete') return undefined;
  if (directive === 'replace') return structuredClone(withoutDirectives(patch));
  const out: JsonObject = isRecord(target) ? { ...target } : {};
  for (const [key, value] of Object.entries(patch)) {
    if (key.startsWith('$deleteFromPrimitiveList/')) {
      const field = key.slice('$deleteFromPrimitiveList/'.length);
      const current = out[field];
      if (Array.isArray(current) && Array.isArray(value))
        out[field] = current.filter((x) => !value.some((v) => deepEqual(v, x)));
      continue;
    }
    if (key.startsWith('$')) continue; // $setElementOrder and $retainKeys are handled below or only order lists
    if (value === null) {
      delete out[key];
    } else if (Array.isArray(value)) {
      const mergeKey = mergeKeyFor(key, value, out[key]);
      if (mergeKey) out[key] = mergeList(Array.isArray(out[key]) ? out[key] : [], value, mergeKey);
      else if (MERGED_PRIMITIVE_LISTS.has(key) && Array.isArray(out[key])) {
        const current = out[key] as unknown[];
        out[key] = [...current, ...value.filter((v) => !current.some((c) => deepEqual(c, v)))];
      } else out[key] = structuredClone(value);
    } else if (isRecord(value)) {
      const merged = strategicMerge(out[key], value);
      if (merged === undefined) delete out[key];
      else out[key] = merged;
    } else {
      out[key] = value;
    }
  }
  const retain = patch['$retainKeys'];
  if (Array.isArray(retain)) for (const key of Object.keys(out)) if (!retain.includes(key)) delete out[key];
  return out;
}

function mergeList(current: unknown[], patch: unknown[], mergeKey: string): unknown[] {
  const replace = patch.find((i) => isRecord(i) && i['$patch'] === 'replace' && !(mergeKey in i));
  if (replace) return patch.filter((i) => i !== replace).map((i) => (isRecord(i) ? withoutDirectives(i) : i));
  const result = [...current];
  for (const item of patch) {
    if (!isRecord(item)) {
      result.push(item);
      continue;
    }
    const index = result.findIndex((x) => isRecord(x) && deepEqual(x[mergeKey], item[mergeKey]));
    if (item['$patch'] === 'delete') {
      if (index >= 0) result.splice(index, 1);
    } else if (index >= 0) {
      result[index] = strategicMerge(result[index], item);
    } else {
      result.push(withoutDirectives(item));
    }
  }
  return result;
}

function pointer(path: unknown): string[] {
  if (typeof path !== 'string' || (path !== '' && !path.startsWith('/')))
    throw badRequest(`invalid JSON pointer: ${String(path)}`);
  return path === ''
    ? []
    : path
        .slice(1)
        .split('/')
        .map((t) => t.replace(/~1/g, '/').replace(/~0/g, '~'));
}

function unprocessable(message: string): ApiError {
  return new ApiError(422, 'Invalid', message);
}

type Container = JsonObject | unknown[];

function parentOf(doc: JsonObject, tokens: string[], op: string): [Container, string] {
  let node: unknown = doc;
  for (const token of tokens.slice(0, -1)) {
    node = Array.isArray(node) ? node[Number(token)] : isRecord(node) ? node[token] : undefined;
    if (node === undefined)
      throw unprocessable(
        `jsonpatch ${op} operation does not apply: doc is missing path: "/${tokens.join('/')}": missing value`,
      );
  }
  if (!Array.isArray(node) && !isRecord(node))
    throw unprocessable(`jsonpatch ${op} operation does not apply: doc is missing path: "/${tokens.join('/')}"`);
  return [node, tokens[tokens.length - 1] as string];
}

function read(doc: JsonObject, tokens: string[], op: string): unknown {
  if (tokens.length === 0) return doc;
  const [parent, last] = parentOf(doc, tokens, op);
  const value = Array.isArray(parent) ? parent[Number(last)] : parent[last];
  if (value === undefined)
    throw unprocessable(
      `jsonpatch ${op} operation does not apply: doc is missing path: "/${tokens.join('/')}": missing value`,
    );
  return value;
}

function remove(doc: JsonObject, tokens: string[], op: string): unknown {
  const value = read(doc, tokens, op);
  const [parent, last] = parentOf(doc, tokens, op);
  if (Array.isArray(parent)) parent.splice(Number(last), 1);
  else delete parent[last];
  return value;
}

function add(doc: JsonObject, tokens: string[], value: unknown, op: string, replace: boolean): void {
  if (tokens.length === 0) throw unprocessable(`jsonpatch ${op} operation on the whole document is not supported`);
  const [parent, last] = parentOf(doc, tokens, op);
  if (Array.isArray(parent)) {
    const index = last === '-' ? parent.length : Number(last);
    if (!Number.isInteger(index) || index < 0 || index > parent.length - (replace ? 1 : 0))
      throw unprocessable(`jsonpatch ${op} operation does not apply: index out of range`);
    parent.splice(index, replace ? 1 : 0, structuredClone(value));
  } else {
    if (replace && !(last in parent))
      throw unprocessable(
        `jsonpatch replace operation does not apply: doc is missing key: /${tokens.join('/')}: missing value`,
      );
    parent[last] = structuredClone(value);
  }
}

function jsonPatch(target: JsonObject, operations: unknown[]): JsonObject {
  const doc = structuredClone(target);
  for (const operation of operations) {
    if (!isRecord(operation) || typeof operation['op'] !== 'string') throw badRequest('invalid JSON patch operation');
    const op = operation['op'];
    const path = pointer(operation['path']);
    switch (op) {
      case 'add':
        add(doc, path, operation['value'], op, false);
        break;
      case 'replace':
        add(doc, path, operation['value'], op, true);
        break;
      case 'remove':
        remove(doc, path, op);
        break;
      case 'move':
        add(doc, path, remove(doc, pointer(operation['from']), op), op, false);
        break;
      case 'copy':
        add(doc, path, read(doc, pointer(operation['from']), op), op, false);
        break;
      case 'test':
        if (!deepEqual(read(doc, path, op), operation['value']))
          throw unprocessable(`testing value /${path.join('/')} failed: test failed`);
        break;
      default:
        throw badRequest(`Unexpected kind: ${op}`);
    }
  }
  return doc;
}
