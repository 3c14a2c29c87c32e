import { describe, expect, it } from '@jest/globals';
import { readdirSync, readFileSync } from 'node:fs';
import { parseAllDocuments } from 'yaml';

interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string };
  [key: string]: unknown;
}

interface PodSpec {
  serviceAccountName: string;
  securityContext: { runAsNonRoot: boolean };
  containers: {
    securityContext: Record<string, unknown>;
    livenessProbe: { httpGet: { path: string } };
    readinessProbe: { httpGet: { path: string } };
    resources: { requests?: unknown; limits?: unknown };
  }[];
}

const dir = 'manifests/bot';
const objects: K8sObject[] = readdirSync(dir)
  .filter((f) => f.endsWith('.yaml'))
  .flatMap((f) =>
    parseAllDocuments(readFileSync(`${dir}/${f}`, 'utf8')).map((doc) => {
      expect(doc.errors).toEqual([]);
      return doc.toJS() as K8sObject;
    }),
  );

const byKind = (kind: string) => objects.filter((o) => o.kind === kind);

describe('the bot manifests', () => {
  it('are well-formed objects', () => {
    expect(objects.length).toBeGreaterThanOrEqual(8);
    for (const o of objects) {
      expect(o.apiVersion).toMatch(/^(v1|apps\/v1|batch\/v1|rbac\.authorization\.k8s\.io\/v1)$/);
      expect(o.metadata.name).toMatch(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/);
    }
  });

  it('run bot and worker non-root, read-only, with probes and resources', () => {
    const deployments = byKind('Deployment') as unknown as {
      metadata: { name: string };
      spec: { template: { spec: PodSpec } };
    }[];
    expect(deployments.map((d) => d.metadata.name).sort()).toEqual(['carbon-bot', 'carbon-worker']);
    for (const d of deployments) {
      const pod = d.spec.template.spec;
      expect(pod.securityContext.runAsNonRoot).toBe(true);
      expect(pod.serviceAccountName).toBe('carbon-ops');
      for (const c of pod.containers) {
        expect(c.securityContext).toMatchObject({ readOnlyRootFilesystem: true, allowPrivilegeEscalation: false });
        expect(c.livenessProbe.httpGet.path).toBe('/healthz');
        expect(c.readinessProbe.httpGet.path).toBe('/readyz');
        expect(c.resources.requests).toBeDefined();
        expect(c.resources.limits).toBeDefined();
      }
    }
  });

  it('grant least privilege: no wildcards, secrets create-only, read verbs plus exactly the ones restart and the phase runbooks need', () => {
    type Rule = { apiGroups: string[]; resources: string[]; verbs: string[] };
    const roles = [...byKind('ClusterRole'), ...byKind('Role')] as unknown as (K8sObject & { rules: Rule[] })[];
    const rules = roles.flatMap((r) => r.rules);
    expect(rules.length).toBeGreaterThan(0);
    // Beyond get/list/watch of what the health report reads, only these (group/resource → verbs):
    const extra: Record<string, string[]> = {
      'apps/deployments': ['patch'], // restart: the restartedAt annotation; vault cutover and rollback: the injector annotations
      'apps/statefulsets': ['patch'],
      '/events': ['list'], // restart: recent events of a failed rollout
      'policy/poddisruptionbudgets': ['list', 'create', 'patch'], // restart pre-flight: PDB headroom; phase 4 applies PDBs
      // phase apply and plan: server-side apply (patch), which creates what is missing (create), of the phase kinds
      '/resourcequotas': ['create', 'patch'],
      '/limitranges': ['create', 'patch'],
      '/configmaps': ['create', 'patch'], // and vault cutover removes migrated keys, vault rollback puts them back (patch)
      'networking.k8s.io/networkpolicies': ['create', 'patch'],
      'batch/cronjobs': ['create', 'patch'],
      'cert-manager.io/certificates': ['create', 'patch'],
      'cert-manager.io/clusterissuers': ['create', 'patch'],
      '/pods': ['delete'], // phase 4 clean-up of failed pods
      '/secrets': ['create'], // phase 4 secret templates: created if missing, never read or changed
    };
    const read = ['get', 'list', 'watch'];
    const granted = new Map<string, Set<string>>();
    for (const rule of rules) {
      for (const value of [...rule.apiGroups, ...rule.resources, ...rule.verbs]) expect(value).not.toContain('*');
      for (const verb of rule.verbs) expect(['bind', 'escalate', 'impersonate']).not.toContain(verb);
      for (const group of rule.apiGroups) {
        for (const resource of rule.resources) {
          const key = `${group}/${resource}`;
          for (const verb of rule.verbs) {
            if (!read.includes(verb))
              expect({ key, verb, allowed: extra[key]?.includes(verb) ?? false }).toEqual({ key, verb, allowed: true });
            granted.set(key, (granted.get(key) ?? new Set()).add(verb));
          }
        }
      }
    }
    // …and each of those is really granted, so restart works on a real cluster.
    for (const [key, verbs] of Object.entries(extra))
      for (const verb of verbs) expect(granted.get(key)?.has(verb)).toBe(true);
    // No reads of things the bot does not read: events and PDBs are listed, never watched or read by name.
    expect([...(granted.get('/events') ?? [])]).toEqual(['list']);
    expect([...(granted.get('policy/poddisruptionbudgets') ?? [])].sort()).toEqual(['create', 'get', 'list', 'patch']);
    // ConfigMaps hold the values vault migrate moves: listed (coverage), read by name, patched; never watched.
    expect([...(granted.get('/configmaps') ?? [])].sort()).toEqual(['create', 'get', 'list', 'patch']);
    // Secrets: create only, only in data-platform (the ETL secret templates): never read, listed or changed.
    const secretRoles = roles.filter((r) => r.rules.some((rule) => rule.resources.includes('secrets')));
    expect(secretRoles.map((r) => `${r.kind} ${r.metadata.namespace}/${r.metadata.name}`)).toEqual([
      'Role data-platform/carbon-ops-secret-templates',
    ]);
    expect([...(granted.get('/secrets') ?? [])]).toEqual(['create']);
    // RBAC objects are read (phase 2 checks them), never written: the bot cannot grant itself anything.
    for (const resource of ['roles', 'rolebindings', 'clusterroles', 'clusterrolebindings']) {
      expect([...(granted.get(`rbac.authorization.k8s.io/${resource}`) ?? [])]).toEqual(['get']);
    }
  });

  it("give the schema owner's connection to the migration Job alone, never to the bot or the workers", () => {
    type Pod = { containers: { args: string[]; env?: unknown; envFrom?: unknown }[] };
    const pods = [...byKind('Deployment'), ...byKind('Job')].map((o) => ({
      name: o.metadata.name,
      pod: (o as unknown as { spec: { template: { spec: Pod } } }).spec.template.spec,
    }));
    const owners = pods.filter(({ pod }) => JSON.stringify(pod).includes('carbon-ops-db-owner')).map((p) => p.name);
    expect(owners).toEqual(['carbon-migrate']);
    const migrate = pods.find((p) => p.name === 'carbon-migrate')!.pod.containers[0]!;
    expect(migrate.args).toEqual(['migrate']);
    expect(migrate.envFrom).toBeUndefined(); // DATABASE_URL and DATABASE_MIGRATION_URL by key: no Slack token
    expect(JSON.stringify(migrate.env)).toMatch(/"DATABASE_URL".*"DATABASE_MIGRATION_URL"/);
  });

  it('hold no secret values', () => {
    for (const secret of byKind('Secret') as unknown as {
      stringData?: Record<string, string>;
      data?: Record<string, string>;
    }[]) {
      expect(Object.values({ ...secret.stringData, ...secret.data }).every((v) => v === '')).toBe(true);
    }
  });
});
