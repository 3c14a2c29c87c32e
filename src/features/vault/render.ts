import type { KnownBlock } from '@slack/types';
import type { ClusterInfo } from '../../integrations/kubernetes.js';
import type { VaultHealth } from '../../integrations/vault.js';
import type { KeyRecord, VaultMigration, WorkloadRecord } from './store.js';
import type { Consumer, ReaderKind } from './consumers.js';
import { SHOWN_HEX } from './fingerprint.js';
import { approvalActions, REQUEST_ICON, requestStateLine } from '../../approvals/render.js';
import {
  capBlocks,
  context,
  divider,
  escapeMrkdwn,
  header,
  lineList,
  section,
  table,
  who,
  type Message,
} from '../../message.js';

/**
 * Everything the vault commands say. Values never reach these renderers: they get names, paths,
 * lengths and fingerprints, and that is all they can show.
 */

const cm = (m: Pick<VaultMigration, 'namespace' | 'configMap'>) => `${m.namespace}/configmap/${m.configMap}`;
const pct = (part: number, whole: number) => (whole === 0 ? 0 : Math.round((100 * part) / whole));
export const shortPrint = (fingerprint: string) => fingerprint.slice(0, SHOWN_HEX);

export interface CoverageRow {
  namespace: string;
  configMaps: number;
  secretKeys: number;
  inVault: number;
  cutOver: number;
}

export interface CoverageConfigMap {
  namespace: string;
  name: string;
  /** changed: migrated and verified, but the ConfigMap holds another value since (not counted as in Vault). */
  keys: { key: string; why: string; state: 'plain' | 'verified' | 'removed' | 'changed' }[];
}

export interface VaultStatusReport {
  cluster: ClusterInfo;
  namespace?: string;
  vault: { addr: string; simulated: boolean; health?: VaultHealth; problem?: string } | undefined;
  rows: CoverageRow[];
  configMaps: CoverageConfigMap[];
  total: number;
  inVault: number;
}

export const coverageLine = (inVault: number, total: number): string =>
  `Secrets in Vault: ${inVault} of ${total} (${pct(inVault, total)} %)`;

function vaultLine(v: VaultStatusReport['vault']): string {
  if (v === undefined)
    return (
      '*Vault* not configured: set VAULT_ADDR and VAULT_TOKEN (or VAULT_K8S_ROLE). ' +
      'Coverage below is from the cluster and the recorded migrations.'
    );
  const where = `\`${escapeMrkdwn(v.addr)}\`${v.simulated ? ' (stand-in)' : ''}`;
  if (v.health === undefined) return `*Vault* ${where}: ⚠️ ${escapeMrkdwn(v.problem ?? 'no answer')}`;
  const h = v.health;
  const state = h.ok ? '✅ active' : `⚠️ ${h.status}: migrations are refused until it is active`;
  return (
    `*Vault* ${where} · version ${escapeMrkdwn(h.version)} · ${state} ` +
    `(${h.initialized ? 'initialized' : 'not initialized'}, ` +
    `${h.sealed ? 'sealed' : 'unsealed'}${h.standby ? ', standby' : ''})`
  );
}

const STATE_MARK = { plain: '', verified: ' ✅', removed: ' ✅✂', changed: ' ⚠️ changed since migration' } as const;

/** `/carbon vault status`: Vault's state and the coverage per namespace. Names only. */
export function vaultStatusMessage(r: VaultStatusReport): Message {
  const title = `Secrets in Vault · ${r.cluster.name}${r.namespace ? ` · ${r.namespace}` : ''}`;
  const blocks: KnownBlock[] = [header(title)];
  if (r.cluster.simulated)
    blocks.push(context('⚠️ *Simulated*: the built-in demo cluster and Vault stand-in, not real ones.'));
  blocks.push(section(vaultLine(r.vault)));
  const summary = coverageLine(r.inVault, r.total);
  if (r.rows.length === 0) {
    blocks.push(section('No ConfigMap holds a key that looks like a secret.'));
  } else {
    blocks.push(
      table(
        ['NAMESPACE', 'CONFIGMAPS', 'SECRET KEYS', 'IN VAULT', 'CUT OVER', 'STILL PLAIN'],
        r.rows.map((row) => [
          row.namespace,
          String(row.configMaps),
          String(row.secretKeys),
          String(row.inVault),
          String(row.cutOver),
          String(row.secretKeys - row.cutOver),
        ]),
        '*Coverage by namespace* (secret-looking ConfigMap keys, by name and by value shape)',
      ),
    );
    const lines = r.configMaps.map((c) => {
      const keys = c.keys.map((k) => `${escapeMrkdwn(k.key)}${STATE_MARK[k.state]}`).join(', ');
      const done = c.keys.filter((k) => k.state === 'verified' || k.state === 'removed').length;
      return `• \`${escapeMrkdwn(`${c.namespace}/${c.name}`)}\` ${done}/${c.keys.length}: ${keys}`;
    });
    blocks.push(
      lineList(
        '*ConfigMaps with secrets* (✅ in Vault and verified, ✂ removed from the ConfigMap, ' +
          '⚠️ changed in the ConfigMap since migration: not counted)',
        lines,
      ),
    );
  }
  blocks.push(section(`*${summary}*`));
  blocks.push(
    context(
      'Move one: `/carbon vault migrate configmap/NAME -n NS` (a plan first, then an approval). ' +
        'Values are never shown: names, lengths and fingerprints only.',
    ),
  );
  return { text: `${title}: ${summary}`, blocks: capBlocks(blocks) };
}

/** Where a migration stands, one line: the plan and the status message show it. */
function migrationStateLine(m: VaultMigration): string {
  const rolledBack = m.rolledBackAt
    ? ` · ↩️ rolled back by <@${m.rolledBackBy ?? '?'}>` +
      `${m.rollbackResult ? `: ${escapeMrkdwn(m.rollbackResult)}` : ' (in progress)'}`
    : m.rollbackResult
      ? ` · ⚠️ rollback failed (ask again: \`/carbon vault rollback ${m.id}\`): ${escapeMrkdwn(m.rollbackResult)}`
      : '';
  return requestStateLine(m, { running: 'Migrating', succeeded: 'Migrated' }, rolledBack);
}

const plainState = (m: VaultMigration): string =>
  ({
    pending: 'awaiting approval',
    approved: 'approved',
    running: 'migrating',
    succeeded: 'migrated',
    failed: 'failed',
    rejected: 'denied',
    expired: 'expired',
  })[m.state];

function actionText(k: VaultMigration['plan']['keys'][number]): string {
  if (k.action === 'create') return 'create (cas 0)';
  if (k.action === 'present') return `already there (v${k.baseVersion})`;
  return `update v${k.baseVersion} → v${k.baseVersion + 1}`;
}

const KIND_NAMES: Record<ReaderKind, string> = {
  deployment: 'Deployment',
  statefulset: 'StatefulSet',
  daemonset: 'DaemonSet',
  replicaset: 'ReplicaSet',
  job: 'Job',
  cronjob: 'CronJob',
  pod: 'Pod',
};

/** The readers by kind: `Deployments \`a\` (envFrom (a)), \`b\` (…) · CronJob \`c\` (…)`. */
function readByLine(consumers: readonly Consumer[]): string {
  if (consumers.length === 0)
    return '*Read by* nothing in the namespace: no Deployment, StatefulSet, DaemonSet, ReplicaSet, Job, CronJob or Pod';
  const kinds = (Object.keys(KIND_NAMES) as ReaderKind[]).filter((kind) => consumers.some((c) => c.kind === kind));
  const groups = kinds.map((kind) => {
    const of = consumers.filter((c) => c.kind === kind);
    const names = of.map((c) => `\`${escapeMrkdwn(c.name)}\` (${escapeMrkdwn(c.how.join(', '))})`);
    return `${KIND_NAMES[kind]}${of.length === 1 ? '' : 's'} ${names.join(', ')}`;
  });
  return `*Read by* ${groups.join(' · ')}`;
}

/** The plan, posted in the thread; re-rendered as the migration moves on (the buttons go). */
export function migrationPlanMessage(m: VaultMigration): Message {
  const { plan } = m;
  const blocks: KnownBlock[] = [header(`Vault migration plan · configmap/${m.configMap}`)];
  if (plan.cluster.simulated || plan.vault.simulated)
    blocks.push(context('⚠️ *Simulated*: the built-in demo cluster and Vault stand-in, not real ones.'));
  blocks.push(
    section(
      [
        `*ConfigMap* \`${cm(m)}\` on ${escapeMrkdwn(m.cluster)} → *Vault* \`${escapeMrkdwn(plan.vault.addr)}\` ` +
          `(${escapeMrkdwn(plan.vault.version)}), KV v2 mount \`${escapeMrkdwn(m.mount)}\`, ` +
          `under \`${escapeMrkdwn(m.path)}/\``,
        `*Asked by* <@${m.requestedBy}>${m.reason ? ` · *Reason* ${escapeMrkdwn(m.reason)}` : ''} · ` +
          `*Cutover* ${m.cutover ? 'yes, once every key is verified' : 'no (the ConfigMap keeps its keys)'}`,
      ].join('\n'),
    ),
    table(
      ['KEY', 'TARGET PATH', 'LENGTH', 'FINGERPRINT', 'IN VAULT'],
      plan.keys.map((k) => [
        k.key,
        `${m.mount}/${k.targetPath}`,
        String(k.length),
        shortPrint(k.fingerprint),
        actionText(k),
      ]),
      `*${plan.keys.length} key${plan.keys.length === 1 ? '' : 's'} to move* (why each is a ` +
        `secret: ${[...new Set(plan.keys.map((k) => k.foundBy))].map(escapeMrkdwn).join('; ')})`,
    ),
  );
  const notes = [];
  if (plan.skipped.length > 0)
    notes.push(`*Left out* ${plan.skipped.map((s) => `${escapeMrkdwn(s.key)} (${escapeMrkdwn(s.why)})`).join(', ')}`);
  if (plan.staying > 0)
    notes.push(
      `*Staying in the ConfigMap* ${plan.staying} key${plan.staying === 1 ? '' : 's'} ` +
        `that ${plan.staying === 1 ? 'is' : 'are'} not moved`,
    );
  notes.push(readByLine(plan.consumers));
  blocks.push(section(notes.join('\n')));
  blocks.push(section(`*What will happen*\n${plan.steps.map((s, i) => `${i + 1}. ${s}`).join('\n')}`));
  blocks.push(
    context(
      'Fingerprints are keyed HMAC-SHA256 prefixes (the key lives in Vault): they show a value changed, ' +
        'never what it is.',
    ),
  );
  blocks.push(divider(), section(migrationStateLine(m)), section(`migration: ${m.id}`));
  if (m.state === 'pending') {
    blocks.push(
      ...approvalActions({
        id: m.id,
        blockId: `vault-migrate-${m.id}`,
        requestedBy: m.requestedBy,
        confirmTitle: 'Approve this Vault migration?',
        confirmText:
          `Move ${plan.keys.length} key(s) of \`${cm(m)}\` to Vault${m.cutover ? ' and cut over' : ''}, ` +
          `as asked by <@${m.requestedBy}>.`,
      }),
    );
  }
  return {
    text:
      `Vault migration plan for configmap/${m.configMap} (${m.namespace}): ` +
      `${plan.keys.length} keys, ${plainState(m)} · migration: ${m.id}`,
    blocks: capBlocks(blocks),
  };
}

/** The migration's status message: one line that follows it. */
export function migrationStatusMessage(m: VaultMigration): Message {
  const text =
    `${REQUEST_ICON[m.state]} Vault migration of \`${cm(m)}\` for <@${m.requestedBy}>: ` +
    `${plainState(m)}${m.rolledBackAt ? ', rolled back' : ''}\nmigration: ${m.id}`;
  return { text, blocks: [section(text), context(migrationStateLine(m))] };
}

export function migrationApprovedMessage(m: VaultMigration): Message {
  return {
    text:
      `✅ Approved by ${who(m.approvedBy)}: moving ${m.plan.keys.length} key(s) ` +
      `of configmap/${m.configMap} in ${m.namespace} to Vault…`,
  };
}

const KEY_STATE: Record<KeyRecord['state'], string> = {
  planned: 'not written',
  written: 'written, not verified',
  verified: 'in Vault, verified',
  conflict: 'skipped: conflict',
  failed: 'skipped',
  removed: 'in Vault, verified, removed from the ConfigMap',
  restored: 'put back into the ConfigMap',
};

/** The result: each key's state, the cutover, what to do next. */
export function migrationResultMessage(
  m: VaultMigration,
  keys: readonly KeyRecord[],
  workloads: readonly WorkloadRecord[],
  summary: string,
  ok: boolean,
): Message {
  const blocks: KnownBlock[] = [
    section(
      `${ok ? '✅' : '⚠️'} *Vault migration ${m.id}* · \`${cm(m)}\` → ` +
        `\`${escapeMrkdwn(m.mount)}/${escapeMrkdwn(m.path)}/\`\n${escapeMrkdwn(summary)}`,
    ),
  ];
  blocks.push(
    table(
      ['KEY', 'STATE', 'VERSION', 'LENGTH', 'FINGERPRINT'],
      keys.map((k) => [
        k.key,
        KEY_STATE[k.state],
        k.vaultVersion === undefined ? '' : `v${k.vaultVersion}`,
        String(k.length),
        shortPrint(k.fingerprint),
      ]),
    ),
  );
  const reasons = keys
    .filter(
      (k) =>
        k.detail && (k.state === 'conflict' || k.state === 'failed' || k.state === 'planned' || k.state === 'verified'),
    )
    .map((k) => `• ${escapeMrkdwn(k.key)}: ${escapeMrkdwn(k.detail!)}`);
  if (reasons.length > 0) blocks.push(section(`*Why*\n${reasons.join('\n')}`));
  if (workloads.length > 0) {
    blocks.push(
      section(
        '*Cutover* annotated for the Vault Agent injector (a rolling ' +
          `restart): ${workloads.map((w) => `\`${w.kind}/${escapeMrkdwn(w.name)}\` (${w.state})`).join(', ')}`,
      ),
    );
  }
  blocks.push(
    context(`migration: ${m.id} · undo with \`/carbon vault rollback ${m.id}\` · coverage: \`/carbon vault status\``),
  );
  return { text: `Vault migration ${m.id} of ${cm(m)}: ${summary}`, blocks: capBlocks(blocks) };
}

export function rollbackResultMessage(
  m: VaultMigration,
  restored: readonly string[],
  unannotated: readonly string[],
  problems: readonly string[],
): Message {
  const ok = problems.length === 0;
  const text =
    `${ok ? '↩️ Rolled back' : '⚠️ Rollback not complete (ask again once fixed) for'} Vault migration ${m.id} ` +
    `of ${cm(m)}: ${restored.length} key(s) put back into the ConfigMap, ${unannotated.length} workload(s) ` +
    'without the injector annotations.';
  const blocks: KnownBlock[] = [section(escapeMrkdwn(text))];
  if (restored.length > 0) blocks.push(section(`*Put back* ${restored.map(escapeMrkdwn).join(', ')}`));
  if (unannotated.length > 0)
    blocks.push(
      section(
        `*Annotations removed* ${unannotated.map((w) => `\`${escapeMrkdwn(w)}\``).join(', ')} (a rolling restart)`,
      ),
    );
  if (problems.length > 0)
    blocks.push(section(`*Not done*\n${problems.map((p) => `• ${escapeMrkdwn(p)}`).join('\n')}`));
  blocks.push(
    context(
      'The secrets stay in Vault with their versions (delete them there if they must go) · coverage: ' +
        '`/carbon vault status`',
    ),
  );
  return { text, blocks: capBlocks(blocks) };
}

/** The plan's "What will happen", stored with the plan when it is made. */
export function migrationSteps(input: {
  approvals: number;
  expiryMinutes: number;
  cutover: boolean;
  /** The readers the plan found: Deployments and StatefulSets (annotated at the cutover), and the others. */
  readers: { annotated: number; notAnnotated: number };
  mount: string;
  appsReadVaultFiles: boolean;
}): string[] {
  const { approvals } = input;
  return [
    approvals === 0
      ? 'The policy requires no approval: the migration starts right away.'
      : `It waits for ${approvals === 1 ? 'an approval' : `${approvals} approvals`} by someone else with the ` +
        `approver role, for ${input.expiryMinutes} minutes; then it expires.`,
    `Each key is written to \`${input.mount}\` with check-and-set (create-only for a new path, the planned version ` +
      'for an existing one: a key changed in Vault since this plan is a conflict, never overwritten), read back ' +
      'and compared; its state is recorded after every step, so a re-run continues where it stopped.',
    input.cutover
      ? cutoverStep(input.readers, input.appsReadVaultFiles)
      : 'No cutover (not asked): the ConfigMap and the workloads are left as they are; ' +
        'run again with --cutover to switch over.',
    'Undo with `/carbon vault rollback <migration id>`: the keys go back into the ConfigMap from Vault ' +
      'and the annotations come off.',
  ];
}

function cutoverStep(readers: { annotated: number; notAnnotated: number }, appsReadVaultFiles: boolean): string {
  const { annotated, notAnnotated } = readers;
  const workloads =
    annotated === 0
      ? 'no Deployment or StatefulSet reads these keys'
      : `the ${annotated} Deployment(s) and StatefulSet(s) above get the Vault Agent injector annotations ` +
        '(a rolling restart); the agent writes each key to the file `/vault/secrets/<KEY>` in their pods, ' +
        'and *the apps must read it from there*';
  const others =
    notAnnotated === 0
      ? ''
      : `; the other ${notAnnotated} reader(s) above are not annotated (carbon-ops annotates only Deployments and ` +
        'StatefulSets): every key they read stays in the ConfigMap';
  const wholeReads = appsReadVaultFiles
    ? '. You said the apps read the injected files (--apps-read-vault-files): ' +
      'keys they read through envFrom or a whole volume are removed.'
    : ' and a key an app reads through envFrom or a whole volume (it would lose the value): ' +
      'those stay until the apps read `/vault/secrets/<KEY>` and you cut over again with --apps-read-vault-files.';
  return (
    `Cutover, only once every key is verified: ${workloads}${others}. Then, once their rollouts have completed, ` +
    'the migrated keys are removed from the ConfigMap, except a key a pod template still names ' +
    `(env configMapKeyRef or a volume item: new pods could not start without it)${wholeReads}`
  );
}

/** `--keys` named keys the ConfigMap does not have. */
export const missingKeysRefusal = (configMap: string, missing: readonly string[], keys: readonly string[]): string =>
  `ConfigMap \`${configMap}\` has no key ${missing.map((k) => `\`${k}\``).join(', ')} ` +
  `(binaryData is not migrated). Its keys: ${[...keys].sort().join(', ') || 'none'}.`;

/** The mount asked for is not KV version 2; `kv2` lists those that are. */
export const notKv2Refusal = (mount: string, addr: string, kv2: readonly string[]): string =>
  `\`${mount}\` is not a KV version 2 mount in Vault at ${addr}. KV v2 mounts: ${kv2.join(', ') || 'none'}.`;

/**
 * Target paths Vault already holds that carbon-ops may not replace without --overwrite: `fields` are the
 * secret's other fields (names only); none means a secret carbon-ops did not write.
 */
export function pathsTakenRefusal(paths: readonly { path: string; fields: readonly string[] }[]): string {
  const held = paths.map(({ path, fields }) =>
    fields.length > 0
      ? `\`${path}\` (it also holds ${fields.map((f) => `\`${f}\``).join(', ')})`
      : `\`${path}\` (not written by carbon-ops)`,
  );
  return (
    `Vault already holds ${held.join(', ')}: writing the key would replace the whole secret. ` +
    'Choose another --path, or add --overwrite if replacing it is intended. Nothing was written.'
  );
}

/** A migration's result in one line: stored with the migration and shown in its state line and result. */
export function migrationSummary(counts: {
  verified: number;
  total: number;
  removed: number;
  skipped: number;
  left: number;
  notes: readonly string[];
}): string {
  const { removed, skipped, left } = counts;
  return [
    `${counts.verified} of ${counts.total} keys in Vault and verified`,
    removed > 0 ? `${removed} removed from the ConfigMap` : undefined,
    skipped > 0 ? `${skipped} skipped` : undefined,
    left > 0
      ? `${left} not done yet (run the same command again to continue; keys already in Vault are not written twice)`
      : undefined,
    ...counts.notes,
  ]
    .filter(Boolean)
    .join('; ');
}

/** The cutover's note on keys a pod template (or an app) still reads from the ConfigMap. */
export const keptForReadersNote = (count: number, appsReadVaultFiles: boolean): string =>
  `${count} key(s) kept in the ConfigMap: still read from it` +
  (appsReadVaultFiles
    ? ' by a pod template'
    : ' (the apps must read /vault/secrets/<KEY>; then cut over again with --apps-read-vault-files)');

/** A rollback's result in one line, stored with the migration. */
export const rollbackSummary = (restored: number, unannotated: number, problems: number): string =>
  `${restored} key(s) put back, ${unannotated} workload(s) ` +
  `un-annotated${problems === 0 ? '' : `; ${problems} problem(s)`}`;
