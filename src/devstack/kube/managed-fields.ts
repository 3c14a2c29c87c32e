// managedFields bookkeeping: each writer (fieldManager, or its User-Agent's product name) gets an Update
// entry listing the fields it set, merged across its writes, as `kubectl get -o yaml --show-managed-fields`
// shows. Ownership is not taken away from other managers: server-side apply conflicts are out of scope.
import { rfc3339 } from './duration.js';
import { fieldsOfPatch } from './patch.js';
import { ApiError } from './status.js';
import type { JsonObject, KubeObject, ManagedFieldsEntry } from './types.js';
import { isRecord } from './types.js';

export function managerName(fieldManager: string | null, userAgent: string | undefined): string {
  if (fieldManager !== null) {
    if (fieldManager.length > 128) throw new ApiError(422, 'Invalid', 'fieldManager: Too long: may not be more than 128 bytes');
    return fieldManager;
  }
  return (userAgent ?? 'unknown').split('/')[0] || 'unknown';
}

function mergeFields(a: JsonObject, b: JsonObject): JsonObject {
  const out: JsonObject = { ...a };
  for (const [key, value] of Object.entries(b)) out[key] = isRecord(out[key]) && isRecord(value) ? mergeFields(out[key], value) : value;
  return out;
}

/** The fields of a whole object as a writer sends it (PUT, POST): everything but server-owned metadata. */
export function fieldsOfObject(object: KubeObject): JsonObject {
  const { metadata, status: _status, kind: _kind, apiVersion: _apiVersion, ...rest } = object;
  const ownMeta = { ...(metadata.labels ? { labels: metadata.labels } : {}), ...(metadata.annotations ? { annotations: metadata.annotations } : {}) };
  return fieldsOfPatch('merge', { ...rest, ...(Object.keys(ownMeta).length ? { metadata: ownMeta } : {}) });
}

export function recordManager(object: KubeObject, manager: string, fields: JsonObject, now: number, subresource?: string): KubeObject {
  const entries = object.metadata.managedFields ?? [];
  const same = (e: ManagedFieldsEntry): boolean => e.manager === manager && e.operation === 'Update' && e.subresource === subresource;
  const previous = entries.find(same);
  const entry: ManagedFieldsEntry = {
    manager,
    operation: 'Update',
    apiVersion: object.apiVersion,
    time: rfc3339(now),
    fieldsType: 'FieldsV1',
    fieldsV1: mergeFields(previous?.fieldsV1 ?? {}, fields),
    ...(subresource ? { subresource } : {}),
  };
  return { ...object, metadata: { ...object.metadata, managedFields: [...entries.filter((e) => !same(e)), entry] } };
}
