// Decoding a write's body into the kind's type, with what the real server's handlers
// (staging/src/k8s.io/apiserver/pkg/endpoints/handlers: create.go, update.go, patch.go) answer:
// - a value the type cannot hold: create and update answer 400 `Deployment in version "v1" cannot be
//   handled as a Deployment: <error>`; JSON and merge patches 422 on the field `patch` quoting the
//   patched object, strategic merge patches the same quoting the patch as Go prints a map;
// - unknown and duplicate fields (strict decoding errors), as fieldValidation says: Strict refuses with
//   `strict decoding error: …` in the same forms, Warn (the default) answers one `Warning: 299` header per
//   error, Ignore says nothing. Unknown fields are dropped whatever the directive.
// The order follows the real decoders: create and update list errors in document order (YAML bodies:
// repeated keys first, as one go-yaml error); patches list repeated keys of the patch, then unknown fields
// sorted (the patched object is a Go map).
import { duplicateKeys, yamlDuplicate } from './duplicates.js';
import type { FieldValidation } from './field-validation.js';
import { assertDeclaredFields, fieldValidationOf, unknownFields } from './field-validation.js';
import type { PatchType } from './patch.js';
import type { ResourceInfo } from './resources.js';
import { decodeErrorOf } from './schema-validation.js';
import { ApiError } from './status.js';
import type { JsonObject } from './types.js';
import { isRecord } from './types.js';

export interface Decoding {
  info: ResourceInfo;
  query: URLSearchParams;
  body: string;
  contentType: string | undefined;
  /** The response's Warning headers, appended to. */
  warnings: string[];
}

const unknownField = (path: string): string => `unknown field "${path}"`;
const isYaml = (contentType: string | undefined): boolean => /yaml/.test(contentType ?? '');

export function cannotDecode(info: ResourceInfo, reason: string): ApiError {
  return new ApiError(
    400,
    'BadRequest',
    `${info.kind} in version "${info.version}" cannot be handled as a ${info.kind}: ${reason}`,
  );
}

/** 422 on the field `patch`, as NewInvalid words it for an empty kind and name. */
function invalidPatch(value: string, detail: string): ApiError {
  const message = `Invalid value: ${JSON.stringify(value)}: ${detail}`;
  return new ApiError(422, 'Invalid', ` "" is invalid: patch: ${message}`, {
    causes: [{ reason: 'FieldValueInvalid', message, field: 'patch' }],
  });
}

/** Strict: throws `failure(strict decoding error: …)`; Warn: adds the warnings. */
function report(
  req: Decoding,
  directive: FieldValidation,
  errors: string[],
  warnings: string[],
  failure: (detail: string) => ApiError,
): void {
  if (errors.length === 0 || directive === 'Ignore') return;
  if (directive === 'Strict') throw failure(`strict decoding error: ${errors.join(', ')}`);
  req.warnings.push(...warnings);
}

/** Every path of an object, numbered in document order. */
function documentOrder(value: unknown, path = '', order = new Map<string, number>()): Map<string, number> {
  if (Array.isArray(value)) value.forEach((item, i) => documentOrder(item, `${path}[${i}]`, order));
  else if (isRecord(value))
    for (const [key, item] of Object.entries(value)) {
      const at = path ? `${path}.${key}` : key;
      order.set(at, order.size);
      documentOrder(item, at, order);
    }
  return order;
}

/** The body of a create (POST) or update (PUT). */
export function decodeObject(req: Decoding, object: JsonObject, options: 'CreateOptions' | 'UpdateOptions'): void {
  const directive = fieldValidationOf(req.query, options);
  const typeError = decodeErrorOf(req.info, object);
  if (typeError) throw cannotDecode(req.info, typeError);
  const order = documentOrder(object);
  const unknown = unknownFields(req.info, object);
  if (directive === 'Ignore') return;
  const repeated = duplicateKeys(req.body);
  const failure = (detail: string): ApiError => cannotDecode(req.info, detail);
  if (isYaml(req.contentType)) {
    const lines = repeated.map(yamlDuplicate);
    const yamlError = lines.length > 0 ? [`yaml: unmarshal errors:\n  ${lines.join('\n  ')}`] : [];
    return report(
      req,
      directive,
      [...yamlError, ...unknown.map(unknownField)],
      [...lines, ...unknown.map(unknownField)],
      failure,
    );
  }
  // A field both unknown and repeated is reported once, as unknown.
  const issues = [
    ...unknown.map((path) => ({ path, text: unknownField(path) })),
    ...repeated
      .filter((d) => !unknown.some((u) => d.path === u || d.path.startsWith(`${u}.`) || d.path.startsWith(`${u}[`)))
      .map((d) => ({ path: d.path, text: `duplicate field "${d.path}"` })),
  ].sort((a, b) => (order.get(a.path) ?? 0) - (order.get(b.path) ?? 0));
  const texts = issues.map((i) => i.text);
  report(req, directive, texts, texts, failure);
}

/** Go's %+v of a decoded JSON value: map[a:1 b:[x y]]. */
function goFormat(value: unknown): string {
  if (value === null || value === undefined) return '<nil>';
  if (Array.isArray(value)) return `[${value.map(goFormat).join(' ')}]`;
  if (isRecord(value))
    return `map[${Object.keys(value)
      .sort()
      .map((k) => `${k}:${goFormat(value[k])}`)
      .join(' ')}]`;
  return String(value);
}

/** JSON patch operations' own fields: op, path, from, value. */
function jsonPatchIssues(body: string, patch: unknown): string[] {
  const known = new Set(['op', 'path', 'from', 'value']);
  const unknown = (Array.isArray(patch) ? patch : []).flatMap((op, i) =>
    isRecord(op)
      ? Object.keys(op)
          .filter((k) => !known.has(k))
          .map((k) => `json patch unknown field "[${i}].${k}"`)
      : [],
  );
  const repeated = duplicateKeys(body)
    .filter((d) => /^\[\d+\]\.[^.[]+$/.test(d.path))
    .map((d) => `json patch duplicate field "${d.path}"`);
  return [...unknown, ...repeated];
}

/** The object a JSON, merge or strategic merge patch produced, and the patch itself. */
export function decodePatched(
  req: Decoding,
  type: Exclude<PatchType, 'apply'>,
  patch: unknown,
  patched: JsonObject,
): void {
  const directive = fieldValidationOf(req.query, 'PatchOptions');
  // The real server quotes the patch or the patched object; a Secret's data has no place in a message.
  const shown =
    req.info.plural === 'secrets'
      ? '<secret data omitted>'
      : type === 'strategic'
        ? goFormat(patch)
        : JSON.stringify(patched);
  const typeError = decodeErrorOf(req.info, patched);
  if (typeError) throw invalidPatch(shown, typeError);
  const unknown = unknownFields(req.info, patched).sort();
  if (directive === 'Ignore') return;
  const patchIssues =
    type === 'json'
      ? jsonPatchIssues(req.body, patch)
      : duplicateKeys(req.body).map((d) => `duplicate field "${d.path}"`);
  const errors = [...patchIssues, ...unknown.map(unknownField)];
  report(req, directive, errors, errors, (detail) => invalidPatch(shown, detail));
}

/** A server-side apply configuration, before the merge: an undeclared field fails whatever the
 * directive (see assertDeclaredFields). */
export function decodeApplyConfiguration(req: Decoding, config: JsonObject): void {
  fieldValidationOf(req.query, 'PatchOptions');
  assertDeclaredFields(req.info, config);
}

/** After the merge: the applied object's values, then the configuration's repeated keys, which the apply
 * handler checks last, with go-yaml's words whatever the body's media type. */
export function decodeApplied(req: Decoding, applied: JsonObject): void {
  const typeError = decodeErrorOf(req.info, applied);
  if (typeError) throw cannotDecode(req.info, typeError);
  const directive = fieldValidationOf(req.query, 'PatchOptions');
  if (directive === 'Ignore') return;
  const lines = duplicateKeys(req.body).map(yamlDuplicate);
  if (lines.length === 0) return;
  if (directive === 'Strict')
    throw new ApiError(
      400,
      'BadRequest',
      `error strict decoding YAML: error converting YAML to JSON: yaml: unmarshal errors:\n  ${lines.join('\n  ')}`,
    );
  req.warnings.push(...lines);
}
