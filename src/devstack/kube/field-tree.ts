// The field tree of the built-in kinds: for each type, the fields it has on the wire and their types.
// It is read from @kubernetes/client-node's generated models, whose `attributeTypeMap` lists every field
// of every type of the published OpenAPI document ({name, baseName, type, format}; baseName is the wire
// name). Field validation (unknown fields), the /openapi/v3 schemas and `kubectl explain` all read it.
// cert-manager's kinds have no models there: they get no field tree (see unknownFields).
import * as models from '@kubernetes/client-node';
import type { ResourceInfo } from './resources.js';

export type FieldType =
  | { type: 'model'; model: string }
  | { type: 'array'; items: FieldType }
  | { type: 'map'; values: FieldType }
  | { type: 'string' | 'integer' | 'number' | 'boolean' | 'int-or-string'; format?: string }
  /** Any JSON (RawExtension, JSONSchemaProps' free-form fields, managedFields' fieldsV1). */
  | { type: 'any' };

export interface Field {
  name: string;
  type: FieldType;
}

interface Attribute {
  baseName: string;
  type: string;
  format: string;
}

const ATTRIBUTES = new Map<string, readonly Attribute[]>();
for (const [name, value] of Object.entries(models)) {
  const map = (value as { attributeTypeMap?: unknown }).attributeTypeMap;
  if (typeof value === 'function' && Array.isArray(map)) ATTRIBUTES.set(name, map as Attribute[]);
}

function parseType(type: string, format: string): FieldType {
  const array = /^Array<(.+)>$/.exec(type);
  if (array) return { type: 'array', items: parseType(array[1] as string, '') };
  const map = /^\{ \[key: string\]: (.+); \}$/.exec(type);
  if (map) return { type: 'map', values: parseType(map[1] as string, '') };
  switch (type) {
    case 'string':
      return { type: 'string', ...(format ? { format } : {}) };
    case 'Date':
      return { type: 'string', format: format || 'date-time' };
    case 'number':
      return format === 'int32' || format === 'int64'
        ? { type: 'integer', format }
        : { type: 'number', ...(format ? { format } : {}) };
    case 'boolean':
      return { type: 'boolean' };
    case 'IntOrString':
      return { type: 'int-or-string' };
    case 'any':
      return { type: 'any' };
    default:
      return ATTRIBUTES.has(type) ? { type: 'model', model: type } : { type: 'any' };
  }
}

const fieldCache = new Map<string, ReadonlyMap<string, Field>>();

/** The fields of a model, by wire name. */
export function fieldsOf(model: string): ReadonlyMap<string, Field> {
  let fields = fieldCache.get(model);
  if (!fields) {
    fields = new Map(
      (ATTRIBUTES.get(model) ?? []).map((a) => [a.baseName, { name: a.baseName, type: parseType(a.type, a.format) }]),
    );
    fieldCache.set(model, fields);
  }
  return fields;
}

/** The model of a kind served by the stand-in: V1Deployment, V2HorizontalPodAutoscaler, CoreV1Event;
 * undefined for CRDs. */
export function rootModel(info: ResourceInfo): string | undefined {
  if (info.crd) return undefined;
  const version = info.version.charAt(0).toUpperCase() + info.version.slice(1);
  const group = info.group.split('.')[0] ?? '';
  const prefix = group === '' ? 'Core' : group.charAt(0).toUpperCase() + group.slice(1);
  return [`${prefix}${version}${info.kind}`, `${version}${info.kind}`].find((name) => ATTRIBUTES.has(name));
}

/** How the OpenAPI document and `kubectl explain` name a model: V1DeploymentSpec → DeploymentSpec. */
export function typeName(model: string): string {
  return model.replace(
    /^(Core|Discovery|Events|Rbac|Storage|Admissionregistration|Apiextensions|Apiregistration|Authentication|Flowcontrol|Resource)?V\d+(?:alpha\d+|beta\d+)?/,
    '',
  );
}
