// Large synthetic clusters for benchmarks: `pods` pods spread evenly over `namespaces` namespaces, in
// Deployments and StatefulSets of 1-8 replicas, about one pod in eight failing the way the 254Carbon
// ones do. Deterministic for a given seed; it produces scenario data, so it loads like any scenario.
import { Ids } from './ids.js';
import type { PodEntry, Scenario, WorkloadSpec } from './scenario.js';

const FAILURES: PodEntry[] = [
  { state: 'CrashLoopBackOff', restarts: 17, lastTerminated: 'Error' },
  { state: 'CrashLoopBackOff', restarts: 6, lastTerminated: 'OOMKilled' },
  { state: 'ImagePullBackOff' },
  { state: 'ErrImagePull' },
  { state: 'Pending' },
  { state: 'NotReady', restarts: 2 },
];
const APPS = ['api', 'worker', 'web', 'ingest', 'scheduler', 'cache', 'query', 'etl', 'exporter', 'gateway'];

export function generateScenario(opts: { pods: number; namespaces: number; seed?: number }): Scenario {
  const { pods, namespaces } = opts;
  if (!Number.isInteger(pods) || pods < 0 || !Number.isInteger(namespaces) || namespaces < 1)
    throw new Error('generateScenario: pods ≥ 0 and namespaces ≥ 1, integers');
  const rng = new Ids(opts.seed ?? 1);
  const width = String(namespaces - 1).length;
  const nodeCount = Math.max(1, Math.ceil(pods / 110));
  const scenario: Scenario = {
    name: `generated-${pods}-pods-${namespaces}-namespaces`,
    description: `${pods} generated pods in ${namespaces} namespaces`,
    nodes: Array.from({ length: nodeCount }, (_, i) => ({
      name: `node-${String(i + 1).padStart(3, '0')}`,
      ip: `10.0.${(i >> 8) & 255}.${(i & 255) + 1}`,
      version: 'v1.31.4',
      age: '90d',
      roles: i === 0 ? ['control-plane'] : [],
      cpu: '64',
      memory: '256Gi',
      maxPods: 110,
    })),
    namespaces: [],
    workloads: [],
    configMaps: [],
  };
  for (let n = 0; n < namespaces; n++) {
    const namespace = `team-${String(n).padStart(width, '0')}`;
    scenario.namespaces.push({ name: namespace, age: `${30 + rng.int(300)}d` });
    let remaining = Math.floor(pods / namespaces) + (n < pods % namespaces ? 1 : 0);
    for (let w = 0; remaining > 0; w++) {
      const replicas = Math.min(remaining, 1 + rng.int(8));
      remaining -= replicas;
      const app = `${APPS[w % APPS.length] as string}-${Math.floor(w / APPS.length)}`;
      const failing = rng.next() < 0.25 ? Math.min(replicas, 1 + rng.int(2)) : 0;
      const workload: WorkloadSpec = {
        kind: w % 7 === 6 ? 'StatefulSet' : 'Deployment',
        name: app,
        namespace,
        image: `registry.example.com/${namespace}/${app}:1.${rng.int(20)}.${rng.int(10)}`,
        replicas,
        pods: Array.from({ length: failing }, () => FAILURES[rng.int(FAILURES.length)] as PodEntry),
        age: `${1 + rng.int(60)}d`,
        cpu: '100m',
        memory: '256Mi',
        ...(w % 3 === 0 ? { ports: [8080] } : {}),
      };
      scenario.workloads.push(workload);
    }
  }
  return scenario;
}
