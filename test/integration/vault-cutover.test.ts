import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Deployment, KubeObject, Pod } from '../../src/devstack/kube/index.js';
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

  it('counts every pod-template owner and bare pod as a reader: the plan names them by kind, their keys stay', async () => {
    // Readers a real namespace has besides Deployments: a CronJob (with the Job it started and that Job's
    // pod, which count under the CronJob), a DaemonSet (its pods count under it) and a bare Pod, each reading
    // one key through a required configMapKeyRef. One key nobody reads may go.
    const cluster = rig.kube.cluster;
    const ns = 'data-platform';
    const configMap = 'etl-credentials';
    const data = {
      WAREHOUSE_HOST: 'warehouse.data-platform.svc',
      WAREHOUSE_PASSWORD: 'w4rehouse-Export-2026!',
      FORWARDER_TOKEN: 'fwd-0c1f5e9a7b3d2c48e6a1',
      DEBUG_DB_PASSWORD: 'debug-Only-Pa55word',
      ARCHIVE_PASSWORD: 'archive-Unused-Pa55word',
    };
    cluster.put({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: configMap, namespace: ns }, data } as never);
    const reads = (container: string, key: string) => ({
      name: container,
      image: 'harbor.254carbon.com/library/etl:1.4',
      env: [{ name: key, valueFrom: { configMapKeyRef: { name: configMap, key } } }],
    });
    const owner = (o: KubeObject) => ({
      apiVersion: o.apiVersion,
      kind: o.kind,
      name: o.metadata.name,
      uid: o.metadata.uid!,
      controller: true,
      blockOwnerDeletion: true,
    });
    const exportSpec = { restartPolicy: 'OnFailure', containers: [reads('export', 'WAREHOUSE_PASSWORD')] };
    const cronJob = cluster.put({
      apiVersion: 'batch/v1',
      kind: 'CronJob',
      metadata: { name: 'warehouse-export', namespace: ns },
      spec: { schedule: '0 2 * * *', jobTemplate: { spec: { template: { spec: exportSpec } } } },
    } as never as KubeObject);
    const job = cluster.put({
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: { name: 'warehouse-export-29410200', namespace: ns, ownerReferences: [owner(cronJob)] },
      spec: { template: { spec: exportSpec } },
    } as never as KubeObject);
    cluster.put({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'warehouse-export-29410200-x7k2p', namespace: ns, ownerReferences: [owner(job)] },
      spec: exportSpec,
    } as never);
    cluster.put({
      apiVersion: 'apps/v1',
      kind: 'DaemonSet',
      metadata: { name: 'log-forwarder', namespace: ns },
      spec: {
        selector: { matchLabels: { app: 'log-forwarder' } },
        template: {
          metadata: { labels: { app: 'log-forwarder' } },
          spec: { containers: [reads('forwarder', 'FORWARDER_TOKEN')] },
        },
      },
    } as never);
    cluster.put({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'debug-shell', namespace: ns },
      spec: { containers: [reads('shell', 'DEBUG_DB_PASSWORD')] },
    } as never);
    await until('the DaemonSet to run its pods', () =>
      cluster.list<Pod>('pods', { namespace: ns }).some((p) => p.metadata.name.startsWith('log-forwarder-'))
        ? true
        : undefined,
    );

    const id = await rig.migrate(`vault migrate configmap/${configMap} -n ${ns} --cutover`);
    const plan = rig.texts().find((t) => t.startsWith('Vault migration plan') && t.includes(configMap))!;
    const readBy = /Read by[^\n"]*/.exec(plan)?.[0] ?? '';
    expect(readBy).toMatch(/CronJob `warehouse-export`/);
    expect(readBy).toMatch(/DaemonSet `log-forwarder`/);
    expect(readBy).toMatch(/Pod `debug-shell`/);
    // The Job, its pod and the DaemonSet's pods are the CronJob's and the DaemonSet's: named once, by their owner.
    expect(readBy).not.toMatch(/warehouse-export-29410200|log-forwarder-/);

    // Every key a reader names stays; the one nobody reads is removed.
    expect(rig.configMap(ns, configMap)).toEqual({
      WAREHOUSE_HOST: data.WAREHOUSE_HOST,
      WAREHOUSE_PASSWORD: data.WAREHOUSE_PASSWORD,
      FORWARDER_TOKEN: data.FORWARDER_TOKEN,
      DEBUG_DB_PASSWORD: data.DEBUG_DB_PASSWORD,
    });
    const keys = new Map((await rig.store.vaultMigrations.keys(id)).map((k) => [k.key, k]));
    expect(keys.get('ARCHIVE_PASSWORD')?.state).toBe('removed');
    expect(keys.get('WAREHOUSE_PASSWORD')?.detail).toMatch(/cronjob\/warehouse-export/);
    expect(keys.get('FORWARDER_TOKEN')?.detail).toMatch(/daemonset\/log-forwarder/);
    expect(keys.get('DEBUG_DB_PASSWORD')?.detail).toMatch(/pod\/debug-shell/);
    // No reader but Deployments and StatefulSets is patched: the CronJob's template is as it was.
    expect(cluster.get<KubeObject>('cronjobs', ns, 'warehouse-export')?.['spec']).toEqual(cronJob['spec']);
  });
});
