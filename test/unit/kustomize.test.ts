// manifests/bot as a kustomize base and its example overlay, rendered by the real `kubectl kustomize` (local: no
// cluster, no network): the overlay's image, namespace, replicas and policy reach every object they should, and
// nothing is left behind in the base's namespace. test/integration/kustomize.test.ts applies the result to the
// Kubernetes stand-in.
import { execFile } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from '@jest/globals';
import { parse, parseAllDocuments } from 'yaml';
import { loadPolicy } from '../../src/policy/policy.js';

const exec = promisify(execFile);
const BASE = 'manifests/bot/base';
const OVERLAY = 'manifests/bot/overlays/example';

interface K8sObject {
  kind: string;
  metadata: { name: string; namespace?: string };
  [key: string]: unknown;
}
interface Overlay {
  images: { name: string; newName: string; newTag: string }[];
  replicas: { name: string; count: number }[];
  configMapGenerator: { name: string; files: string[] }[];
  patches: { target: { kind: string }; patch: string }[];
}
interface PodTemplate {
  spec: {
    replicas?: number;
    template: {
      spec: { containers: { image: string }[]; volumes?: { name: string; configMap?: { name: string } }[] };
    };
  };
}
interface Binding {
  subjects: { kind: string; name: string; namespace?: string }[];
}

async function render(folder: string): Promise<K8sObject[]> {
  const { stdout } = await exec('kubectl', ['kustomize', folder], { maxBuffer: 16 * 1024 * 1024 });
  return parseAllDocuments(stdout).map((d) => d.toJS() as K8sObject);
}

let base: K8sObject[];
let rendered: K8sObject[];
let overlay: Overlay;
let namespace: string;

beforeAll(async () => {
  [base, rendered] = await Promise.all([render(BASE), render(OVERLAY)]);
  overlay = parse(await readFile(join(OVERLAY, 'kustomization.yaml'), 'utf8')) as Overlay;
  namespace = rendered.find((o) => o.kind === 'Namespace')!.metadata.name;
});

const named = (objects: K8sObject[], kind: string, name: string) =>
  objects.find((o) => o.kind === kind && o.metadata.name === name) as unknown as PodTemplate;
const workloads = (objects: K8sObject[]) =>
  objects.filter((o) => o.kind === 'Deployment' || o.kind === 'Job') as unknown as (K8sObject & PodTemplate)[];

describe('the base', () => {
  it('lists every manifest of its folder but the Secret template', async () => {
    const files = (await readdir(BASE)).filter((f) => f.endsWith('.yaml') && f !== 'kustomization.yaml');
    const { resources } = parse(await readFile(join(BASE, 'kustomization.yaml'), 'utf8')) as { resources: string[] };
    expect([...resources].sort()).toEqual(files.filter((f) => f !== 'secret.template.yaml').sort());
    expect(base.filter((o) => o.kind === 'Secret')).toEqual([]);
  });
});

describe('the example overlay', () => {
  it('renames the namespace and leaves no object in the old one', () => {
    expect(namespace).not.toBe('carbon-ops');
    expect(overlay.patches.find((p) => p.target.kind === 'Namespace')?.patch).toContain(`value: ${namespace}`);
    expect(rendered.filter((o) => o.metadata.namespace === 'carbon-ops')).toEqual([]);
    // Each object of the base's namespace is in the new one; the Roles elsewhere keep theirs.
    const key = (o: K8sObject, ns = o.metadata.namespace) => `${o.kind} ${ns ?? ''}/${o.metadata.name}`;
    const moved = base.map((o) =>
      o.kind === 'Namespace'
        ? `Namespace ${namespace}`
        : key(o, o.metadata.namespace?.replace(/^carbon-ops$/, namespace)),
    );
    const kept = rendered.filter((o) => !o.metadata.name.startsWith('carbon-ops-policy-'));
    expect(kept.map((o) => (o.kind === 'Namespace' ? `Namespace ${o.metadata.name}` : key(o))).sort()).toEqual(
      moved.sort(),
    );
    expect(rendered.filter((o) => o.kind === 'Role').map((o) => o.metadata.namespace)).toContain('data-platform');
  });

  it('binds the ServiceAccount of the new namespace in every binding', () => {
    const bindings = rendered.filter((o) => o.kind === 'RoleBinding' || o.kind === 'ClusterRoleBinding');
    expect(bindings.length).toBeGreaterThan(2);
    for (const b of bindings as unknown as (K8sObject & Binding)[])
      expect(b.subjects).toEqual([{ kind: 'ServiceAccount', name: 'carbon-ops', namespace }]);
    const account = rendered.find((o) => o.kind === 'ServiceAccount')!;
    expect(account.metadata).toMatchObject({ name: 'carbon-ops', namespace });
  });

  it("runs the overlay's image in every container, and its replica counts", () => {
    const [image] = overlay.images;
    const pods = workloads(rendered);
    expect(pods.map((p) => p.metadata.name).sort()).toEqual(['carbon-bot', 'carbon-migrate', 'carbon-worker']);
    for (const p of pods)
      for (const c of p.spec.template.spec.containers) expect(c.image).toBe(`${image!.newName}:${image!.newTag}`);
    for (const { name, count } of overlay.replicas)
      expect(named(rendered, 'Deployment', name).spec.replicas).toBe(count);
  });

  it('mounts the generated policy ConfigMap, a policy the bot loads, in the bot and the workers', async () => {
    const generated = rendered.find((o) => o.kind === 'ConfigMap' && o.metadata.name.startsWith('carbon-ops-policy-'));
    expect(generated?.metadata.namespace).toBe(namespace);
    for (const name of ['carbon-bot', 'carbon-worker']) {
      const volumes = named(rendered, 'Deployment', name).spec.template.spec.volumes ?? [];
      expect(volumes.find((v) => v.name === 'policy')?.configMap?.name).toBe(generated!.metadata.name);
    }
    const text = (generated as unknown as { data: Record<string, string> }).data['policy.yaml']!;
    expect(text).toBe(await readFile(join(OVERLAY, overlay.configMapGenerator[0]!.files[0]!), 'utf8'));
    const dir = await mkdtemp(join(tmpdir(), 'kustomize-policy-'));
    try {
      await writeFile(join(dir, 'policy.yaml'), text);
      await expect(loadPolicy(join(dir, 'policy.yaml'))).resolves.toBeDefined();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
