// Phase applies leave live objects that hold every field of their manifests: phase 2's NetworkPolicies
// (their `from` peers) and phase 4's ResourceQuotas and LimitRanges (their `default` limits), approved
// from Slack and read back by a real kubectl. The comparison is with the manifest files as written.
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import YAML from 'yaml';
import type { PhaseApply } from '../../src/features/phases/apply-store.js';
import type { RestartRequest } from '../../src/features/restart/store.js';
import { RestartRig } from '../support/restart-rig.js';

const run = promisify(execFile);
const rig = new RestartRig();
let dir: string;
let kubeconfig: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'phase-fidelity-'));
  await rig.start();
  kubeconfig = join(dir, 'kubeconfig');
  await rig.kube.writeKubeconfig(kubeconfig);
});

afterAll(async () => {
  await rig.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

interface Manifest {
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
}

async function manifests(file: string, phaseLabel?: string): Promise<Manifest[]> {
  const docs = YAML.parseAllDocuments(await readFile(join('manifests/phases', file), 'utf8')).map(
    (d) => d.toJS() as Manifest,
  );
  return docs.filter(
    (d) => phaseLabel === undefined || d.metadata.labels?.['carbon-ops.254carbon.com/phase'] === phaseLabel,
  );
}

/** The live objects of some kinds, as kubectl reads them, by `Kind namespace/name`. */
async function live(kinds: string): Promise<Map<string, unknown>> {
  const { stdout } = await run(
    'kubectl',
    ['--kubeconfig', kubeconfig, '--cache-dir', join(dir, 'cache'), 'get', kinds, '-A', '-o', 'json'],
    { timeout: 60_000, maxBuffer: 64 * 1024 * 1024 },
  );
  const items = (JSON.parse(stdout) as { items: Manifest[] }).items;
  return new Map(items.map((o) => [`${o.kind} ${o.metadata.namespace}/${o.metadata.name}`, o]));
}

/** Paths of `want`'s leaves that `got` lacks or holds with another value (lists compared item by item). */
function missing(want: unknown, got: unknown, path = ''): string[] {
  if (Array.isArray(want))
    return Array.isArray(got) ? want.flatMap((w, i) => missing(w, got[i], `${path}[${i}]`)) : [path];
  if (want !== null && typeof want === 'object') {
    if (got === null || typeof got !== 'object') return [path];
    return Object.entries(want).flatMap(([k, v]) => missing(v, (got as Record<string, unknown>)[k], `${path}.${k}`));
  }
  return want === got ? [] : [path];
}

async function applyApproved(command: string, phase: number): Promise<PhaseApply> {
  await rig.slash(command, 'U0OPERATOR');
  const request = await rig.waitForApproval(
    rig.store.phaseApplies,
    (r) => r.phase === phase && r.state === 'pending' && r.planTs !== undefined,
    60_000,
  );
  expect((await rig.click('approve', request as unknown as RestartRequest, 'U0APPROVER')).status).toBe(200);
  return rig.waitForApproval(
    rig.store.phaseApplies,
    (r) => r.id === request.id && (r.state === 'succeeded' || r.state === 'failed'),
    120_000,
  );
}

describe('phase applies keep every field of their manifests', () => {
  it('phase 2 network-policies: every NetworkPolicy holds its `from` peers and ports', async () => {
    const done = await applyApproved('phase apply 2 --task network-policies', 2);
    expect(done.state).toBe('succeeded');
    const wanted = await manifests('network-policies.yaml', '2');
    expect(wanted.filter((m) => JSON.stringify(m).includes('"from"')).length).toBeGreaterThan(60);
    const objects = await live('networkpolicies.networking.k8s.io');
    const drift = wanted.flatMap((m) =>
      missing(m, objects.get(`${m.kind} ${m.metadata.namespace}/${m.metadata.name}`)).map(
        (p) => `${m.metadata.namespace}/${m.metadata.name}${p}`,
      ),
    );
    expect(drift).toEqual([]);
    const tasks = await rig.store.phases.tasks('254carbon-demo', 2);
    expect(tasks.find((t) => t.task === 'network-policies')).toMatchObject({
      state: 'done',
      detail: expect.stringMatching(/all \d+ in sync/),
    });
  });

  it('phase 4 resource-quotas: every ResourceQuota and LimitRange holds its limits and defaults', async () => {
    const done = await applyApproved('phase apply 4 --task resource-quotas', 4);
    expect(done.state).toBe('succeeded');
    const wanted = await manifests('resource-quotas.yaml');
    expect(wanted.filter((m) => m.kind === 'LimitRange').length).toBeGreaterThan(0);
    const objects = await live('resourcequotas,limitranges');
    const drift = wanted.flatMap((m) =>
      missing(m, objects.get(`${m.kind} ${m.metadata.namespace}/${m.metadata.name}`)).map(
        (p) => `${m.kind} ${m.metadata.namespace}/${m.metadata.name}${p}`,
      ),
    );
    expect(drift).toEqual([]);
  });

  it('phase verify names a field someone removed since, by path', async () => {
    const [limitRange] = (await manifests('resource-quotas.yaml')).filter((m) => m.kind === 'LimitRange');
    const { namespace, name } = limitRange!.metadata;
    await run(
      'kubectl',
      [
        '--kubeconfig',
        kubeconfig,
        '--cache-dir',
        join(dir, 'cache'),
        '-n',
        namespace!,
        'patch',
        'limitrange',
        name,
        '--type=json',
        '-p',
        '[{"op":"remove","path":"/spec/limits/0/default"}]',
      ],
      { timeout: 60_000 },
    );
    await rig.slash('phase verify 4 --task resource-quotas', 'U0OPERATOR');
    const report = await rig.slack.waitFor(
      () => rig.slack.messages('C0INCIDENT').find((m) => /^Phase 4 verified/.test(m.text)),
      60_000,
    );
    expect(report.text).toMatch(/1 failed/);
    // kubectl's patch also took the list over from carbon-ops: the verify says both.
    expect(JSON.stringify(report.blocks)).toContain(
      `LimitRange ${namespace}/${name} conflicts with kubectl-patch and differs from its manifest (spec.limits[0].default,`,
    );
  });
});
