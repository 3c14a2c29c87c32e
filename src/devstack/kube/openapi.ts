// OpenAPI v3, one document per group version (/openapi/v3/api/v1, /openapi/v3/apis/<group>/<version>):
// - the schemas of the kinds served and of every type they reach, built from the field tree
//   (field-tree.ts) with the published descriptions (model-docs.ts), so `kubectl explain` works;
// - for each resource's PATCH operation, the fieldValidation, fieldManager, dryRun and force query
//   parameters (kubectl checks dryRun before `--dry-run=server` and fieldValidation before validating on
//   the server) and the apply, JSON and merge patch bodies.
// Strategic merge patch is accepted for built-in kinds but not listed: listing it makes kubectl compute
// client-side apply patches from these schemas, which lack the patch strategies and merge keys; without
// it kubectl uses its built-in types. The schemas' names are client-node's model names (V1.Deployment,
// not io.k8s.api.apps.v1.Deployment); explain prints the part after the last dot, as for the real ones.
// cert-manager's kinds get an open object schema (their structural schemas are not in any package here).
// /openapi/v2 stays a 404.
import { fieldsOf, rootModel, typeName } from './field-tree.js';
import type { FieldType } from './field-tree.js';
import { fnv32a } from './ids.js';
import { modelDocs } from './model-docs.js';
import type { ResourceInfo } from './resources.js';
import { GROUPS, RESOURCES, versionOf } from './resources.js';

const INT_OR_STRING = 'io.k8s.apimachinery.pkg.util.intstr.IntOrString';

const schemaName = (model: string): string =>
  `${model.slice(0, model.length - typeName(model).length)}.${typeName(model)}`;
const ref = (name: string): { $ref: string } => ({ $ref: `#/components/schemas/${name}` });

/** The schema of a field's type; models it names are added to `pending`. */
function typeSchema(type: FieldType, pending: string[]): Record<string, unknown> {
  switch (type.type) {
    case 'model':
      pending.push(type.model);
      return ref(schemaName(type.model));
    case 'array':
      return { type: 'array', items: typeSchema(type.items, pending) };
    case 'map':
      return { type: 'object', additionalProperties: typeSchema(type.values, pending) };
    case 'int-or-string':
      return ref(INT_OR_STRING);
    case 'any':
      return { type: 'object', 'x-kubernetes-preserve-unknown-fields': true };
    default:
      return { type: type.type, ...(type.format ? { format: type.format } : {}) };
  }
}

function modelSchema(model: string, pending: string[]): Record<string, unknown> {
  const docs = modelDocs(model);
  const properties: Record<string, unknown> = {};
  for (const [name, field] of fieldsOf(model)) {
    const schema = typeSchema(field.type, pending);
    const description = docs.fields.get(name);
    // As in the published document: a reference with a description goes in an allOf.
    properties[name] =
      '$ref' in schema
        ? { ...(description ? { description } : {}), allOf: [schema] }
        : { ...(description ? { description } : {}), ...schema };
  }
  return { ...(docs.description ? { description: docs.description } : {}), type: 'object', properties };
}

function schemas(resources: readonly ResourceInfo[]): Record<string, unknown> {
  const out: Record<string, unknown> = {
    [INT_OR_STRING]: {
      description: 'IntOrString is a type that can hold an int32 or a string.',
      format: 'int-or-string',
      'x-kubernetes-int-or-string': true,
    },
  };
  const pending: string[] = [];
  const gvkOf = new Map<string, ResourceInfo>();
  for (const r of resources) {
    const model = rootModel(r);
    if (model) {
      pending.push(model);
      gvkOf.set(model, r);
    } else {
      out[`${r.group}.${r.version}.${r.kind}`] = {
        type: 'object',
        'x-kubernetes-preserve-unknown-fields': true,
        'x-kubernetes-group-version-kind': [{ group: r.group, kind: r.kind, version: r.version }],
      };
    }
  }
  const done = new Set<string>();
  for (let model = pending.pop(); model !== undefined; model = pending.pop()) {
    if (done.has(model)) continue;
    done.add(model);
    const schema = modelSchema(model, pending);
    const r = gvkOf.get(model);
    if (r) schema['x-kubernetes-group-version-kind'] = [{ group: r.group, kind: r.kind, version: r.version }];
    out[schemaName(model)] = schema;
  }
  return out;
}

function patchOperation(r: ResourceInfo): object {
  return {
    patch: {
      operationId: `patch${r.kind}`,
      parameters: ['fieldValidation', 'fieldManager', 'dryRun', 'force'].map((name) => ({
        name,
        in: 'query',
        schema: { type: name === 'force' ? 'boolean' : 'string', uniqueItems: true },
      })),
      requestBody: {
        content: Object.fromEntries(
          ['application/apply-patch+yaml', 'application/json-patch+json', 'application/merge-patch+json'].map(
            (type) => [type, { schema: { type: 'object' } }],
          ),
        ),
      },
      responses: { '200': { description: 'OK' } },
      'x-kubernetes-action': 'patch',
      'x-kubernetes-group-version-kind': { group: r.group, version: r.version, kind: r.kind },
    },
  };
}

function document(group: string): object {
  const prefix = group === '' ? '/api/v1' : `/apis/${group}/${versionOf(group)}`;
  const resources = RESOURCES.filter((r) => r.group === group);
  const paths = Object.fromEntries(
    resources.map((r) => [
      `${prefix}${r.namespaced ? '/namespaces/{namespace}' : ''}/${r.plural}/{name}`,
      patchOperation(r),
    ]),
  );
  return {
    openapi: '3.0.0',
    info: { title: 'Kubernetes', version: 'v1.31.4' },
    paths,
    components: { schemas: schemas(resources) },
  };
}

const pathOf = (group: string): string => (group === '' ? 'api/v1' : `apis/${group}/${versionOf(group)}`);

// Built on first use: the documents are large, and most stand-ins never serve them.
let documents: Map<string, string> | undefined;

function allDocuments(): Map<string, string> {
  documents ??= new Map(['', ...GROUPS].map((group) => [pathOf(group), JSON.stringify(document(group))]));
  return documents;
}

/** The body for an /openapi/v3[/...] path, or undefined (404). */
export function openapiV3(path: string): string | undefined {
  if (path === '/openapi/v3' || path === '/openapi/v3/') {
    const paths = Object.fromEntries(
      [...allDocuments()].map(([gv, text]) => [
        gv,
        { serverRelativeURL: `/openapi/v3/${gv}?hash=${fnv32a(text).toString(16).toUpperCase()}` },
      ]),
    );
    return JSON.stringify({ paths });
  }
  return allDocuments().get(path.replace(/^\/openapi\/v3\//, ''));
}
