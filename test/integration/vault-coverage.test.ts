import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { VaultRig } from '../support/vault-rig.js';

let rig: VaultRig;

beforeAll(async () => {
  rig = await new VaultRig().start();
});

afterAll(async () => {
  await rig?.stop();
});

describe('vault status coverage', () => {
  it('does not count a key whose ConfigMap value changed since it was migrated', async () => {
    const id = await rig.migrate('vault migrate configmap/kafka-ui-config -n kafka');
    const keys = await rig.store.vaultMigrations.keys(id);
    expect(keys.every((k) => k.state === 'verified')).toBe(true);
    await rig.run('vault status -n kafka');
    const [migrated, total] = rig.coverage();
    expect(migrated).toBe(keys.length);

    const key = keys[0]!.key;
    const cm = rig.kube.cluster.store.get('configmaps', 'kafka', 'kafka-ui-config') as unknown as {
      data: Record<string, string>;
    };
    rig.kube.cluster.store.write('configmaps', {
      ...cm,
      data: { ...cm.data, [key]: 'rotated-by-someone-Zq81' },
    } as never);
    await rig.run('vault status -n kafka');
    expect(rig.coverage()).toEqual([migrated! - 1, total]);
    expect(rig.texts().at(-1)).toContain(`${key} ⚠️ changed since migration`);
    expect(rig.texts().at(-1)).not.toContain('rotated-by-someone');
  });
});
