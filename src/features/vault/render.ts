import type { KnownBlock } from '@slack/types';
import type { ClusterInfo } from '../../integrations/kubernetes.js';
import type { VaultHealth } from '../../integrations/vault.js';
import type { KeyRecord, VaultMigration, WorkloadRecord } from './store.js';
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
    return '*Vault* not configured: set VAULT_ADDR and VAULT_TOKEN (or VAULT_K8S_ROLE). Coverage below is from the cluster and the recorded migrations.';
  const where = `\`${escapeMrkdwn(v.addr)}\`${v.simulated ? ' (stand-in)' : ''}`;
  if (v.health === undefined) return `*Vault* ${where}: ⚠️ ${escapeMrkdwn(v.problem ?? 'no answer')}`;
  const h = v.health;
  const state = h.ok ? '✅ active' : `⚠️ ${h.status}: migrations are refused until it is active`;
  return `*Vault* ${where} · version ${escapeMrkdwn(h.version)} · ${state} (${h.initialized ? 'initialized' : 'not initialized'}, ${h.sealed ? 'sealed' : 'unsealed'}${h.standby ? ', standby' : ''})`;
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
        '*ConfigMaps with secrets* (✅ in Vault and verified, ✂ removed from the ConfigMap, ⚠️ changed in the ConfigMap since migration: not counted)',
        lines,
      ),
    );
  }
  blocks.push(section(`*${summary}*`));
  blocks.push(
    context(
      'Move one: `/carbon vault migrate configmap/NAME -n NS` (a plan first, then an approval). Values are never shown: names, lengths and fingerprints only.',
    ),
  );
  return { text: `${title}: ${summary}`, blocks: capBlocks(blocks) };
}

/** Where a migration stands, one line: the plan and the status message show it. */
function migrationStateLine(m: VaultMigration): string {
  const rolledBack = m.rolledBackAt
    ? ` · ↩️ rolled back by <@${m.rolledBackBy ?? '?'}>${m.rollbackResult ? `: ${escapeMrkdwn(m.rollbackResult)}` : ' (in progress)'}`
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

/** The plan, posted in the thread; re-rendered as the migration moves on (the buttons go). */
export function migrationPlanMessage(m: VaultMigration): Message {
  const { plan } = m;
  const blocks: KnownBlock[] = [header(`Vault migration plan · configmap/${m.configMap}`)];
  if (plan.cluster.simulated || plan.vault.simulated)
    blocks.push(context('⚠️ *Simulated*: the built-in demo cluster and Vault stand-in, not real ones.'));
  blocks.push(
    section(
      [
        `*ConfigMap* \`${cm(m)}\` on ${escapeMrkdwn(m.cluster)} → *Vault* \`${escapeMrkdwn(plan.vault.addr)}\` (${escapeMrkdwn(plan.vault.version)}), KV v2 mount \`${escapeMrkdwn(m.mount)}\`, under \`${escapeMrkdwn(m.path)}/\``,
        `*Asked by* <@${m.requestedBy}>${m.reason ? ` · *Reason* ${escapeMrkdwn(m.reason)}` : ''} · *Cutover* ${m.cutover ? 'yes, once every key is verified' : 'no (the ConfigMap keeps its keys)'}`,
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
      `*${plan.keys.length} key${plan.keys.length === 1 ? '' : 's'} to move* (why each is a secret: ${[...new Set(plan.keys.map((k) => k.foundBy))].map(escapeMrkdwn).join('; ')})`,
    ),
  );
  const notes = [];
  if (plan.skipped.length > 0)
    notes.push(`*Left out* ${plan.skipped.map((s) => `${escapeMrkdwn(s.key)} (${escapeMrkdwn(s.why)})`).join(', ')}`);
  if (plan.staying > 0)
    notes.push(
      `*Staying in the ConfigMap* ${plan.staying} key${plan.staying === 1 ? '' : 's'} that ${plan.staying === 1 ? 'is' : 'are'} not moved`,
    );
  notes.push(
    plan.consumers.length === 0
      ? '*Read by* no Deployment or StatefulSet in the namespace'
      : `*Read by* ${plan.consumers.map((c) => `\`${c.kind}/${escapeMrkdwn(c.name)}\` (${escapeMrkdwn(c.how.join(', '))})`).join(', ')}`,
  );
  blocks.push(section(notes.join('\n')));
  blocks.push(section(`*What will happen*\n${plan.steps.map((s, i) => `${i + 1}. ${s}`).join('\n')}`));
  blocks.push(
    context(
      `Fingerprints are keyed HMAC-SHA256 prefixes (the key lives in Vault): they show a value changed, never what it is.`,
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
        confirmText: `Move ${plan.keys.length} key(s) of \`${cm(m)}\` to Vault${m.cutover ? ' and cut over' : ''}, as asked by <@${m.requestedBy}>.`,
      }),
    );
  }
  return {
    text: `Vault migration plan for configmap/${m.configMap} (${m.namespace}): ${plan.keys.length} keys, ${plainState(m)} · migration: ${m.id}`,
    blocks: capBlocks(blocks),
  };
}

/** The migration's status message: one line that follows it. */
export function migrationStatusMessage(m: VaultMigration): Message {
  const text = `${REQUEST_ICON[m.state]} Vault migration of \`${cm(m)}\` for <@${m.requestedBy}>: ${plainState(m)}${m.rolledBackAt ? ', rolled back' : ''}\nmigration: ${m.id}`;
  return { text, blocks: [section(text), context(migrationStateLine(m))] };
}

export function migrationApprovedMessage(m: VaultMigration): Message {
  return {
    text: `✅ Approved by ${who(m.approvedBy)}: moving ${m.plan.keys.length} key(s) of configmap/${m.configMap} in ${m.namespace} to Vault…`,
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
      `${ok ? '✅' : '⚠️'} *Vault migration ${m.id}* · \`${cm(m)}\` → \`${escapeMrkdwn(m.mount)}/${escapeMrkdwn(m.path)}/\`\n${escapeMrkdwn(summary)}`,
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
        `*Cutover* annotated for the Vault Agent injector (a rolling restart): ${workloads.map((w) => `\`${w.kind}/${escapeMrkdwn(w.name)}\` (${w.state})`).join(', ')}`,
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
  const text = `${ok ? '↩️ Rolled back' : '⚠️ Rollback not complete (ask again once fixed) for'} Vault migration ${m.id} of ${cm(m)}: ${restored.length} key(s) put back into the ConfigMap, ${unannotated.length} workload(s) without the injector annotations.`;
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
      `The secrets stay in Vault with their versions (delete them there if they must go) · coverage: \`/carbon vault status\``,
    ),
  );
  return { text, blocks: capBlocks(blocks) };
}
