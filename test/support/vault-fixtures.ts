import type { VaultMigration } from '../../src/features/vault/store.js';

/**
 * A Vault migration of data-platform/app-config (100 keys unless asked): the vault unit tests and the
 * golden files read it.
 */
export const migration = (over: Partial<VaultMigration> = {}, keyCount = 100): VaultMigration => ({
  id: 'k7m2p9xq',
  originJob: 'j',
  createdAt: new Date('2026-11-21T10:00:00Z'),
  expiresAt: new Date('2026-11-21T10:15:00Z'),
  requestedBy: 'U0OPERATOR',
  channel: 'C0INCIDENT',
  threadTs: '1.1',
  statusTs: '1.2',
  approvalsRequired: 1,
  approvedBy: [],
  state: 'pending',
  cluster: '254carbon-demo',
  namespace: 'data-platform',
  configMap: 'app-config',
  mount: 'secret',
  path: 'data-platform/app-config',
  cutover: true,
  reason: '<!channel> now',
  plan: {
    cluster: { name: '254carbon-demo', simulated: true },
    vault: { addr: 'http://127.0.0.1:8200', version: '1.19.0', simulated: true },
    keys: Array.from({ length: keyCount }, (_, i) => ({
      key: `KEY_${i}_PASSWORD`,
      targetPath: `data-platform/app-config/KEY_${i}_PASSWORD`,
      length: 12,
      fingerprint: 'a1b2c3d4e5f60718',
      foundBy: 'name',
      action: 'create' as const,
      baseVersion: 0,
    })),
    skipped: [],
    staying: 2,
    consumers: [{ kind: 'deployment', name: 'api', how: ['envFrom (api)'], keys: '*' }],
    steps: ['one', 'two'],
  },
  ...over,
});
