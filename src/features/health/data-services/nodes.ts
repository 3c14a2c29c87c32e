import { resourcePath, statusOf } from '../../../integrations/kubernetes.js';
import { parseQuantity } from '../../phases/quantity.js';
import { bounded, judged, notMeasured, reasonOf, type CheckOutcome } from './check.js';
import type { DataSources } from './sources.js';

/** A node using at least this share of its allocatable CPU or memory fails the check. */
export const NODE_FULL = 0.9;

interface NodeList {
  items?: { metadata?: { name?: string }; status?: { allocatable?: Record<string, string> } }[];
}
interface NodeMetricsList {
  items?: { metadata?: { name?: string }; usage?: Record<string, string> }[];
}

const amount = (q: string | undefined): number => (q === undefined ? 0 : Number(parseQuantity(q) ?? 0n) / 1e9);
const pct = (used: number, of: number) => (of === 0 ? 0 : Math.round((used / of) * 1000) / 10);

/**
 * CPU and memory used ÷ allocatable, cluster-wide and on the fullest node, from the metrics API (metrics.k8s.io, as
 * `kubectl top nodes` reads it) and the nodes' status.allocatable. Not served: metrics-server is not installed.
 */
export async function checkNodes(sources: DataSources): Promise<CheckOutcome & { source: string }> {
  const source = 'metrics.k8s.io/v1beta1 nodes ÷ nodes status.allocatable';
  const timeout = sources.config.DATA_CHECK_TIMEOUT_MS;
  let metrics: NodeMetricsList;
  let nodes: NodeList;
  try {
    [metrics, nodes] = await bounded(
      timeout,
      'the metrics API',
      Promise.all([
        sources.kube.request<NodeMetricsList>({
          method: 'GET',
          path: resourcePath('metrics.k8s.io/v1beta1', 'nodes'),
          what: 'list nodes.metrics.k8s.io',
        }),
        sources.kube.request<NodeList>({ method: 'GET', path: resourcePath('v1', 'nodes'), what: 'list nodes' }),
      ]),
    );
  } catch (error) {
    const status = statusOf(error);
    if (status === 404 || status === 503)
      return { ...notMeasured('metrics-server not installed (metrics.k8s.io is not served)'), source };
    if (status === 403)
      return { ...notMeasured('carbon-ops may not list nodes or their metrics (npm run rbac:generate)'), source };
    return { ...notMeasured(`the metrics API did not answer: ${reasonOf(error)}`), source };
  }
  const usage = new Map((metrics.items ?? []).map((m) => [m.metadata?.name ?? '', m.usage ?? {}]));
  const rows = (nodes.items ?? []).map((n) => {
    const name = n.metadata?.name ?? '';
    const alloc = n.status?.allocatable ?? {};
    const used = usage.get(name);
    return {
      name,
      measured: used !== undefined,
      cpu: amount(used?.cpu),
      cpuOf: amount(alloc.cpu),
      mem: amount(used?.memory),
      memOf: amount(alloc.memory),
    };
  });
  const measured = rows.filter((r) => r.measured);
  if (measured.length === 0) return { ...notMeasured('the metrics API reports no node yet'), source };
  const sum = (k: 'cpu' | 'cpuOf' | 'mem' | 'memOf') => measured.reduce((s, r) => s + r[k], 0);
  const full = measured.filter((r) => r.cpu >= r.cpuOf * NODE_FULL || r.mem >= r.memOf * NODE_FULL);
  const gib = (b: number) => (b / 2 ** 30).toFixed(1);
  const summary =
    `CPU ${sum('cpu').toFixed(1)}/${sum('cpuOf').toFixed(1)} cores (${pct(sum('cpu'), sum('cpuOf'))} %), ` +
    `memory ${gib(sum('mem'))}/${gib(sum('memOf'))} GiB (${pct(sum('mem'), sum('memOf'))} %) ` +
    `on ${measured.length} of ${rows.length} nodes`;
  return {
    ...judged(
      summary,
      full.map((r) => `node ${r.name} at CPU ${pct(r.cpu, r.cpuOf)} %, memory ${pct(r.mem, r.memOf)} %`),
    ),
    source,
  };
}
