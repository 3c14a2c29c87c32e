// Scenarios are data: a cluster described as nodes, namespaces and workloads with the state of their
// pods; expand.ts turns one into Kubernetes objects. Files live in src/devstack/scenarios/<name>.yaml.
import { readFile } from 'node:fs/promises';
import YAML from 'yaml';
import { z } from 'zod';
import { parseAge } from './duration.js';
import { POD_BEHAVIOURS, POD_STATES } from './pod-status.js';

const age = z.string().refine((text) => {
  try {
    parseAge(text);
    return true;
  } catch {
    return false;
  }
}, 'an age like 12d, 3h30m or 45s');

const PodEntrySchema = z
  .object({
    /** Pinned pod name (otherwise generated the way its controller names pods). */
    name: z.string().optional(),
    state: z.enum(POD_STATES).default('Ready'),
    restarts: z.number().int().min(0).optional(),
    lastTerminated: z.enum(['Error', 'OOMKilled', 'Completed']).optional(),
    exitCode: z.number().int().optional(),
    /** Pending: the scheduler's reason. */
    message: z.string().optional(),
    age: age.optional(),
    /** How long ago the last container restart was (default: 3m for CrashLoopBackOff and OOMKilled, 2d otherwise). */
    lastRestart: age.optional(),
  })
  .strict();

const WorkloadSchema = z
  .object({
    kind: z.enum(['Deployment', 'StatefulSet', 'DaemonSet', 'Job', 'Pod']),
    name: z.string(),
    namespace: z.string(),
    /** The `app` label (default: the name); with `component`, the selector. */
    app: z.string().optional(),
    component: z.string().optional(),
    labels: z.record(z.string(), z.string()).optional(),
    image: z.string(),
    container: z.string().optional(),
    /** Desired replicas (default: the number of pod entries, at least 1). Pods beyond the entries are Ready. */
    replicas: z.number().int().min(0).optional(),
    pods: z.array(PodEntrySchema).default([]),
    /** What pods created later (rollouts, replacements) do: how "never becomes ready" is written. */
    newPods: z.enum(POD_BEHAVIOURS).optional(),
    /** How long pods created later take to start and become ready (default: the cluster's podReadyDelayMs). */
    readyDelayMs: z.number().int().min(0).optional(),
    /** spec.minReadySeconds of a Deployment, StatefulSet or DaemonSet. */
    minReadySeconds: z.number().int().min(0).optional(),
    age: age.default('30d'),
    /** Ports of a ClusterIP Service named like the workload. */
    ports: z.array(z.number().int().min(1).max(65535)).optional(),
    paused: z.boolean().optional(),
    /** Pins the pod-template-hash of a Deployment's ReplicaSet (to keep pod names from the seed documents). */
    templateHash: z.string().optional(),
    progressDeadlineSeconds: z.number().int().min(1).optional(),
    cpu: z.string().default('100m'),
    memory: z.string().default('256Mi'),
    /** Pod: a static (mirror) pod of the node, named <name>-<node>. */
    static: z.boolean().optional(),
    /** What its pods log (pods/log): the running container's lines and, for a crash loop, the previous one's. */
    logs: z
      .object({ current: z.array(z.string()).default([]), previous: z.array(z.string()).default([]) })
      .strict()
      .optional(),
  })
  .strict();

const NodeSchema = z
  .object({
    name: z.string(),
    ip: z.string(),
    version: z.string().default('v1.31.4'),
    age: age.default('60d'),
    roles: z.array(z.string()).default([]),
    cpu: z.string().default('32'),
    memory: z.string().default('128Gi'),
    maxPods: z.number().int().default(250),
  })
  .strict();

const ScenarioSchema = z
  .object({
    name: z.string(),
    description: z.string().optional(),
    nodes: z.array(NodeSchema).min(1),
    namespaces: z.array(
      z
        .object({ name: z.string(), age: age.default('60d'), labels: z.record(z.string(), z.string()).optional() })
        .strict(),
    ),
    workloads: z.array(WorkloadSchema),
    configMaps: z
      .array(z.object({ namespace: z.string(), name: z.string(), data: z.record(z.string(), z.string()) }).strict())
      .default([]),
  })
  .strict();

export type Scenario = z.infer<typeof ScenarioSchema>;
export type WorkloadSpec = Scenario['workloads'][number];
export type PodEntry = WorkloadSpec['pods'][number];

/** Validates scenario data, filling defaults; every problem is reported at once. */
export function parseScenario(data: unknown): Scenario {
  const result = ScenarioSchema.safeParse(data);
  if (!result.success) throw new Error(`invalid scenario:\n${z.prettifyError(result.error)}`);
  const namespaces = new Set(result.data.namespaces.map((n) => n.name));
  const missing = result.data.workloads
    .filter((w) => !namespaces.has(w.namespace))
    .map((w) => `${w.namespace}/${w.name}`);
  if (missing.length > 0)
    throw new Error(`invalid scenario: workloads in undeclared namespaces: ${missing.join(', ')}`);
  return result.data;
}

export async function loadScenario(name: string): Promise<Scenario> {
  if (!/^[a-z0-9][a-z0-9-]*$/.test(name)) throw new Error(`invalid scenario name "${name}"`);
  const file = new URL(`../scenarios/${name}.yaml`, import.meta.url);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    throw new Error(`unknown scenario "${name}" (no ${file.pathname})`);
  }
  return parseScenario(YAML.parse(text));
}
