// The bot's identity on the stand-in: its ServiceAccount and RBAC exactly as manifests/bot declares
// them (namespace.yaml and rbac.yaml), so every call the bot makes is authorized by the rules it ships
// with. Objects in a namespace the scenario does not have are left out, as `kubectl apply` would refuse them.
import { readFile } from 'node:fs/promises';
import YAML from 'yaml';
import type { Cluster } from './cluster.js';
import type { KubeObject } from './types.js';

export const BOT_NAMESPACE = 'carbon-ops';
export const BOT_SERVICE_ACCOUNT = 'carbon-ops';

const MANIFESTS = ['namespace.yaml', 'rbac.yaml'].map(
  (file) => new URL(`../../../manifests/bot/base/${file}`, import.meta.url),
);

export async function botManifests(): Promise<KubeObject[]> {
  const texts = await Promise.all(MANIFESTS.map((file) => readFile(file, 'utf8')));
  return texts
    .flatMap((text) => YAML.parseAllDocuments(text).map((doc) => doc.toJS() as KubeObject | null))
    .filter((o): o is KubeObject => o !== null);
}

/** Loads the objects that are not there yet (a scenario may already hold the namespace). */
export function installObjects(cluster: Cluster, objects: KubeObject[]): void {
  const namespaces = new Set(cluster.list('namespaces').map((n) => n.metadata.name));
  for (const o of objects) if (o.kind === 'Namespace') namespaces.add(o.metadata.name);
  const missing = objects.filter((o) => {
    const plural = o.kind === 'Namespace' ? 'namespaces' : undefined;
    if (plural) return !cluster.get(plural, undefined, o.metadata.name);
    return o.metadata.namespace === undefined || namespaces.has(o.metadata.namespace);
  });
  cluster.load(missing);
}
