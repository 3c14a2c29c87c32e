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

const dir = 'manifests/bot/base';
const objects: K8sObject[] = readdirSync(dir)
  .filter((f) => f.endsWith('.yaml') && f !== 'kustomization.yaml') // kustomize's, not an object
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
