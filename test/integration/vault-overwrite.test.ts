import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { VaultRig } from '../support/vault-rig.js';

let rig: VaultRig;

beforeAll(async () => {
  rig = await new VaultRig().start();
});

afterAll(async () => {
  await rig?.stop();
});

describe('vault migrate never replaces a secret it does not own', () => {
  it('reserves carbon-ops/ (a usage error before any call)', async () => {
    const kube = rig.kube.stats.requests;
    const vault = rig.vault.requests.length;
    for (const text of [
      'vault migrate configmap/grafana-env -n monitoring --path carbon-ops',
      'vault migrate configmap/grafana-env -n monitoring --path Carbon-Ops/x --keys GF_SECURITY_ADMIN_PASSWORD',
    ]) {
      const { outcome } = await rig.run(text);
      expect({ text, kind: outcome.kind }).toEqual({ text, kind: 'usage' });
    }
    expect(rig.kube.stats.requests).toBe(kube);
    expect(rig.vault.requests.length).toBe(vault);
  });

  it('refuses to update a secret with other fields, or not written by carbon-ops, unless --overwrite', async () => {
    const target = 'monitoring/grafana-env/GF_SECURITY_ADMIN_PASSWORD';
    await rig.vaultDeps.client.kvWrite('secret', target, { value: 'someone-elses', note: 'keep me' }, 0);
    const other = 'monitoring/grafana-env/GF_AUTH_GENERIC_OAUTH_CLIENT_SECRET';
    await rig.vaultDeps.client.kvWrite('secret', other, { value: 'not-ours' }, 0);
    const writes = rig.vaultWrites().length;
    const refused = await rig.run(
      'vault migrate configmap/grafana-env -n monitoring --keys GF_SECURITY_ADMIN_PASSWORD',
    );
    expect(refused.ok).toBe(false);
    expect(rig.texts().at(-1)).toMatch(/also holds `note`.*--overwrite/s);
    expect(rig.texts().at(-1)).not.toContain('keep me');

    await rig.run('vault migrate configmap/grafana-env -n monitoring --keys GF_AUTH_GENERIC_OAUTH_CLIENT_SECRET');
    expect(rig.texts().at(-1)).toMatch(/not written by carbon-ops/);
    expect(rig.vaultWrites().length).toBe(writes);
    const audit = await rig.store.audit.list({ since: new Date(0), action: 'vault-migrate' }, 100);
    expect(audit.filter((r) => r.outcome === 'refused').length).toBeGreaterThanOrEqual(2);

    const id = await rig.migrate(
      'vault migrate configmap/grafana-env -n monitoring --keys GF_SECURITY_ADMIN_PASSWORD --overwrite',
    );
    const m = await rig.store.vaultMigrations.get(id);
    expect(m?.state).toBe('succeeded');
    expect(m?.plan.overwrite).toBe(true);
    expect((await rig.vaultDeps.client.kvRead('secret', target))?.data).toEqual({
      value: rig.configMap('monitoring', 'grafana-env')!.GF_SECURITY_ADMIN_PASSWORD,
    });
    const rows = (await rig.store.audit.list({ since: new Date(0), action: 'vault-migrate' }, 100)).filter(
      (r) => r.requestId === id && r.outcome !== 'approved',
    );
    expect(rows.length).toBeGreaterThanOrEqual(3);
    expect(rows.every((r) => r.command.includes('--overwrite'))).toBe(true);

    // A secret carbon-ops wrote (value only) is updated without --overwrite when the ConfigMap value changed.
    const cm = rig.kube.cluster.store.get('configmaps', 'monitoring', 'grafana-env') as unknown as {
      data: Record<string, string>;
    };
    rig.kube.cluster.store.write('configmaps', {
      ...cm,
      data: { ...cm.data, GF_SECURITY_ADMIN_PASSWORD: 'rotated-Graf4na-2' },
    } as never);
    const again = await rig.migrate(
      'vault migrate configmap/grafana-env -n monitoring --keys GF_SECURITY_ADMIN_PASSWORD',
    );
    expect((await rig.store.vaultMigrations.get(again))?.state).toBe('succeeded');
  });
});
