import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { VaultRig } from '../support/vault-rig.js';

let rig: VaultRig;

beforeAll(async () => {
  rig = await new VaultRig().start();
});

afterAll(async () => {
  await rig?.stop();
});

const auditOf = async (id: string) =>
  (await rig.store.audit.list({ since: new Date(0) }, 200))
    .filter((r) => r.requestId === id && r.action === 'vault-rollback')
    .reverse()
    .map((r) => r.outcome);

describe('vault rollback after a failure', () => {
  it('releases the claim when Vault is sealed, keeps the keys counted, and can be asked again', async () => {
    const original = { ...rig.configMap('monitoring', 'grafana-env') };
    const id = await rig.migrate('vault migrate configmap/grafana-env -n monitoring --cutover --apps-read-vault-files');
    expect((await rig.store.vaultMigrations.get(id))?.state).toBe('succeeded');
    expect((await rig.store.vaultMigrations.keys(id)).every((k) => k.state === 'removed')).toBe(true);
    await rig.run('vault status -n monitoring');
    const [migrated] = rig.coverage();
    expect(migrated).toBeGreaterThanOrEqual(3);

    rig.vault.setSealed(true);
    const failed = await rig.run(`vault rollback ${id}`);
    rig.vault.setSealed(false);
    expect(failed.ok).toBe(false);
    expect(rig.texts().at(-1)).toMatch(/sealed/);
    const after = await rig.store.vaultMigrations.get(id);
    expect(after?.rolledBackAt).toBeUndefined(); // the claim is released
    expect(after?.rollbackResult).toMatch(/not finished/);
    expect(await auditOf(id)).toEqual(['started', 'failed']);
    await rig.run('vault status -n monitoring');
    expect(rig.coverage()[0]).toBe(migrated); // still in Vault: not rolled back

    const again = await rig.run(`vault rollback ${id}`);
    expect(again.ok).toBe(true);
    expect(rig.configMap('monitoring', 'grafana-env')).toEqual(original);
    expect(await auditOf(id)).toEqual(['started', 'failed', 'started', 'succeeded']);
    await rig.run('vault status -n monitoring');
    expect(rig.coverage()[0]).toBe(0);
  });

  it('audits the refusals of the rollback job', async () => {
    await rig.run('vault migrate configmap/postgres-exporter-env -n monitoring');
    const pending = rig.lastMigrationId();
    const refused = await rig.run(`vault rollback ${pending}`);
    expect(refused.ok).toBe(false);
    expect(rig.texts().at(-1)).toMatch(/still awaiting approval/);
    expect(await auditOf(pending)).toEqual(['refused']);

    const unknown = await rig.run('vault rollback zzzzzzzz');
    expect(unknown.ok).toBe(false);
    const rows = (await rig.store.audit.list({ since: new Date(0) }, 200)).filter(
      (r) => r.command === 'vault rollback zzzzzzzz',
    );
    expect(rows.map((r) => r.outcome)).toContain('refused');
  });
});
