// Just enough OpenAPI v3 for kubectl's create/apply/replace/diff: the per-group-version documents declare,
// for each resource's PATCH operation, that the server takes the fieldValidation, fieldManager, dryRun
// and force query parameters (kubectl checks dryRun before `--dry-run=server`) and the apply, JSON and
// merge patch bodies, so kubectl validates on the server instead of downloading full schemas. Schemas
// themselves are not served (kubectl then computes apply patches from its built-in types), and
// /openapi/v2 stays a 404.
import { fnv32a } from './ids.js';
import { GROUPS, RESOURCES } from './resources.js';

const groupVersions = ['api/v1', ...GROUPS.map((g) => `apis/${g}/v1`)];

function document(groupVersion: string): object {
  const group = groupVersion === 'api/v1' ? '' : (groupVersion.split('/')[1] as string);
  const paths: Record<string, object> = {};
  for (const r of RESOURCES.filter((x) => x.group === group)) {
    const base = `/${groupVersion}${r.namespaced ? '/namespaces/{namespace}' : ''}/${r.plural}/{name}`;
    paths[base] = {
      patch: {
        operationId: `patch${r.kind}`,
        parameters: [
          { name: 'fieldValidation', in: 'query', schema: { type: 'string', uniqueItems: true } },
          { name: 'fieldManager', in: 'query', schema: { type: 'string', uniqueItems: true } },
          { name: 'dryRun', in: 'query', schema: { type: 'string', uniqueItems: true } },
          { name: 'force', in: 'query', schema: { type: 'boolean', uniqueItems: true } },
        ],
        // Strategic merge patch is accepted for built-in kinds but left out here on purpose: listing it
        // makes kubectl compute patches from the schemas, which are not served.
        requestBody: {
          content: Object.fromEntries(
            ['application/apply-patch+yaml', 'application/json-patch+json', 'application/merge-patch+json'].map((type) => [type, { schema: { type: 'object' } }]),
          ),
        },
        responses: { '200': { description: 'OK' } },
        'x-kubernetes-action': 'patch',
        'x-kubernetes-group-version-kind': { group: r.group, version: r.version, kind: r.kind },
      },
    };
  }
  return { openapi: '3.0.0', info: { title: 'Kubernetes', version: 'v1.31.4' }, paths, components: { schemas: {} } };
}

const documents = new Map(groupVersions.map((gv) => [gv, JSON.stringify(document(gv))]));

/** The body for an /openapi/v3[/...] path, or undefined (404). */
export function openapiV3(path: string): string | undefined {
  if (path === '/openapi/v3' || path === '/openapi/v3/') {
    const paths = Object.fromEntries(
      [...documents].map(([gv, text]) => [gv, { serverRelativeURL: `/openapi/v3/${gv}?hash=${fnv32a(text).toString(16).toUpperCase()}` }]),
    );
    return JSON.stringify({ paths });
  }
  return documents.get(path.replace(/^\/openapi\/v3\//, ''));
}
