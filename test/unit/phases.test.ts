import type { PhasePlan } from '../../src/features/phases/plan.js';
import { describe, expect, it, beforeAll, afterAll } from '@jest/globals';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Catalogue } from '../../src/catalogue.js';
import { COMMANDS } from '../../src/app/commands.js';
import { checkMessage } from '../../src/devstack/slack/block-limits.js';
import { conflictsOf, describeConflicts, KubeApiError } from '../../src/integrations/kubernetes.js';
import { selects } from '../../src/features/phases/checks/pdbs-cover-critical.js';
import { selectFailedPods } from '../../src/features/phases/cleanup.js';
import { workloadOfPod } from '../../src/features/incidents/owner.js';
import { changedPaths, diffObjects } from '../../src/features/phases/diff.js';
import { loadRunbooks, RunbookError } from '../../src/features/phases/runbook.js';
import {
  dashboardBox,
  dashboardMessage,
  planMessage,
  planSummary,
  progressBar,
} from '../../src/features/phases/render.js';
import type { PhaseProgress, TaskStatus } from '../../src/features/phases/store.js';
import { percentage } from '../../src/features/phases/store.js';
import { usageOf } from '../support/usage.js';

describe('the phase command', () => {
  it('reads every action', () => {
    expect(COMMANDS.parse('phase list')).toEqual({ name: 'phase', action: 'list' });
    expect(COMMANDS.parse('phase status')).toEqual({ name: 'phase', action: 'status' });
    expect(COMMANDS.parse('phase status 2')).toEqual({ name: 'phase', action: 'status', phase: 2 });
    expect(COMMANDS.parse('phase plan 4')).toEqual({ name: 'phase', action: 'plan', phase: 4 });
    expect(COMMANDS.parse('phase PLAN phase-4 --task pod-disruption-budgets')).toEqual({
      name: 'phase',
      action: 'plan',
      phase: 4,
      task: 'pod-disruption-budgets',
    });
    expect(COMMANDS.parse('phase apply 4')).toEqual({ name: 'phase', action: 'apply', phase: 4, force: false });
    expect(COMMANDS.parse('phase apply 4 --force')).toEqual({ name: 'phase', action: 'apply', phase: 4, force: true });
    expect(COMMANDS.parse('phase verify 5')).toEqual({ name: 'phase', action: 'verify', phase: 5 });
  });

  it('refuses bad phase numbers, actions, tasks and options with the usage', () => {
    expect(usageOf('phase plan four')).toMatch(/`four` is not a phase number/);
    expect(usageOf('phase plan 0')).toMatch(/`0` is not a phase number/);
    expect(usageOf('phase plan -3')).toMatch(/not a phase number|Unknown option/);
    expect(usageOf('phase plan 100')).toMatch(/not a phase number/);
    expect(usageOf('phase apply')).toMatch(/Which phase\? Usage: `\/carbon phase apply N`/);
    expect(usageOf('phase')).toMatch(/`phase` needs an action: list, status, plan, apply or verify/);
    expect(usageOf('phase destroy 4')).toMatch(/Unknown phase action `destroy`/);
    expect(usageOf('phase plan 4 --force')).toMatch(/`--force` does not go with `phase plan`/);
    expect(usageOf('phase plan 4 --task "Bad Task"')).toMatch(/is not a task id/);
    expect(usageOf('phase status --task x')).toMatch(/`--task` does not go with `phase status`/);
    expect(usageOf('phase plan 4 5')).toMatch(/Unexpected `5`: `phase plan` takes N and nothing more/);
    expect(usageOf('phase list 4')).toMatch(/Unexpected `4`: `phase list` takes no other words/);
  });

  it('is authorized by its own policy rules: reads by `phase`, writes by `phase apply`', () => {
    expect(COMMANDS.policyName(COMMANDS.parse('phase plan 4'))).toBe('phase');
    expect(COMMANDS.policyName(COMMANDS.parse('phase status'))).toBe('phase');
    expect(COMMANDS.policyName(COMMANDS.parse('phase apply 4'))).toBe('phase apply');
    expect(COMMANDS.policyName(COMMANDS.parse('phase verify 4'))).toBe('phase verify');
    expect(COMMANDS.policyName(COMMANDS.parse('health'))).toBe('health');
  });
});

describe('the runbooks', () => {
  it('load: phases 1–5 of the seeds, each task exactly one kind, manifests resolved', async () => {
    const runbooks = await loadRunbooks();
    expect(runbooks.numbers()).toEqual([1, 2, 3, 4, 5]);
    const four = runbooks.get(4);
    expect(four.title).toBe('Platform Stabilization & Hardening');
    expect(four.tasks.map((t) => t.kind)).toEqual([
      'apply',
      'apply',
      'cleanup',
      'check',
      'check',
      'apply',
      'apply',
      'apply',
      'job',
      'check',
    ]);
    const pdbs = four.tasks.find((t) => t.id === 'pod-disruption-budgets');
    expect(pdbs?.kind === 'apply' && pdbs.objects.map((o) => o.object.kind)).toEqual(
      Array(6).fill('PodDisruptionBudget'),
    );
    const egress = four.tasks.find((t) => t.id === 'external-egress');
    expect(
      egress?.kind === 'apply' && egress.objects.map((o) => `${o.object.metadata.namespace}/${o.object.metadata.name}`),
    ).toEqual(['data-platform/etl-external-egress']);
    const certificates = runbooks.get(2).tasks.find((t) => t.id === 'certificates-ready');
    expect(certificates?.kind === 'check' && certificates.check.objects?.length).toBe(9);
    // Every phase-2 network policy is selected by its label, and none of phase 4's.
    const policies = runbooks.get(2).tasks.find((t) => t.id === 'network-policies');
    expect(
      policies?.kind === 'apply' &&
        policies.objects.every((o) => o.object.metadata.labels?.['carbon-ops.254carbon.com/phase'] === '2'),
    ).toBe(true);
  });

  it('name the phases there are for a bad phase number, and the tasks for an unknown task', async () => {
    const runbooks = await loadRunbooks();
    expect(() => runbooks.get(9)).toThrow('There is no phase 9: the runbooks define phases 1–5');
    expect(() => runbooks.tasks(runbooks.get(4), 'pdb')).toThrow(
      /Phase 4 has no task `pdb`\. Its tasks: `pod-disruption-budgets`, `resource-quotas`/,
    );
  });

  describe('invalid', () => {
    let dir: string;
    beforeAll(async () => {
      dir = await mkdtemp(join(tmpdir(), 'runbooks-'));
    });
    afterAll(async () => {
      await rm(dir, { recursive: true, force: true });
    });

    /** Writes one runbook (and manifests) into a fresh pair of folders and returns the load error. */
    async function problems(
      runbook: string,
      manifests: Record<string, string> = {},
      file = 'phase-1.yaml',
    ): Promise<string> {
      const root = await mkdtemp(join(dir, 'case-'));
      await mkdir(join(root, 'runbooks'));
      await mkdir(join(root, 'manifests'));
      await writeFile(join(root, 'runbooks', file), runbook);
      for (const [name, text] of Object.entries(manifests)) await writeFile(join(root, 'manifests', name), text);
      try {
        await loadRunbooks({ runbooksDir: join(root, 'runbooks'), manifestsDir: join(root, 'manifests') });
      } catch (error) {
        expect(error).toBeInstanceOf(RunbookError);
        return (error as Error).message;
      }
      throw new Error('the runbook loaded');
    }

    const PDB =
      'apiVersion: policy/v1\nkind: PodDisruptionBudget\nmetadata: { name: kafka, namespace: kafka }\nspec: { maxUnavailable: 1 }\n';

    it('report an unknown task kind, two kinds at once, and an unknown check', async () => {
      expect(await problems('phase: 1\ntitle: T\ntasks:\n  - { id: a, title: A, restart: { x: 1 } }\n')).toMatch(
        /phase-1\.yaml: tasks\[0\] \(a\): Unrecognized key: "restart"/,
      );
      expect(await problems('phase: 1\ntitle: T\ntasks:\n  - { id: a, title: A }\n')).toMatch(
        /tasks\[0\] \(a\): a task is exactly one of apply, check, cleanup, job; got none/,
      );
      expect(
        await problems(
          'phase: 1\ntitle: T\ntasks:\n  - { id: a, title: A, check: { vaultUnsealed: {} }, job: { command: bench kafka } }\n',
        ),
      ).toMatch(/got check and job/);
      expect(await problems('phase: 1\ntitle: T\ntasks:\n  - { id: a, title: A, check: { allGood: {} } }\n')).toMatch(
        /tasks\[0\] \(a\)\.check: Unrecognized key: "allGood"/,
      );
    });

    it('report duplicate ids, an unknown `after` and a file named for another phase', async () => {
      const text = await problems(
        'phase: 2\ntitle: T\ntasks:\n  - { id: a, title: A, check: { vaultUnsealed: {} } }\n  - { id: a, title: B, after: [zz], check: { vaultUnsealed: {} } }\n',
      );
      expect(text).toMatch(/says phase 2, but the file is named for phase 1/);
      expect(text).toMatch(/tasks\[1\] \(a\): the id is used twice/);
      expect(text).toMatch(/after: `zz` is not an earlier task of this phase/);
    });

    it('report a missing manifest, an invalid one, and a selection that matches nothing', async () => {
      expect(
        await problems('phase: 1\ntitle: T\ntasks:\n  - { id: a, title: A, apply: { manifests: [nope.yaml] } }\n'),
      ).toMatch(/manifest .*nope\.yaml does not exist/);
      expect(
        await problems('phase: 1\ntitle: T\ntasks:\n  - { id: a, title: A, apply: { manifests: [../x.yaml] } }\n'),
      ).toMatch(/must stay under manifests\/phases/);
      const broken = await problems(
        'phase: 1\ntitle: T\ntasks:\n  - { id: a, title: A, apply: { manifests: [bad.yaml] } }\n',
        { 'bad.yaml': `${PDB}---\nkind: ConfigMap\nmetadata: { name: Not_A_Name }\n---\nfoo: [1, 2\n` },
      );
      expect(broken).toMatch(/bad\.yaml, document 2: apiVersion: /);
      expect(broken).toMatch(/bad\.yaml, document 2: metadata\.name: a Kubernetes object name/);
      expect(broken).toMatch(/bad\.yaml, document 3: not valid YAML/);
      expect(
        await problems(
          'phase: 1\ntitle: T\ntasks:\n  - { id: a, title: A, apply: { manifests: [pdb.yaml], select: { kinds: [Secret] } } }\n',
          { 'pdb.yaml': PDB },
        ),
      ).toMatch(/selects no object of pdb\.yaml/);
      expect(
        await problems(
          'phase: 1\ntitle: T\ntasks:\n  - { id: a, title: A, apply: { manifests: [pdb.yaml], select: { names: [kafka, zk] } } }\n',
          { 'pdb.yaml': PDB },
        ),
      ).toMatch(/select\.names: no object `zk`/);
    });

    it('report a job that is not a carbon-ops command or may not run as a task, and bad YAML', async () => {
      expect(
        await problems(
          'phase: 1\ntitle: T\ntasks:\n  - { id: a, title: A, job: { command: "bench kafka --acks 7" } }\n',
        ),
      ).toMatch(/is not a carbon-ops command: --acks takes all, 1 or 0/);
      expect(
        await problems(
          'phase: 1\ntitle: T\ntasks:\n  - { id: a, title: A, job: { command: "restart trino --reason wedged" } }\n',
        ),
      ).toMatch(/cannot run as a phase task \(allowed: bench …\)/);
      expect(await problems('phase: 1\ntitle: [\n')).toMatch(/phase-1\.yaml: not valid YAML/);
      expect(await problems('phase: 1\ntitle: T\ntasks: []\n', {}, 'first.yaml')).toMatch(
        /runbook files are named phase-N\.yaml/,
      );
    });
  });
});

describe('the diff per object', () => {
  const live = {
    apiVersion: 'policy/v1',
    kind: 'PodDisruptionBudget',
    metadata: {
      name: 'kafka',
      namespace: 'kafka',
      uid: 'u1',
      resourceVersion: '7',
      generation: 1,
      creationTimestamp: new Date('2025-10-01T00:00:00Z'),
      labels: { 'app.kubernetes.io/part-of': '254carbon' },
      managedFields: [{ manager: 'kubectl', operation: 'Apply' }],
    },
    spec: { maxUnavailable: 1, selector: { matchLabels: { 'app.kubernetes.io/name': 'kafka' } } },
    status: { currentHealthy: 3 },
  };

  it('is `create` without a live object', () => {
    expect(diffObjects(undefined, live, 'carbon-ops')).toEqual({ action: 'create' });
  });

  it('ignores what the server sets on every write and the status; says when carbon-ops would become a manager', () => {
    const after = {
      ...structuredClone(live),
      metadata: { ...live.metadata, resourceVersion: '8', managedFields: [] },
      status: { currentHealthy: 2 },
    };
    expect(diffObjects(live, after, 'carbon-ops')).toEqual({ action: 'unchanged', adopt: true });
    const mine = {
      ...live,
      metadata: { ...live.metadata, managedFields: [{ manager: 'carbon-ops', operation: 'Apply' }] },
    };
    expect(diffObjects(mine, mine, 'carbon-ops')).toEqual({ action: 'unchanged', adopt: false });
  });

  it('names the fields that change, with keys that hold dots and slashes quoted', () => {
    const after = structuredClone(live) as typeof live & { spec: Record<string, unknown> };
    after.spec.maxUnavailable = 2;
    after.spec.unhealthyPodEvictionPolicy = 'AlwaysAllow';
    (after.metadata.labels as Record<string, string>)['carbon-ops.254carbon.com/phase'] = '4';
    expect(diffObjects(live, after, 'carbon-ops')).toEqual({
      action: 'change',
      fields: [
        'metadata.labels["carbon-ops.254carbon.com/phase"]',
        'spec.maxUnavailable',
        'spec.unhealthyPodEvictionPolicy',
      ],
    });
    expect(changedPaths({ a: [1, 2] }, { a: [1, 3, 4] })).toEqual(['a[1]', 'a[2]']);
    expect(changedPaths({ a: {} }, { a: undefined })).toEqual([]);
  });
});

describe('server-side apply conflicts', () => {
  it('name the other manager and the field from the Status the API server answers', () => {
    const body = {
      kind: 'Status',
      status: 'Failure',
      message: 'Apply failed with 1 conflict: conflict with "kubectl" using policy/v1: .spec.maxUnavailable',
      reason: 'Conflict',
      details: {
        causes: [
          {
            reason: 'FieldManagerConflict',
            message: 'conflict with "kubectl" using policy/v1',
            field: '.spec.maxUnavailable',
          },
        ],
      },
      code: 409,
    };
    const conflicts = conflictsOf(new KubeApiError(409, body, 'apply'));
    expect(conflicts).toEqual([{ manager: 'kubectl', field: '.spec.maxUnavailable' }]);
    expect(describeConflicts(conflicts)).toBe('.spec.maxUnavailable is managed by `kubectl`');
    // Without causes, from the message alone.
    const bare = {
      message: 'Apply failed with 2 conflicts: conflicts with "helm" using v1:\n- .data.a\n- .data.b',
      code: 409,
    };
    expect(conflictsOf(new KubeApiError(409, bare, 'apply'))).toEqual([
      { manager: 'helm', field: '.data.a' },
      { manager: 'helm', field: '.data.b' },
    ]);
    expect(conflictsOf(new KubeApiError(409, { message: 'the object has been modified' }, 'apply'))).toEqual([]);
  });
});

describe('the clean-up selection', () => {
  const catalogue = new Catalogue([
    { name: 'kafka', namespace: 'kafka', kind: 'statefulset', workload: 'kafka', critical: true },
    { name: 'trino', namespace: 'data-platform', kind: 'deployment', workload: 'trino-coordinator', critical: true },
    { name: 'lakefs', namespace: 'data-platform', kind: 'deployment', workload: 'lakefs', critical: false },
  ]);
  const pod = (
    namespace: string,
    name: string,
    phase: string,
    owner?: { kind: string; name: string },
    labels: Record<string, string> = {},
  ): Pod => ({
    metadata: {
      namespace,
      name,
      uid: `uid-${name}`,
      labels,
      ...(owner
        ? { ownerReferences: [{ apiVersion: 'v1', kind: owner.kind, name: owner.name, uid: 'x', controller: true }] }
        : {}),
    },
    status: {
      phase,
      containerStatuses: [
        {
          name: 'c',
          image: 'i',
          imageID: '',
          ready: false,
          restartCount: 0,
          state: { terminated: { exitCode: 1, reason: 'Error' } },
        },
      ],
    },
  });

  it('finds the workload of a pod as the catalogue names it', () => {
    expect(
      workloadOfPod(
        pod(
          'data-platform',
          'trino-coordinator-7d9f-abcde',
          'Failed',
          { kind: 'ReplicaSet', name: 'trino-coordinator-7d9f' },
          { 'pod-template-hash': '7d9f' },
        ),
      ),
    ).toEqual({ kind: 'deployment', name: 'trino-coordinator' });
    expect(workloadOfPod(pod('kafka', 'kafka-0', 'Failed', { kind: 'StatefulSet', name: 'kafka' }))).toEqual({
      kind: 'statefulset',
      name: 'kafka',
    });
    expect(workloadOfPod(pod('default', 'net-debug', 'Failed'))).toEqual({ kind: 'pod', name: 'net-debug' });
  });

  it('deletes failed pods only, spares critical services whatever the selector says, refuses too many', () => {
    const pods = [
      pod('kafka', 'kafka-topics-init-x', 'Failed', { kind: 'Job', name: 'kafka-topics-init' }),
      pod('kafka', 'kafka-1', 'Failed', { kind: 'StatefulSet', name: 'kafka' }), // an evicted broker: critical
      pod(
        'data-platform',
        'trino-coordinator-7d9f-abcde',
        'Failed',
        { kind: 'ReplicaSet', name: 'trino-coordinator-7d9f' },
        { 'pod-template-hash': '7d9f' },
      ),
      pod(
        'data-platform',
        'lakefs-5c-xyz',
        'Running',
        { kind: 'ReplicaSet', name: 'lakefs-5c' },
        { 'pod-template-hash': '5c' },
      ),
      pod('default', 'net-debug', 'Failed'),
    ];
    const selection = selectFailedPods(pods, catalogue, 10);
    expect(selection.pods.map((p) => `${p.namespace}/${p.name} ${p.owner} ${p.reason}`)).toEqual([
      'default/net-debug pod Error (exit 1)',
      'kafka/kafka-topics-init-x job/kafka-topics-init Error (exit 1)',
    ]);
    expect(selection.spared.map((p) => p.name).sort()).toEqual(['kafka-1', 'trino-coordinator-7d9f-abcde']);
    expect(selection.refusal).toBeUndefined();
    expect(selectFailedPods(pods, catalogue, 1).refusal).toMatch(
      /match 2 failed pods, more than this task's limit of 1: nothing was deleted/,
    );
  });

  it('matches label selectors like the API server', () => {
    expect(selects({ matchLabels: { app: 'kafka' } }, { app: 'kafka', x: 'y' })).toBe(true);
    expect(selects({ matchLabels: { app: 'kafka' } }, { app: 'zk' })).toBe(false);
    expect(
      selects(
        {
          matchExpressions: [
            { key: 'tier', operator: 'In', values: ['a'] },
            { key: 'gone', operator: 'DoesNotExist' },
          ],
        },
        { tier: 'a' },
      ),
    ).toBe(true);
    expect(selects(undefined, { app: 'kafka' })).toBe(false);
  });
});

describe('the dashboard', () => {
  const task = (phase: number, id: string, state: TaskStatus['state']): TaskStatus => ({
    phase,
    task: id,
    title: id,
    kind: 'check',
    after: [],
    state,
  });
  const phase = (n: number, title: string, states: TaskStatus['state'][]): PhaseProgress => {
    const tasks = states.map((s, i) => task(n, `t${i}`, s));
    const done = states.filter((s) => s === 'done').length;
    return { phase: n, title, total: tasks.length, done, pct: percentage(done, tasks.length), tasks };
  };
  const phases = [
    phase(1, 'Infrastructure Stabilization', ['done', 'done', 'done', 'failed', 'unverifiable']),
    phase(2, 'Security Hardening', ['done', 'pending', 'pending', 'pending']),
    phase(3, 'High Availability', ['failed', 'pending']),
    phase(4, 'Platform Stabilization & Hardening, with a title far too long for the box', [
      'done',
      'done',
      'done',
      'done',
      'done',
      'done',
      'done',
      'running',
      'pending',
      'done',
    ]),
    phase(5, 'Pilot Workloads', ['done', 'done', 'done', 'done']),
  ];
  const meta = { cluster: '254carbon-demo', simulated: true, at: new Date('2025-10-24T09:00:00Z') };

  it('computes each percentage from task states: done ÷ tasks', () => {
    expect(phases.map((p) => p.pct)).toEqual([60, 25, 0, 80, 100]);
    expect(percentage(2, 3)).toBe(66.7);
    expect(percentage(0, 0)).toBe(0);
  });

  it('draws the Quick Status Dashboard: aligned box, bars, overall, in monospace', () => {
    const box = dashboardBox(phases, meta);
    const lines = box.split('\n');
    expect(new Set(lines.map((l) => l.length)).size).toBe(1); // every line the same width: the box closes
    expect(lines[0]).toMatch(/^╔═+╗$/);
    expect(lines.at(-1)).toMatch(/^╚═+╝$/);
    expect(box).toContain('║  Phase 1: Infrastructure Stabilization');
    expect(box).toMatch(/Phase 1: Infrastructure Stabilization\s+60% ███████░░░░░ {2}║/);
    expect(box).toMatch(/Phase 3: High Availability\s+0% ░░░░░░░░░░░░ {2}║/);
    expect(box).toMatch(/Phase 5: Pilot Workloads\s+100% ████████████ {2}║/);
    expect(box).toMatch(/Phase 4: Platform Stabilization & Hardening…/);
    expect(box).toMatch(/Overall \(16 of 25 tasks done\)\s+64% ████████░░░░/);
    expect(box).toContain('Status: 1 of 5 phases complete · 2 tasks failing');
    expect(box).toContain('254carbon-demo (simulated) · 2025-10-24 09:00 UTC');
    expect(progressBar(67.5)).toBe('████████░░░░');
  });

  it('fits Slack: the message passes the block limits, and says how the numbers are computed', () => {
    const message = dashboardMessage(phases, meta);
    expect(checkMessage(message)).toBeUndefined();
    expect(JSON.stringify(message.blocks)).toContain('phase % = tasks done ÷ tasks of the phase');
    expect(message.text).toBe(
      'Phase progress: phase 1 60%, phase 2 25%, phase 3 0%, phase 4 80%, phase 5 100%; overall 64%',
    );
  });
});

describe('the plan message', () => {
  it('lists a diff per object, stays within Slack limits with 200 objects, and names what blocks the apply', () => {
    const objects = Array.from({ length: 200 }, (_, i) => ({
      key: `NetworkPolicy data-platform/allow-${i}`,
      source: 'network-policies.yaml',
      action: 'create' as const,
    }));
    const plan: PhasePlan = {
      phase: 2,
      title: 'Security Hardening',
      cluster: 'c',
      simulated: false,
      force: false,
      plannedAt: '2025-10-24T09:00:00.000Z',
      tasks: [
        { id: 'np', title: 'policies', after: [], kind: 'apply', createOnly: false, objects },
        {
          id: 'pdb',
          title: 'pdbs',
          after: [],
          kind: 'apply',
          createOnly: false,
          objects: [
            {
              key: 'PodDisruptionBudget kafka/kafka',
              source: 'pdb.yaml',
              action: 'conflict',
              conflicts: [{ manager: 'kubectl', field: '.spec.maxUnavailable' }],
            },
            {
              key: 'PodDisruptionBudget kafka/zk',
              source: 'pdb.yaml',
              action: 'change',
              fields: ['spec.maxUnavailable'],
            },
            { key: 'PodDisruptionBudget x/y', source: 'pdb.yaml', action: 'unchanged', adopt: false },
          ],
        },
        { id: 'check', title: 'certs', after: ['np'], kind: 'check', description: 'the 9 Certificates are Ready' },
      ],
    };
    const message = planMessage(plan);
    expect(checkMessage(message)).toBeUndefined();
    const text = JSON.stringify(message.blocks);
    expect(text).toContain('create    NetworkPolicy data-platform/allow-0');
    expect(text).toMatch(/and \d+ more/);
    expect(text).toContain('CONFLICT  PodDisruptionBudget kafka/kafka  .spec.maxUnavailable managed by kubectl');
    expect(text).toContain('change    PodDisruptionBudget kafka/zk  fields: spec.maxUnavailable');
    expect(text).toContain('The apply would stop here');
    expect(text).toContain('phase apply 2 --force');
    expect(planSummary(plan)).toBe(
      'create 200, change 1, leave 1 unchanged, 1 in conflict (of 203 objects); delete 0 failed pods; start 0 jobs; run 1 check',
    );
  });
});
