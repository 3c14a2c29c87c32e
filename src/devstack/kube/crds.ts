// The CustomResourceDefinitions behind the kinds served as CRDs (cert-manager's), as its Helm chart
// installs them, so `kubectl get crd` lists them. Their schemas are not carried (no package here ships
// cert-manager's structural schemas): each version preserves unknown fields, and validation of their
// objects comes from kubernetes-models (schema-validation.ts).
import { rfc3339 } from './duration.js';
import type { ResourceInfo } from './resources.js';
import { RESOURCES } from './resources.js';
import type { KubeObject } from './types.js';

function crdOf(info: ResourceInfo, createdAt: string): KubeObject {
  const names = {
    plural: info.plural,
    singular: info.singular,
    kind: info.kind,
    listKind: `${info.kind}List`,
    ...(info.shortNames.length ? { shortNames: info.shortNames } : {}),
    ...(info.categories.length ? { categories: info.categories } : {}),
  };
  const conditions = ['NamesAccepted', 'Established'].map((type) => ({
    type,
    status: 'True',
    lastTransitionTime: createdAt,
    reason: type === 'Established' ? 'InitialNamesAccepted' : 'NoConflicts',
    message: type === 'Established' ? 'the initial names have been accepted' : 'no conflicts found',
  }));
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: {
      name: `${info.plural}.${info.group}`,
      labels: {
        app: 'cert-manager',
        'app.kubernetes.io/instance': 'cert-manager',
        'app.kubernetes.io/name': 'cert-manager',
      },
      uid: '',
      resourceVersion: '',
      creationTimestamp: createdAt,
    },
    spec: {
      group: info.group,
      names,
      scope: info.namespaced ? 'Namespaced' : 'Cluster',
      versions: [
        {
          name: info.version,
          served: true,
          storage: true,
          schema: { openAPIV3Schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } },
          ...(info.subresources.includes('status') ? { subresources: { status: {} } } : {}),
        },
      ],
      conversion: { strategy: 'None' },
    },
    status: { acceptedNames: names, conditions, storedVersions: [info.version] },
  };
}

/** One CRD per resource served as a custom resource. */
export function customResourceDefinitions(createdAt: number): KubeObject[] {
  return RESOURCES.filter((r) => r.crd).map((r) => crdOf(r, rfc3339(createdAt)));
}
