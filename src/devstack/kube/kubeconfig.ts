// A kubeconfig that kubectl and @kubernetes/client-node use unchanged: the server's certificate as CA
// and a bearer token.
// The context is named the same whoever the user is, so the cluster is named alike in every report.
import YAML from 'yaml';

const CONTEXT_NAME = 'carbon-devstack';

/** `user` names the kubeconfig's user entry (e.g. the admin, or the ServiceAccount). */
export function kubeconfigYaml(
  url: string,
  caPem: string,
  credentials: { user: string; token: string },
  namespace = 'default',
): string {
  return YAML.stringify({
    apiVersion: 'v1',
    kind: 'Config',
    preferences: {},
    clusters: [
      {
        name: CONTEXT_NAME,
        cluster: { server: url, 'certificate-authority-data': Buffer.from(caPem).toString('base64') },
      },
    ],
    users: [{ name: credentials.user, user: { token: credentials.token } }],
    contexts: [{ name: CONTEXT_NAME, context: { cluster: CONTEXT_NAME, user: credentials.user, namespace } }],
    'current-context': CONTEXT_NAME,
  });
}
