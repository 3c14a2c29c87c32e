import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EXIT, LocalSession } from '../../src/cli/session.js';
import { loadConfig } from '../../src/config.js';
import type { KubeObject, KubeStandin } from '../../src/devstack/kube/index.js';
import { silentLogger } from '../../src/log.js';
import { freshDatabase } from '../support/postgres.js';
import { fastCluster } from '../support/restart-rig.js';
import { assertBotNeverRefused } from '../support/bot-rbac.js';
import { kubectlFor } from '../support/kubectl.js';

/**
 * A conflict, from the terminal (the same parse → policy → queue → worker path as Slack): a
 * PodDisruptionBudget applied first by kubectl (server-side, its own field manager) with another value.
 * carbon-ops names the manager and the field, does not offer the apply for approval, and takes the field
 * over only with --force, after an approval.
 */
let kube: KubeStandin;
let db: Awaited<ReturnType<typeof freshDatabase>>;
let dir: string;
let session: LocalSession;
let printed: string[] = [];

beforeAll(async () => {
  kube = await fastCluster();
  db = await freshDatabase();
  dir = await mkdtemp(join(tmpdir(), 'phase-conflict-'));
  await kube.writeKubeconfig(join(dir, 'kubeconfig')); // kubectl: the admin
  await kube.writeBotKubeconfig(join(dir, 'bot-kubeconfig')); // carbon: its ServiceAccount
  const config = loadConfig({
    KUBECONFIG: join(dir, 'bot-kubeconfig'),
    DATABASE_URL: db.url,
    CARBON_DATA_DIR: dir,
    REDIS_URL: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
  });
  session = await LocalSession.open(config, silentLogger(), { print: (text) => printed.push(text) });
});

afterAll(async () => {
  await session?.close();
  await db?.drop();
  await kube?.close();
  assertBotNeverRefused(kube);
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** kubectl as the admin. */
const kubectl = (...args: string[]) => kubectlFor(join(dir, 'kubeconfig'), join(dir, 'cache')).run(...args);

/** One command as `user`, with what it printed. */
async function carbon(text: string, user: string): Promise<{ code: number; out: string }> {
  printed = [];
  const code = await session.execute(text, { user, channel: 'C0INCIDENT' });
  return { code, out: printed.join('\n') };
}

type Pdb = KubeObject & { spec: { maxUnavailable: number } };
const pdb = () => kube.cluster.get<Pdb>('poddisruptionbudgets', 'kafka', 'kafka')!;

describe('a field another manager owns', () => {
  it('is a conflict naming the manager and the field; the apply is not offered; --force takes it over after approval', async () => {
    // Someone applied the Kafka budget by hand first, with maxUnavailable 2.
    await writeFile(
      join(dir, 'pdb.yaml'),
      'apiVersion: policy/v1\nkind: PodDisruptionBudget\nmetadata: { name: kafka, namespace: kafka }\nspec:\n  maxUnavailable: 2\n  selector: { matchLabels: { app.kubernetes.io/name: kafka } }\n',
    );
    expect(await kubectl('apply', '--server-side', '-f', join(dir, 'pdb.yaml'))).toContain('serverside-applied');
    const manager = pdb().metadata.managedFields![0]!.manager;

    const plan = await carbon('phase plan 4 --task pod-disruption-budgets', 'U0VIEWER');
    expect(plan.code).toBe(EXIT.ok);
    expect(plan.out).toContain(`CONFLICT  PodDisruptionBudget kafka/kafka  .spec.maxUnavailable managed by ${manager}`);
    expect(plan.out).toContain('create    PodDisruptionBudget kafka/zookeeper');
    expect(plan.out).toContain('A conflict is never forced');

    // Not offered for approval, nothing changed, the refusal audited.
    const refused = await carbon('phase apply 4', 'U0OPERATOR');
    expect(refused.code).toBe(EXIT.failed);
    expect(refused.out).toContain(
      `Phase 4 was not offered for approval: the apply would stop on 1 object (PodDisruptionBudget kafka/kafka: .spec.maxUnavailable managed by \`${manager}\`)`,
    );
    expect((await session['store'].pool.query('SELECT 1 FROM phase_apply_requests')).rowCount).toBe(0);
    expect(pdb().spec.maxUnavailable).toBe(2);
    expect(kube.cluster.get('poddisruptionbudgets', 'kafka', 'zookeeper')).toBeUndefined();

    // verify: the task is failed, and says why.
    const verified = await carbon('phase verify 4 --task pod-disruption-budgets', 'U0OPERATOR');
    expect(verified.out).toMatch(/❌ pod-disruption-budgets failed: 0 of 6 in sync; .*kafka\/kafka conflicts with /);

    // --force: the plan says what it takes over; an approver approves; the field is carbon-ops' now.
    const asked = await carbon('phase apply 4 --task pod-disruption-budgets --force', 'U0OPERATOR');
    expect(asked.code).toBe(EXIT.ok);
    expect(asked.out).toContain(
      `change    PodDisruptionBudget kafka/kafka  fields: metadata.labels, spec.maxUnavailable, spec.unhealthyPodEvictionPolicy  (--force takes over .spec.maxUnavailable from ${manager})`,
    );
    const id = /^request: ([a-z0-9]+)$/m.exec(asked.out)?.[1];
    expect(id).toBeDefined();
    const self = await carbon(`approve ${id}`, 'U0OPERATOR');
    expect(self.out).toContain('needs the approver role');
    const approved = await carbon(`approve ${id}`, 'U0APPROVER');
    expect(approved.code).toBe(EXIT.ok);
    expect(approved.out).toContain('✅ pod-disruption-budgets done: 6 objects: 5 created, 1 changed; all 6 in sync');
    expect(pdb().spec.maxUnavailable).toBe(1);
    const fields = pdb().metadata.managedFields!;
    const mine = fields.find((f) => f.manager === 'carbon-ops' && f.operation === 'Apply');
    expect(JSON.stringify(mine?.fieldsV1)).toContain('f:maxUnavailable');
    expect(JSON.stringify(fields.find((f) => f.manager === manager)?.fieldsV1 ?? {})).not.toContain('f:maxUnavailable');

    const trail = (await session['store'].audit.list({ since: new Date(0), action: 'phase' }, 50)).reverse();
    expect(trail.map((r) => r.outcome)).toEqual([
      'refused',
      'requested',
      'approved',
      'started',
      'started',
      'succeeded',
      'succeeded',
    ]);
    expect(
      trail.find(
        (r) =>
          r.outcome === 'started' &&
          r.target === 'phase 4/pod-disruption-budgets' &&
          r.detail?.startsWith('server-side apply'),
      )?.detail,
    ).toBe('server-side apply --force: 6 objects of pdb.yaml');
  });
});
