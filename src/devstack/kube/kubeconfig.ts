// A kubeconfig that kubectl and @kubernetes/client-node use unchanged: plain HTTP, no credentials
// (the stand-in authenticates nobody, like `kubectl proxy`).
import YAML from 'yaml';

const CONTEXT_NAME = 'carbon-devstack';

export function kubeconfigYaml(url: string, namespace = 'default'): string {
  return YAML.stringify({
    apiVersion: 'v1',
    kind: 'Config',
    preferences: {},
    // client-node refuses a plain-http server unless TLS verification is explicitly off; kubectl accepts it too.
    clusters: [{ name: CONTEXT_NAME, cluster: { server: url, 'insecure-skip-tls-verify': true } }],
    users: [{ name: CONTEXT_NAME, user: {} }],
    contexts: [{ name: CONTEXT_NAME, context: { cluster: CONTEXT_NAME, user: CONTEXT_NAME, namespace } }],
    'current-context': CONTEXT_NAME,
  });
}
