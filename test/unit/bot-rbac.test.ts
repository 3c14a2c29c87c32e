// manifests/bot/base/rbac.yaml: generated from the catalogue and the runbooks (scripts/bot-rbac.ts), and judged here
// as the API server would judge the bot's requests: the file is loaded into the Kubernetes stand-in's store and
// each request is put to its RBAC authorizer (src/devstack/kube/rbac.ts, the real authorizer's rules).
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { BOT, CATALOGUE_FILE, generateBotRbac, grants, NEVER_WRITTEN, RBAC_FILE } from '../../scripts/bot-rbac.js';
import { loadCatalogue, type Catalogue } from '../../src/catalogue.js';
import { serviceAccountGroups } from '../../src/devstack/kube/authn.js';
import { Cluster, type KubeObject } from '../../src/devstack/kube/index.js';
import { authorize, type PolicyRule } from '../../src/devstack/kube/rbac.js';
import { requestAttributes } from '../../src/devstack/kube/request-info.js';
import { resourceForKind, resourceOf } from '../../src/devstack/kube/resources.js';
import type { ManifestObject } from '../../src/features/phases/manifests.js';
import { loadRunbooks, type Runbooks } from '../../src/features/phases/runbook.js';

type Role = KubeObject & { rules: PolicyRule[] };

let text: string;
let objects: KubeObject[];
let catalogue: Catalogue;
let runbooks: Runbooks;
const cluster = new Cluster();
const bot = {
  username: `system:serviceaccount:${BOT.namespace}:${BOT.name}`,
  groups: serviceAccountGroups(BOT.namespace),
};

beforeAll(async () => {
  text = await readFile(RBAC_FILE, 'utf8');
  objects = parseAllDocuments(text).map((doc) => doc.toJS() as KubeObject);
  catalogue = await loadCatalogue(CATALOGUE_FILE);
  runbooks = await loadRunbooks();
  const namespaces = [...new Set(objects.map((o) => o.metadata.namespace).filter((n): n is string => !!n))];
  cluster.load([
    ...namespaces.map((name) => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } }) as KubeObject),
    ...objects,
  ]);
});

afterAll(() => cluster.close());

const WRITES = ['create', 'update', 'patch', 'delete', 'deletecollection'];

/** Would the API server let the bot do this? `verb` overrides the method's (a server-side apply that creates). */
function may(method: string, path: string, verb?: string): boolean {
  const attrs = requestAttributes(bot, method, new URL(path, 'https://cluster'));
  return authorize(cluster.store, verb === undefined ? attrs : { ...attrs, verb }).allowed;
}

/** The path of an object, or of its collection, the way the bot's Kube client builds it. */
function pathOf(object: Pick<ManifestObject, 'apiVersion' | 'kind' | 'metadata'>, collection = false): string {
  const info = resourceForKind(object.kind)!;
  const base = object.apiVersion.includes('/') ? `/apis/${object.apiVersion}` : `/api/${object.apiVersion}`;
  const scope = info.namespaced ? `/namespaces/${object.metadata.namespace ?? 'default'}` : '';
  return `${base}${scope}/${info.plural}${collection ? '' : `/${object.metadata.name}`}`;
}

const roles = (kind: 'Role' | 'ClusterRole') => objects.filter((o) => o.kind === kind) as Role[];

/** Every task of every phase, with its phase number. */
const tasks = () => runbooks.phases.flatMap((p) => p.tasks);

describe('manifests/bot/base/rbac.yaml', () => {
  it('is what scripts/bot-rbac.ts generates from the catalogue and the runbooks (npm run rbac:generate)', async () => {
    expect(text).toBe(await generateBotRbac());
  });

  it('lets restart and the vault cutover write in every namespace of the catalogue', () => {
    for (const s of catalogue.services) {
      const group = `/apis/apps/v1/namespaces/${s.namespace}`;
      expect({ service: s.name, restart: may('PATCH', `${group}/${s.kind}s/${s.workload}`) }).toEqual({
        service: s.name,
        restart: true,
      });
      expect(may('PATCH', `${group}/deployments/any-reader`)).toBe(true); // the cutover annotates any reader
      expect(may('PATCH', `/api/v1/namespaces/${s.namespace}/configmaps/any-config`)).toBe(true);
    }
  });

  it('lets the runbooks do what they do to each of their objects, and to nothing else of the kind', () => {
    for (const task of tasks()) {
      if (task.kind === 'apply') {
        for (const { object } of task.objects) {
          const path = pathOf(object);
          if (task.createOnly) {
            expect({ path, create: may('POST', pathOf(object, true)) }).toEqual({ path, create: true });
            expect({ path, read: may('GET', path), patch: may('PATCH', path) }).toEqual({
              path,
              read: false,
              patch: false,
            });
            continue;
          }
          // Server-side apply: read for the diff, PATCH, authorized again as create of the name when it creates.
          const allowed = { get: may('GET', path), patch: may('PATCH', path), create: may('PATCH', path, 'create') };
          expect({ path, ...allowed }).toEqual({ path, get: true, patch: true, create: true });
          if (object.kind !== 'ConfigMap') {
            // Another object of the same kind in the same place: untouchable (ConfigMaps are patched by the cutover).
            const other = pathOf({ ...object, metadata: { ...object.metadata, name: 'not-in-the-runbooks' } });
            expect({ other, patch: may('PATCH', other), create: may('PATCH', other, 'create') }).toEqual({
              other,
              patch: false,
              create: false,
            });
          }
        }
      } else if (task.kind === 'check' && 'objects' in task.check) {
        for (const { object } of task.check.objects ?? []) expect(may('GET', pathOf(object))).toBe(true);
      } else if (task.kind === 'cleanup') {
        for (const { namespace } of task.targets)
          expect(may('DELETE', `/api/v1/namespaces/${namespace}/pods/failed-pod`)).toBe(true);
      }
    }
  });

  it('writes nothing in kube-system, the control plane namespaces or its own, nor where nothing names', () => {
    for (const namespace of [...NEVER_WRITTEN, 'velero', 'some-team']) {
      const ns = `/namespaces/${namespace}`;
      expect({
        namespace,
        restart: may('PATCH', `/apis/apps/v1${ns}/deployments/coredns`),
        daemonset: may('PATCH', `/apis/apps/v1${ns}/daemonsets/kube-proxy`),
        configmap: may('PATCH', `/api/v1${ns}/configmaps/carbon-ops-config`),
        create: may('POST', `/api/v1${ns}/configmaps`),
        deletePod: may('DELETE', `/api/v1${ns}/pods/carbon-bot-0`),
        secret: may('POST', `/api/v1${ns}/secrets`),
      }).toEqual({
        namespace,
        restart: false,
        daemonset: false,
        configmap: false,
        create: false,
        deletePod: false,
        secret: false,
      });
    }
    // And never RBAC, Secrets' values, or any cluster-scoped object but the runbooks'.
    expect(may('POST', '/apis/rbac.authorization.k8s.io/v1/clusterrolebindings')).toBe(false);
    expect(may('PATCH', '/apis/rbac.authorization.k8s.io/v1/namespaces/data-platform/roles/x')).toBe(false);
    expect(may('GET', '/api/v1/namespaces/data-platform/secrets/etl-database')).toBe(false);
    expect(may('GET', '/api/v1/secrets')).toBe(false);
    expect(may('PATCH', '/apis/cert-manager.io/v1/clusterissuers/someone-elses')).toBe(false);
    expect(may('PATCH', '/api/v1/namespaces/data-platform')).toBe(false);
  });

  it('holds no write verb on a namespaced resource in a ClusterRole: cluster-scoped objects only, by name', () => {
    for (const role of roles('ClusterRole')) {
      for (const rule of role.rules) {
        if (!rule.verbs.some((v) => WRITES.includes(v))) continue;
        expect({ role: role.metadata.name, rule }).toEqual({
          role: role.metadata.name,
          rule: { ...rule, resourceNames: expect.arrayContaining([expect.any(String)]) },
        });
        for (const resource of rule.resources ?? []) expect(resourceOf(resource).namespaced).toBe(false);
      }
    }
    const reader = roles('ClusterRole').find((r) => r.metadata.name === 'carbon-ops-reader')!;
    expect([...new Set(reader.rules.flatMap((r) => r.verbs))].sort()).toEqual(['get', 'list']);
  });

  it('has a Role exactly in the namespaces the catalogue and the runbooks write in, each bound to the bot', () => {
    const written = new Set(catalogue.services.map((s) => s.namespace));
    for (const task of tasks()) {
      if (task.kind === 'apply')
        for (const { object } of task.objects)
          if (resourceForKind(object.kind)!.namespaced) written.add(object.metadata.namespace ?? 'default');
      if (task.kind === 'cleanup') for (const { namespace } of task.targets) written.add(namespace);
    }
    const withRole = roles('Role').map((r) => r.metadata.namespace!);
    expect(withRole.sort()).toEqual([...written].sort());
    for (const role of roles('Role')) {
      expect(role.rules.some((rule) => rule.verbs.some((v) => WRITES.includes(v)))).toBe(true);
      const binding = objects.find(
        (o) => o.kind === 'RoleBinding' && o.metadata.namespace === role.metadata.namespace,
      ) as KubeObject & { roleRef: unknown; subjects: unknown };
      expect(binding).toMatchObject({
        roleRef: { kind: 'Role', name: role.metadata.name },
        subjects: [{ kind: 'ServiceAccount', ...BOT }],
      });
    }
  });

  it("never grants a wildcard, update, deletecollection, bind, escalate or impersonate; Secrets create-only but the catalogue's PostgreSQL passwords, by name", () => {
    const rules = [...roles('ClusterRole'), ...roles('Role')].flatMap((r) =>
      r.rules.map((rule) => ({ ...rule, namespace: r.metadata.namespace })),
    );
    for (const rule of rules) {
      for (const value of [...(rule.apiGroups ?? []), ...(rule.resources ?? []), ...rule.verbs])
        expect(value).not.toContain('*');
      for (const verb of ['update', 'deletecollection', 'bind', 'escalate', 'impersonate'])
        expect(rule.verbs).not.toContain(verb);
    }
    const secrets = rules.filter((r) => r.resources?.includes('secrets'));
    expect(secrets.map((r) => [r.namespace, r.verbs, r.resourceNames])).toEqual([
      ['data-platform', ['get'], ['postgresql-health']],
      ['data-platform', ['create'], undefined],
    ]);
    // The health report reads the one Secret the catalogue names for a PostgreSQL check, and no other.
    expect(may('GET', '/api/v1/namespaces/data-platform/secrets/postgresql-health')).toBe(true);
    expect(may('GET', '/api/v1/namespaces/kafka/secrets/postgresql-health')).toBe(false);
    expect(may('GET', '/api/v1/namespaces/data-platform/secrets')).toBe(false);
  });
  it('grants watch on pods only, in the namespaces where the catalogue names services (the pod watch)', async () => {
    const watching = [...roles('ClusterRole'), ...roles('Role')].flatMap((r) =>
      r.rules
        .filter((rule) => rule.verbs.includes('watch'))
        .map((rule) => ({ namespace: r.metadata.namespace, resources: rule.resources, verbs: rule.verbs })),
    );
    const catalogue = await loadCatalogue(CATALOGUE_FILE);
    const namespaces = [...new Set(catalogue.services.map((s) => s.namespace))].sort();
    expect(watching.map((w) => w.namespace).sort()).toEqual(namespaces);
    for (const w of watching) expect(w).toMatchObject({ resources: ['pods'], verbs: ['watch'] });
  });
});

describe('scripts/bot-rbac.ts', () => {
  it('refuses a catalogue that would have it write in kube-system or in its own namespace', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'bot-rbac-'));
    try {
      for (const namespace of ['kube-system', BOT.namespace]) {
        const file = join(dir, `${namespace}.yaml`);
        await writeFile(file, `services:\n  - { name: dns, namespace: ${namespace}, workload: deployment/coredns }\n`);
        await expect(grants(file, runbooks)).rejects.toThrow(`${namespace}: carbon-ops writes nothing here`);
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
