// Errors travel as Kubernetes Status objects, with the reasons and details clients branch on
// (client-go's IsNotFound/IsConflict, the 410 that restarts a paged list).
import type { ResourceInfo } from './resources.js';
import { qualifiedName } from './resources.js';
import type { JsonObject } from './types.js';
import { isRecord } from './types.js';

export interface Cause {
  reason?: string;
  message: string;
  field?: string;
}

export interface StatusDetails {
  name?: string;
  group?: string;
  kind?: string;
  causes?: Cause[];
  /** Also sent as the Retry-After header. */
  retryAfterSeconds?: number;
}

export class ApiError extends Error {
  constructor(
    readonly code: number,
    readonly reason: string,
    message: string,
    readonly details?: StatusDetails,
    /** The Status's ListMeta: a 410 for an expired continue token carries the token to go on with. */
    readonly listMeta: { continue?: string } = {},
  ) {
    super(message);
  }

  toStatus(): object {
    return {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: this.listMeta,
      status: 'Failure',
      message: this.message,
      ...(this.reason ? { reason: this.reason } : {}),
      ...(this.details ? { details: this.details } : {}),
      code: this.code,
    };
  }
}

/** A 403 of authorization, impersonation or RBAC escalation prevention, with the user it refused: the
 * server records each in its stats (a refusal of the bot fails the test that saw it). */
export class Refusal extends ApiError {
  constructor(
    readonly username: string,
    message: string,
    details: StatusDetails,
  ) {
    super(403, 'Forbidden', message, details);
  }
}

function detailsOf(info: ResourceInfo, name: string): StatusDetails {
  return { name, ...(info.group ? { group: info.group } : {}), kind: info.plural };
}

export function notFound(info: ResourceInfo, name: string): ApiError {
  return new ApiError(404, 'NotFound', `${qualifiedName(info)} "${name}" not found`, detailsOf(info, name));
}

export function alreadyExists(info: ResourceInfo, name: string): ApiError {
  return new ApiError(409, 'AlreadyExists', `${qualifiedName(info)} "${name}" already exists`, detailsOf(info, name));
}

export function conflict(info: ResourceInfo, name: string): ApiError {
  return new ApiError(
    409,
    'Conflict',
    `Operation cannot be fulfilled on ${qualifiedName(info)} "${name}": the object has been modified; please apply your changes to the latest version and try again`,
    detailsOf(info, name),
  );
}

export function invalid(info: ResourceInfo, name: string, field: string, message: string): ApiError {
  return new ApiError(
    422,
    'Invalid',
    `${info.kind}${info.group ? `.${info.group}` : ''} "${name}" is invalid: ${field}: ${message}`,
    {
      ...detailsOf(info, name),
      kind: info.kind,
      causes: [{ reason: 'FieldValueInvalid', message, field }],
    },
  );
}

/** 422 with every cause, worded like apimachinery's NewInvalid: one cause alone, several in brackets. */
export function invalidCauses(info: ResourceInfo, name: string, causes: Cause[]): ApiError {
  const each = causes.map((c) => (c.field ? `${c.field}: ${c.message}` : c.message));
  const text = each.length === 1 ? each[0] : `[${each.join(', ')}]`;
  return new ApiError(
    422,
    'Invalid',
    `${info.kind}${info.group ? `.${info.group}` : ''} "${name}" is invalid: ${text}`,
    {
      ...detailsOf(info, name),
      kind: info.kind,
      causes,
    },
  );
}

export function badRequest(message: string): ApiError {
  return new ApiError(400, 'BadRequest', message);
}

export function methodNotAllowed(): ApiError {
  return new ApiError(405, 'MethodNotAllowed', 'the server does not allow this method on the requested resource');
}

export function resourceNotFound(): ApiError {
  return new ApiError(404, 'NotFound', 'the server could not find the requested resource', {});
}

export function expired(message: string, continueToken?: string): ApiError {
  return new ApiError(410, 'Expired', message, undefined, continueToken ? { continue: continueToken } : {});
}

/** A field.Error of request options (ListOptions, as the real server validates them). */
export interface OptionError {
  field: string;
  reason: 'FieldValueForbidden' | 'FieldValueNotSupported';
  /** As field.Error's body says it: "Forbidden: ..." or "Unsupported value: ...". */
  message: string;
}

export const forbiddenOption = (field: string, detail: string): OptionError => ({
  field,
  reason: 'FieldValueForbidden',
  message: `Forbidden: ${detail}`,
});

export const unsupportedOption = (field: string, value: string, supported: string[]): OptionError => ({
  field,
  reason: 'FieldValueNotSupported',
  message: `Unsupported value: "${value}": supported values: ${supported.map((v) => `"${v}"`).join(', ')}`,
});

/** apierrors.NewInvalid for meta.k8s.io options: one error is quoted as is, several as a [list]. */
export function invalidOptions(kind: 'ListOptions', errors: OptionError[]): ApiError {
  const each = errors.map((e) => `${e.field}: ${e.message}`);
  return new ApiError(
    422,
    'Invalid',
    `${kind}.meta.k8s.io "" is invalid: ${each.length === 1 ? each[0] : `[${each.join(', ')}]`}`,
    {
      group: 'meta.k8s.io',
      kind,
      causes: errors.map((e) => ({ reason: e.reason, message: e.message, field: e.field })),
    },
  );
}

/** etcd3's inconsistentContinue: a 410 for a compacted continue token, which comes with a fresh one. */
export const CONTINUE_EXPIRED_MESSAGE =
  'The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter, or use the continue token in this response to retrieve the remainder of the results. Continuing with the provided token results in an inconsistent list - objects that were created, modified, or deleted between the time the first chunk was returned and now may show up in the list.';

/** etcd3's message for a list at a compacted resourceVersion (resourceVersionMatch=Exact). */
export const LIST_TOO_OLD_MESSAGE = 'The resourceVersion for the provided list is too old.';

/** A JSON request body that must be an object (`what`, as the 400 names it when it is not one). */
export function decodeJsonObject(text: string, what = 'a JSON object'): JsonObject {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch (error) {
    throw badRequest(`the body of the request could not be decoded: ${(error as Error).message}`);
  }
  if (!isRecord(body)) throw badRequest(`the body of the request must be ${what}`);
  return body;
}
