// Why src/integrations/vault.ts is hand-written and not node-vault (README, "Dependencies"): each reason node-vault
// fails is a behaviour of our client, pinned here with our client alone, against the Vault stand-in. If one of them
// stops holding, the reason for the hand-written client goes with it: revisit the README row.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { ConfigError, loadConfig } from '../../src/config.js';
import { startVaultStandin, type VaultStandin } from '../../src/devstack/vault/index.js';
import { createVaultClient, VaultError, type VaultClient } from '../../src/integrations/vault.js';
import { REQUEST_TIMEOUT_MS } from '../support/until.js';

let vault: VaultStandin;
let client: VaultClient;

beforeAll(async () => {
  vault = await startVaultStandin();
  client = createVaultClient({
    addr: vault.url,
    token: vault.rootToken,
    skipVerify: false,
    timeoutMs: REQUEST_TIMEOUT_MS,
  });
});

afterAll(async () => {
  await vault?.close();
});

/** The error a call ends with; fails the test if it succeeds. */
const failure = async (call: Promise<unknown>): Promise<VaultError> => {
  const error = await call.then(
    () => new Error('it succeeded'),
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(VaultError);
  return error as VaultError;
};

describe("node-vault's gaps, closed by our client", () => {
  it('KV v2: writes /data/ with a check-and-set, reads back the version (node-vault writes KV v1 paths)', async () => {
    const from = vault.requests.length;
    expect(await client.kvWrite('secret', 'reasons/db', { PASSWORD: 'x' }, 0)).toEqual({ version: 1 });
    expect(vault.requests.slice(from)).toContainEqual({ method: 'POST', path: '/v1/secret/data/reasons/db' });
    expect((await failure(client.kvWrite('secret', 'reasons/db', { PASSWORD: 'y' }, 0))).kind).toBe('CasMismatch');
    expect(await client.kvRead('secret', 'reasons/db')).toMatchObject({ data: { PASSWORD: 'x' } });
  });

  it('a sealed Vault is not healthy, and a read from it fails as Sealed (node-vault health() resolves)', async () => {
    vault.setSealed(true);
    try {
      expect(await client.health()).toMatchObject({ ok: false, status: 'sealed', sealed: true });
      expect((await failure(client.kvRead('secret', 'reasons/db'))).kind).toBe('Sealed');
    } finally {
      vault.setSealed(false);
    }
    expect(await client.health()).toMatchObject({ ok: true, status: 'active' });
  });

  it('VAULT_SKIP_VERIFY=false keeps TLS checks, and only "true" may skip them (node-vault skips on any value)', () => {
    expect(loadConfig({ VAULT_SKIP_VERIFY: 'false' }).VAULT_SKIP_VERIFY).toBe(false);
    expect(loadConfig({}).VAULT_SKIP_VERIFY).toBe(false);
    for (const value of ['0', 'no', 'False', '1', 'yes'])
      expect(() => loadConfig({ VAULT_SKIP_VERIFY: value })).toThrow(ConfigError);
    // Even "true" is refused over https rather than switching certificate checks off for the whole process.
    const skipping = () =>
      createVaultClient({ addr: 'https://vault.example:8200', token: 't', skipVerify: true, timeoutMs: 1_000 });
    expect(skipping).toThrow(/skipVerify=true is not supported/);
  });
});
