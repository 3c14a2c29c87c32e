import * as vault from '../../../src/features/vault/render.js';
import type { KeyRecord, PlannedKey, VaultMigration } from '../../../src/features/vault/store.js';
import { migration } from '../../support/vault-fixtures.js';
import { goldenModule } from '../../support/golden.js';

const at = (text: string) => new Date(`${text}Z`);

const key = (
  name: string,
  action: PlannedKey['action'],
  baseVersion: number,
  fingerprint: string,
  foundBy = 'name',
): PlannedKey => ({
  key: name,
  targetPath: `data-platform/app-config/${name}`,
  length: 24,
  fingerprint,
  foundBy,
  action,
  baseVersion,
});

const steps = vault.migrationSteps({
  approvals: 1,
  expiryMinutes: 30,
  cutover: true,
  readers: { annotated: 2, notAnnotated: 1 },
  mount: 'secret',
  appsReadVaultFiles: false,
});

/**
 * Three keys (new, changed, already there), one left out, three readers (a Deployment and a StatefulSet to annotate,
 * a CronJob that is not): a migration with a cutover.
 */
const threeKeys = (over: Partial<VaultMigration> = {}): VaultMigration =>
  migration({
    cluster: '254carbon-prod',
    reason: 'security plan §2 <!channel>',
    plan: {
      cluster: { name: '254carbon-prod', simulated: false },
      vault: { addr: 'https://vault.254carbon.internal:8200', version: '1.19.0', simulated: false },
      keys: [
        key('DATABASE_PASSWORD', 'create', 0, '3f9a0c1b7d2e4a56'),
        key('API_TOKEN', 'update', 3, 'b41e77c09a3d5f12', 'value: JWT'),
        key('SMTP_PASSWORD', 'present', 1, '08d2c6e4f1a93b70'),
      ],
      skipped: [{ key: 'LEGACY_SECRET', why: 'secret-looking (name), not in --keys' }],
      staying: 4,
      consumers: [
        { kind: 'deployment', name: 'portal', how: ['envFrom'], keys: '*' },
        { kind: 'statefulset', name: 'etl-worker', how: ['env DATABASE_PASSWORD'], keys: ['DATABASE_PASSWORD'] },
        { kind: 'cronjob', name: 'nightly-report', how: ['env SMTP_PASSWORD (report)'], keys: ['SMTP_PASSWORD'] },
      ],
      steps,
    },
    ...over,
  });

const record = (k: PlannedKey, state: KeyRecord['state'], extra: Partial<KeyRecord> = {}): KeyRecord => ({
  ...k,
  state,
  ...extra,
});
const [database, token, smtp] = threeKeys().plan.keys as [PlannedKey, PlannedKey, PlannedKey];

const succeeded = threeKeys({
  state: 'succeeded',
  approvedBy: ['U0APPROVER'],
  startedAt: at('2026-11-21T10:05:00'),
  result: '3 of 3 keys in Vault and verified; 3 removed from the ConfigMap',
});

export default [
  goldenModule('vault', 'features/vault/render.ts', vault, {
    shortPrint: { fingerprint: () => vault.shortPrint('a1b2c3d4e5f60718') },
    coverageLine: {
      partly: () => vault.coverageLine(12, 40),
      'nothing-to-cover': () => vault.coverageLine(0, 0),
    },
    vaultStatusMessage: {
      'active-with-coverage': () =>
        vault.vaultStatusMessage({
          cluster: { name: '254carbon-prod', simulated: false },
          vault: {
            addr: 'https://vault.254carbon.internal:8200',
            simulated: false,
            health: {
              status: 'active',
              ok: true,
              initialized: true,
              sealed: false,
              standby: false,
              version: '1.19.0',
              clusterName: 'vault-prod',
            },
          },
          rows: [
            { namespace: 'data-platform', configMaps: 2, secretKeys: 5, inVault: 3, cutOver: 2 },
            { namespace: 'kafka', configMaps: 1, secretKeys: 1, inVault: 0, cutOver: 0 },
          ],
          configMaps: [
            {
              namespace: 'data-platform',
              name: 'app-config',
              keys: [
                { key: 'DATABASE_PASSWORD', why: 'name', state: 'removed' },
                { key: 'API_TOKEN', why: 'value: JWT', state: 'removed' },
                { key: 'SMTP_PASSWORD', why: 'name', state: 'changed' },
              ],
            },
            {
              namespace: 'data-platform',
              name: 'etl-config',
              keys: [
                { key: 'S3_SECRET_KEY', why: 'name', state: 'verified' },
                { key: 'WEBHOOK_<URL>', why: 'value: URL with credentials', state: 'plain' },
              ],
            },
            { namespace: 'kafka', name: 'connect', keys: [{ key: 'SASL_PASSWORD', why: 'name', state: 'plain' }] },
          ],
          total: 6,
          inVault: 3,
        }),
      'sealed-simulated-namespace': () =>
        vault.vaultStatusMessage({
          cluster: { name: '254carbon-demo', simulated: true },
          namespace: 'kafka',
          vault: {
            addr: 'http://127.0.0.1:8200',
            simulated: true,
            health: {
              status: 'sealed',
              ok: false,
              initialized: true,
              sealed: true,
              standby: false,
              version: '1.19.0',
              clusterName: undefined,
            },
          },
          rows: [],
          configMaps: [],
          total: 0,
          inVault: 0,
        }),
      'vault-unreachable': () =>
        vault.vaultStatusMessage({
          cluster: { name: '254carbon-prod', simulated: false },
          vault: { addr: 'https://vault.254carbon.internal:8200', simulated: false, problem: 'connect ECONNREFUSED' },
          rows: [{ namespace: 'kafka', configMaps: 1, secretKeys: 1, inVault: 0, cutOver: 0 }],
          configMaps: [
            { namespace: 'kafka', name: 'connect', keys: [{ key: 'SASL_PASSWORD', why: 'name', state: 'plain' }] },
          ],
          total: 1,
          inVault: 0,
        }),
      'not-configured': () =>
        vault.vaultStatusMessage({
          cluster: { name: '254carbon-prod', simulated: false },
          vault: undefined,
          rows: [],
          configMaps: [],
          total: 0,
          inVault: 0,
        }),
    },
    migrationPlanMessage: {
      pending: () => vault.migrationPlanMessage(threeKeys()),
      'simulated-no-cutover-succeeded': () =>
        vault.migrationPlanMessage(
          migration(
            {
              state: 'succeeded',
              cutover: false,
              reason: undefined,
              approvedBy: ['U0APPROVER'],
              result: '2 of 2 keys in Vault and verified',
              plan: { ...migration({}, 2).plan, consumers: [], staying: 1 },
            },
            2,
          ),
        ),
      'rolled-back': () =>
        vault.migrationPlanMessage({
          ...succeeded,
          rolledBackAt: at('2026-11-21T11:00:00'),
          rolledBackBy: 'U0OPERATOR',
          rollbackResult: '3 key(s) put back, 2 workload(s) un-annotated',
        }),
    },
    migrationStatusMessage: {
      pending: () => vault.migrationStatusMessage(threeKeys()),
      succeeded: () => vault.migrationStatusMessage(succeeded),
      'rollback-in-progress': () =>
        vault.migrationStatusMessage({
          ...succeeded,
          rolledBackAt: at('2026-11-21T11:00:00'),
          rolledBackBy: 'U0OPERATOR',
        }),
      'rollback-failed': () =>
        vault.migrationStatusMessage({ ...succeeded, rollbackResult: 'not finished: Vault is sealed' }),
    },
    migrationApprovedMessage: {
      approved: () => vault.migrationApprovedMessage(threeKeys({ state: 'approved', approvedBy: ['U0APPROVER'] })),
    },
    migrationResultMessage: {
      'cut-over': () =>
        vault.migrationResultMessage(
          succeeded,
          [
            record(database, 'removed', { vaultVersion: 1 }),
            record(token, 'removed', { vaultVersion: 4 }),
            record(smtp, 'verified', {
              vaultVersion: 1,
              detail: 'kept in the ConfigMap: env SMTP_PASSWORD of deployment/mailer (configMapKeyRef)',
            }),
          ],
          [
            { kind: 'deployment', name: 'portal', added: ['vault.hashicorp.com/agent-inject'], state: 'annotated' },
            { kind: 'statefulset', name: 'etl-worker', added: [], state: 'annotated' },
          ],
          '3 of 3 keys in Vault and verified; 2 removed from the ConfigMap; 1 key(s) kept in the ConfigMap: still read from it by a pod template',
          true,
        ),
      'conflict-and-stopped': () =>
        vault.migrationResultMessage(
          threeKeys({ state: 'failed', approvedBy: ['U0APPROVER'] }),
          [
            record(database, 'verified', { vaultVersion: 1 }),
            record(token, 'conflict', {
              detail: 'changed in Vault since the plan (now version 5, planned 3): not overwritten',
            }),
            record(smtp, 'planned', {
              detail: 'Vault stopped answering before this key was confirmed; the next run checks it',
            }),
          ],
          [],
          vault.migrationSummary({
            verified: 1,
            total: 3,
            removed: 0,
            skipped: 1,
            left: 1,
            notes: ['Vault is sealed'],
          }),
          false,
        ),
    },
    rollbackResultMessage: {
      complete: () =>
        vault.rollbackResultMessage(
          succeeded,
          ['DATABASE_PASSWORD', 'API_TOKEN'],
          ['deployment/portal', 'statefulset/etl-worker'],
          [],
        ),
      'with-problems': () =>
        vault.rollbackResultMessage(
          succeeded,
          ['DATABASE_PASSWORD'],
          [],
          [
            'API_TOKEN: version 4 in Vault is gone or not the migrated value: not put back',
            'SMTP_PASSWORD: the ConfigMap holds another value now: left as it is',
          ],
        ),
    },
    migrationSteps: {
      'one-approval-cutover-three-readers': () => steps,
      'no-approval-cutover-apps-read-files': () =>
        vault.migrationSteps({
          approvals: 0,
          expiryMinutes: 30,
          cutover: true,
          readers: { annotated: 0, notAnnotated: 0 },
          mount: 'kv',
          appsReadVaultFiles: true,
        }),
      'two-approvals-no-cutover': () =>
        vault.migrationSteps({
          approvals: 2,
          expiryMinutes: 60,
          cutover: false,
          readers: { annotated: 3, notAnnotated: 0 },
          mount: 'secret',
          appsReadVaultFiles: false,
        }),
    },
    missingKeysRefusal: {
      'some-keys': () => vault.missingKeysRefusal('app-config', ['DB_PASS', 'TOKEN'], ['URL', 'DATABASE_PASSWORD']),
      'empty-configmap': () => vault.missingKeysRefusal('app-config', ['DB_PASS'], []),
    },
    notKv2Refusal: {
      'other-kv2-mounts': () => vault.notKv2Refusal('kv1', 'https://vault:8200', ['secret', 'platform']),
      'no-kv2-mount': () => vault.notKv2Refusal('secret', 'https://vault:8200', []),
    },
    pathsTakenRefusal: {
      'other-fields-and-foreign': () =>
        vault.pathsTakenRefusal([
          { path: 'secret/data-platform/app-config/API_TOKEN', fields: ['issuer', 'expires'] },
          { path: 'secret/data-platform/app-config/DATABASE_PASSWORD', fields: [] },
        ]),
    },
    migrationSummary: {
      'all-verified': () =>
        vault.migrationSummary({ verified: 3, total: 3, removed: 0, skipped: 0, left: 0, notes: [] }),
      'partly-with-notes': () =>
        vault.migrationSummary({
          verified: 1,
          total: 4,
          removed: 1,
          skipped: 1,
          left: 2,
          notes: ['no cutover: not every key is verified (the ConfigMap and the workloads are unchanged)'],
        }),
    },
    keptForReadersNote: {
      'apps-read-env': () => vault.keptForReadersNote(2, false),
      'apps-read-files': () => vault.keptForReadersNote(1, true),
    },
    rollbackSummary: {
      complete: () => vault.rollbackSummary(3, 2, 0),
      'with-problems': () => vault.rollbackSummary(1, 0, 2),
    },
  }),
];
