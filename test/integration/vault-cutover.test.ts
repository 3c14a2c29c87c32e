import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Deployment, Pod } from '../../src/devstack/kube/index.js';
import { INJECT } from '../../src/features/vault/inject.js';
import { VaultRig } from '../support/vault-rig.js';
import { until } from '../support/until.js';

let rig: VaultRig;

beforeAll(async () => {
  rig = await new VaultRig().start();
});

afterAll(async () => {
  await rig?.stop();
});

/** The waiting reasons of a deployment's pods (CreateContainerConfigError when kubelet cannot start them). */
function waiting(namespace: string, app: string): string[] {
  const pods = [...rig.kube.cluster.store.scan('pods')]
    .map(([, p]) => p as Pod)
    .filter(
      (p) =>
        p.metadata.namespace === namespace && p.metadata.name.startsWith(`${app}-`) && !p.metadata.deletionTimestamp,
    );
  return pods.flatMap((p) =>
    (p.status.containerStatuses ?? []).map((c) => c.state.waiting?.reason).filter((r): r is string => r !== undefined),
  );
}

/** Waits until the rollout has settled either way: every pod updated and ready, or one that cannot start. */
async function settle(namespace: string, app: string): Promise<void> {
  await until(`${namespace}/${app} to roll out or get stuck`, () => {
    const d = rig.kube.cluster.store.get('deployments', namespace, app) as Deployment & {
      status?: { updatedReplicas?: number; readyReplicas?: number; replicas?: number };
    };
    if (waiting(namespace, app).length > 0) return true;
    const done =
      d.status?.updatedReplicas === d.spec.replicas &&
      d.status?.readyReplicas === d.spec.replicas &&
      d.status?.replicas === d.spec.replicas;
    return done ? true : undefined;
  });
}

describe('vault migrate --cutover keeps what the pods still read', () => {
  it('keeps a key a container reads through configMapKeyRef: the new pods start', async () => {
    const id = await rig.migrate('vault migrate configmap/postgres-exporter-env -n monitoring --cutover');
    const plan = rig.texts().find((t) => t.startsWith('Vault migration plan') && t.includes('postgres-exporter-env'))!;
    expect(plan).toContain('/vault/secrets/');
    expect(rig.templateAnnotations('monitoring', 'postgres-exporter')[INJECT]).toBe('true'); // annotated: a rollout
    await settle('monitoring', 'postgres-exporter');
    expect(waiting('monitoring', 'postgres-exporter')).not.toContain('CreateContainerConfigError'); // the stand-in's kubelet shows it without the key
    expect(rig.configMap('monitoring', 'postgres-exporter-env')?.DATA_SOURCE_NAME).toBeDefined();
    const [key] = await rig.store.vaultMigrations.keys(id);
    expect(key).toMatchObject({
      key: 'DATA_SOURCE_NAME',
      state: 'verified',
      detail: expect.stringMatching(/configMapKeyRef/),
    });
    expect((await rig.store.vaultMigrations.get(id))?.state).toBe('succeeded');
  });

  it('keeps keys read through envFrom unless the operator says the apps read the injected files', async () => {
    const before = { ...rig.configMap('registry', 'harbor-core-env') };
    const kept = await rig.migrate('vault migrate configmap/harbor-core-env -n registry --cutover');
    expect(rig.configMap('registry', 'harbor-core-env')).toEqual(before);
    expect(
      (await rig.store.vaultMigrations.keys(kept)).every(
        (k) => k.state === 'verified' && /envFrom/.test(k.detail ?? ''),
      ),
    ).toBe(true);
    expect(rig.texts().at(-1)).toMatch(/--apps-read-vault-files/);

    const id = await rig.migrate(
      'vault migrate configmap/harbor-core-env -n registry --cutover --apps-read-vault-files',
    );
    const m = await rig.store.vaultMigrations.get(id);
    expect(m?.state).toBe('succeeded');
    expect(m?.plan.appsReadVaultFiles).toBe(true);
    expect((await rig.store.vaultMigrations.keys(id)).every((k) => k.state === 'removed')).toBe(true);
    expect(Object.keys(rig.configMap('registry', 'harbor-core-env')!).sort()).toEqual([
      'EXT_ENDPOINT',
      'REGISTRY_STORAGE_PROVIDER_NAME',
    ]);
    // Removed only after the rollout: every pod of harbor-core is of the annotated template and ready.
    const d = rig.kube.cluster.store.get('deployments', 'registry', 'harbor-core') as Deployment & {
      status?: { updatedReplicas?: number; readyReplicas?: number };
    };
    expect(d.status?.updatedReplicas).toBe(d.spec.replicas);
    const audit = (await rig.store.audit.list({ since: new Date(0) }, 200)).filter(
      (r) => r.requestId === id && r.action === 'vault-migrate',
    );
    expect(audit.length).toBeGreaterThanOrEqual(3);
    expect(
      audit.filter((r) => r.outcome !== 'approved').every((r) => r.command.includes('--apps-read-vault-files')),
    ).toBe(true);
  });

  it('keeps the keys when the rollout does not complete', async () => {
    const cluster = rig.kube.cluster;
    const d = cluster.store.get('deployments', 'monitoring', 'grafana') as Deployment;
    cluster.store.write('deployments', { ...d, spec: { ...d.spec, progressDeadlineSeconds: 1 } });
    cluster.setPodBehaviour('deployments', 'monitoring', 'grafana', 'CrashLoopBackOff');
    const before = { ...rig.configMap('monitoring', 'grafana-env') };
    const id = await rig.migrate('vault migrate configmap/grafana-env -n monitoring --cutover --apps-read-vault-files');
    expect((await rig.store.vaultMigrations.get(id))?.state).toBe('failed');
    expect(rig.configMap('monitoring', 'grafana-env')).toEqual(before);
    expect(rig.texts().at(-1)).toMatch(/rollout of deployment\/grafana did not complete/);
  });
});
