// Kubeconfigs written for a test, as YAML text (what kubeAccessFromYaml and kubectl read).
import YAML from 'yaml';

/** One cluster, one user, one context (current): `cluster` and `user` hold the kubeconfig's own fields. */
export function kubeconfigYaml(cluster: Record<string, unknown>, user: Record<string, unknown> = {}): string {
  return YAML.stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'c', cluster }],
    users: [{ name: 'u', user }],
    contexts: [{ name: 'c', context: { cluster: 'c', user: 'u' } }],
    'current-context': 'c',
  });
}

/** The current user's entry of a kubeconfig (say, the bot's ServiceAccount's): its name and fields. */
export function currentUser(kubeconfig: string): { name: string; user: Record<string, unknown> } {
  const doc = YAML.parse(kubeconfig) as {
    'current-context': string;
    contexts: { name: string; context: { user: string } }[];
    users: { name: string; user: Record<string, unknown> }[];
  };
  const name = doc.contexts.find((c) => c.name === doc['current-context'])!.context.user;
  return doc.users.find((u) => u.name === name)!;
}
