// DeleteOptions as the API server reads them (handlers/delete.go): from the request body when there is
// one (what kubectl and client-node send: {"kind":"DeleteOptions",...}), else from the query; never
// both, so a body without dryRun is a real delete whatever the query says. dryRun, gracePeriodSeconds,
// propagationPolicy, orphanDependents and preconditions; and the dryRun check every verb shares.
import type { DeletePropagation } from './cluster.js';
import type { ResourceInfo } from './resources.js';
import { qualifiedName } from './resources.js';
import { ApiError, badRequest, decodeJsonObject } from './status.js';
import type { JsonObject, KubeObject } from './types.js';
import { isRecord } from './types.js';

export interface DeleteOptions {
  dryRun: boolean;
  gracePeriodSeconds: number | undefined;
  propagationPolicy: DeletePropagation | undefined;
  preconditions: { uid?: string; resourceVersion?: string };
}

/** dryRun=All: admission, validation and defaulting run, storage does not. Any other value is refused. */
export function isDryRun(values: unknown[]): boolean {
  for (const v of values)
    if (v !== 'All')
      throw new ApiError(400, 'BadRequest', `Invalid dryRun value: ${String(v)}`, {
        causes: [
          {
            reason: 'FieldValueNotSupported',
            message: `Unsupported value: "${String(v)}": supported values: "All"`,
            field: 'dryRun',
          },
        ],
      });
  return values.length > 0;
}

function invalidOptions(field: string, reason: string, message: string): ApiError {
  return new ApiError(422, 'Invalid', `DeleteOptions.meta.k8s.io "" is invalid: ${field}: ${message}`, {
    group: 'meta.k8s.io',
    kind: 'DeleteOptions',
    causes: [{ reason, message, field }],
  });
}

function bodyOf(text: string): JsonObject {
  if (text.trim() === '') return {};
  const body = decodeJsonObject(text, 'a DeleteOptions object');
  if (body['kind'] !== undefined && body['kind'] !== 'DeleteOptions')
    throw badRequest(`the kind in the data (${String(body['kind'])}) does not match the expected kind (DeleteOptions)`);
  return body;
}

/** The query's DeleteOptions, shaped like a body's. */
function fromQuery(query: URLSearchParams): JsonObject {
  const options: JsonObject = {};
  if (query.has('dryRun')) options['dryRun'] = query.getAll('dryRun');
  for (const key of ['gracePeriodSeconds', 'propagationPolicy', 'orphanDependents'])
    if (query.has(key)) options[key] = query.get(key);
  return options;
}

export function parseDeleteOptions(query: URLSearchParams, text: string): DeleteOptions {
  const body = text.trim() === '' ? fromQuery(query) : bodyOf(text);
  const dryRunValues = Array.isArray(body['dryRun']) ? (body['dryRun'] as unknown[]) : [];
  const grace = body['gracePeriodSeconds'] ?? undefined;
  if (grace !== undefined && !Number.isInteger(Number(grace)))
    throw badRequest(`gracePeriodSeconds: Invalid value: ${JSON.stringify(grace)}`);
  if (grace !== undefined && Number(grace) < 0)
    throw invalidOptions(
      'gracePeriodSeconds',
      'FieldValueInvalid',
      `Invalid value: ${String(grace)}: must be greater than or equal to 0`,
    );
  const orphan = body['orphanDependents'] ?? undefined;
  const policy = body['propagationPolicy'] ?? undefined;
  if (policy !== undefined && orphan !== undefined)
    throw invalidOptions(
      'propagationPolicy',
      'FieldValueInvalid',
      `Invalid value: "${String(policy)}": orphanDependents and deletionPropagation cannot be both set`,
    );
  if (policy !== undefined && policy !== 'Orphan' && policy !== 'Background' && policy !== 'Foreground')
    throw invalidOptions(
      'propagationPolicy',
      'FieldValueNotSupported',
      `Unsupported value: "${String(policy)}": supported values: "Foreground", "Background", "Orphan", "nil"`,
    );
  const preconditions = isRecord(body['preconditions']) ? body['preconditions'] : {};
  return {
    dryRun: isDryRun(dryRunValues),
    gracePeriodSeconds: grace === undefined ? undefined : Number(grace),
    propagationPolicy:
      policy ?? (orphan === true || orphan === 'true' ? 'Orphan' : orphan === undefined ? undefined : 'Background'),
    preconditions: {
      ...(typeof preconditions['uid'] === 'string' ? { uid: preconditions['uid'] } : {}),
      ...(typeof preconditions['resourceVersion'] === 'string'
        ? { resourceVersion: preconditions['resourceVersion'] }
        : {}),
    },
  };
}

/** storage.Preconditions.Check, as the registry reports it: a 409 Conflict naming both values. */
export function checkPreconditions(
  info: ResourceInfo,
  current: KubeObject,
  preconditions: DeleteOptions['preconditions'],
): void {
  const fail = (what: string, wanted: string, actual: string): ApiError =>
    new ApiError(
      409,
      'Conflict',
      `Operation cannot be fulfilled on ${qualifiedName(info)} "${current.metadata.name}": Precondition failed: ${what} in precondition: ${wanted}, ${what} in object meta: ${actual}`,
      {
        name: current.metadata.name,
        ...(info.group ? { group: info.group } : {}),
        kind: info.plural,
      },
    );
  if (preconditions.uid !== undefined && preconditions.uid !== current.metadata.uid)
    throw fail('UID', preconditions.uid, current.metadata.uid);
  if (preconditions.resourceVersion !== undefined && preconditions.resourceVersion !== current.metadata.resourceVersion)
    throw fail('ResourceVersion', preconditions.resourceVersion, current.metadata.resourceVersion);
}
