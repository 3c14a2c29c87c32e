// Unknown fields (KEP 2885). A typed resource's decoder drops fields its Go type does not have, so they
// are never stored whatever the `fieldValidation` directive says; decode.ts decides what the client
// hears. cert-manager's kinds are not covered: their structural schemas are not in any package here, so
// their unknown fields are kept and not reported (a real server prunes and reports them).
import { fieldsOf, rootModel } from './field-tree.js';
import type { FieldType } from './field-tree.js';
import type { ResourceInfo } from './resources.js';
import { ApiError } from './status.js';
import type { JsonObject } from './types.js';
import { isRecord } from './types.js';

export type FieldValidation = 'Strict' | 'Warn' | 'Ignore';

const DIRECTIVES: readonly FieldValidation[] = ['Strict', 'Warn', 'Ignore'];

/** The directive of a write request; any other value is refused as ValidateCreateOptions (Update…,
 * Patch…) does. */
export function fieldValidationOf(
  query: URLSearchParams,
  options: 'CreateOptions' | 'UpdateOptions' | 'PatchOptions',
): FieldValidation {
  const value = query.get('fieldValidation');
  if (value === null || value === '') return 'Warn';
  if ((DIRECTIVES as string[]).includes(value)) return value as FieldValidation;
  const message = `Unsupported value: "${value}": supported values: "", "Ignore", "Strict", "Warn"`;
  throw new ApiError(422, 'Invalid', `${options}.meta.k8s.io "" is invalid: fieldValidation: ${message}`, {
    group: 'meta.k8s.io',
    kind: options,
    causes: [{ reason: 'FieldValueNotSupported', message, field: 'fieldValidation' }],
  });
}

/** How a path names a list item: the decoder's [0], or structured-merge-diff's [name="app"]. */
type ItemName = (item: unknown, index: number) => string;

const byIndex: ItemName = (_item, index) => `[${index}]`;
const byName: ItemName = (item, index) =>
  isRecord(item) && typeof item['name'] === 'string' ? `[name=${JSON.stringify(item['name'])}]` : `[${index}]`;

/** Removes the fields `type` does not have from `value`, in place; returns their paths (spec.foo,
 * spec.template.spec.containers[0].bar). */
function prune(value: unknown, type: FieldType, path: string, found: string[], itemName: ItemName): void {
  if (type.type === 'array' && Array.isArray(value))
    value.forEach((item, i) => prune(item, type.items, `${path}${itemName(item, i)}`, found, itemName));
  else if (type.type === 'map' && isRecord(value))
    for (const [key, item] of Object.entries(value)) prune(item, type.values, `${path}[${key}]`, found, itemName);
  else if (type.type === 'model' && isRecord(value)) {
    const fields = fieldsOf(type.model);
    for (const [key, item] of Object.entries(value)) {
      const field = fields.get(key);
      const at = path ? `${path}.${key}` : key;
      if (field) prune(item, field.type, at, found, itemName);
      else {
        found.push(at);
        delete value[key];
      }
    }
  }
}

/** Drops the fields the kind's type does not have, as its decoder does; returns their paths in the
 * object's order. CRDs (no field tree) keep everything. */
export function unknownFields(info: ResourceInfo, object: JsonObject): string[] {
  const model = rootModel(info);
  if (!model) return [];
  const found: string[] = [];
  prune(object, { type: 'model', model }, '', found, byIndex);
  return found;
}

/** Server-side apply converts the apply configuration to the kind's typed schema first, whatever the
 * fieldValidation directive: an undeclared field fails there with a plain error, which the real server
 * answers as a 500 without a reason (kubernetes/kubernetes#122480). */
export function assertDeclaredFields(info: ResourceInfo, config: JsonObject): void {
  const model = rootModel(info);
  if (!model) return;
  const found: string[] = [];
  prune(structuredClone(config), { type: 'model', model }, '', found, byName);
  if (found.length === 0) return;
  const { name, namespace } = (isRecord(config['metadata']) ? config['metadata'] : {}) as {
    name?: string;
    namespace?: string;
  };
  const gvk = `${info.group ? `${info.group}/` : '/'}${info.version}, Kind=${info.kind}`;
  throw new ApiError(
    500,
    '',
    `failed to create typed patch object (${namespace ?? ''}/${name ?? ''}; ${gvk}): .${found[0] as string}: field not declared in schema`,
  );
}
