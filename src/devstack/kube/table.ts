// Server-side printing: the meta.k8s.io/v1 Table kubectl asks for with
// `Accept: application/json;as=Table;v=v1;g=meta.k8s.io`, with the columns and cell values of the real
// printers (pkg/printers/internalversion), so `kubectl get` prints what it prints against a real cluster.
import { age, humanDuration } from './duration.js';
import type { ResourceInfo } from './resources.js';
import { formatLabelSelector } from './selectors.js';
import type {
  Container,
  DaemonSet,
  Deployment,
  JsonObject,
  KubeObject,
  LabelSelector,
  Pod,
  PodDisruptionBudget,
  PodTemplate,
  ReplicaSet,
  StatefulSet,
} from './types.js';
import { isRecord } from './types.js';

interface Column {
  name: string;
  type: 'string' | 'integer' | 'date';
  format?: 'name';
  priority?: number;
  description: string;
}

type Printer = { columns: Column[]; cells(object: KubeObject, now: number): unknown[] };

const col = (name: string, type: Column['type'] = 'string', priority = 0, description = ''): Column => ({
  name,
  type,
  ...(name === 'Name' ? { format: 'name' as const } : {}),
  ...(priority ? { priority } : {}),
  description:
    description ||
    (name === 'Name'
      ? 'Name must be unique within a namespace.'
      : name === 'Age'
        ? 'CreationTimestamp is a timestamp representing the server time when this object was created.'
        : name),
});

const str = (value: unknown): string => (typeof value === 'string' ? value : '');
const num = (value: unknown): number => (typeof value === 'number' ? value : 0);
const obj = (value: unknown): JsonObject => (isRecord(value) ? value : {});
const created = (o: KubeObject, now: number): string => age(o.metadata.creationTimestamp, now);

function podCells(object: KubeObject, now: number): unknown[] {
  const pod = object as Pod;
  const statuses = pod.status.containerStatuses ?? [];
  let reason = pod.status.reason || pod.status.phase || '';
  let restarts = 0;
  let ready = 0;
  let lastRestart = 0;
  let hasRunning = false;
  for (const c of [...statuses].reverse()) {
    restarts += c.restartCount;
    const finished = c.lastState.terminated?.finishedAt;
    if (finished) lastRestart = Math.max(lastRestart, Date.parse(finished));
    const { waiting, terminated, running } = c.state;
    if (waiting?.reason) reason = waiting.reason;
    else if (terminated?.reason) reason = terminated.reason;
    else if (terminated) reason = terminated.signal ? `Signal:${terminated.signal}` : `ExitCode:${terminated.exitCode}`;
    else if (c.ready && running) {
      hasRunning = true;
      ready++;
    }
  }
  if (reason === 'Completed' && hasRunning)
    reason = pod.status.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ? 'Running' : 'NotReady';
  if (pod.metadata.deletionTimestamp && pod.status.phase !== 'Succeeded' && pod.status.phase !== 'Failed')
    reason = 'Terminating';
  const restartCell =
    restarts !== 0 && lastRestart > 0 ? `${restarts} (${humanDuration(now - lastRestart)} ago)` : String(restarts);
  return [
    pod.metadata.name,
    `${ready}/${pod.spec.containers.length}`,
    reason,
    restartCell,
    created(pod, now),
    pod.status.podIPs?.[0]?.ip || '<none>',
    pod.spec.nodeName || '<none>',
    pod.status.nominatedNodeName || '<none>',
    '<none>',
  ];
}

const containersOf = (template: PodTemplate | undefined): Container[] => template?.spec.containers ?? [];
const containerCells = (template: PodTemplate | undefined, selector: LabelSelector | undefined): string[] => [
  containersOf(template)
    .map((c) => c.name)
    .join(','),
  containersOf(template)
    .map((c) => c.image)
    .join(','),
  formatLabelSelector(selector),
];
const wideWorkloadColumns = [col('Containers', 'string', 1), col('Images', 'string', 1), col('Selector', 'string', 1)];

function servicePorts(ports: unknown): string {
  if (!Array.isArray(ports) || ports.length === 0) return '<none>';
  return ports
    .map((p) => {
      const port = obj(p);
      const node = port['nodePort'] ? `:${String(port['nodePort'])}` : '';
      return `${String(port['port'])}${node}/${str(port['protocol']) || 'TCP'}`;
    })
    .join(',');
}

function eventCells(event: KubeObject, now: number): unknown[] {
  const involved = obj(event['involvedObject']);
  const source = obj(event['source']);
  const last = str(event['lastTimestamp']) || str(event['eventTime']) || event.metadata.creationTimestamp;
  const first = str(event['firstTimestamp']) || last;
  return [
    age(last, now),
    str(event['type']),
    str(event['reason']),
    `${str(involved['kind']).toLowerCase()}/${str(involved['name'])}`,
    str(involved['fieldPath']),
    [str(source['component']), str(source['host'])].filter(Boolean).join(', '),
    str(event['message']).trim(),
    age(first, now),
    num(event['count']),
    event.metadata.name,
  ];
}

function nodeCells(node: KubeObject, now: number): unknown[] {
  const status = obj(node['status']);
  const ready = (Array.isArray(status['conditions']) ? status['conditions'] : [])
    .map(obj)
    .find((c) => c['type'] === 'Ready');
  const unschedulable = obj(node['spec'])['unschedulable'] === true;
  const state = (ready?.['status'] === 'True' ? 'Ready' : 'NotReady') + (unschedulable ? ',SchedulingDisabled' : '');
  const roles = Object.keys(node.metadata.labels ?? {})
    .filter((l) => l.startsWith('node-role.kubernetes.io/'))
    .map((l) => l.slice('node-role.kubernetes.io/'.length));
  const info = obj(status['nodeInfo']);
  const addresses = (Array.isArray(status['addresses']) ? status['addresses'] : []).map(obj);
  const address = (type: string): string => str(addresses.find((a) => a['type'] === type)?.['address']) || '<none>';
  return [
    node.metadata.name,
    state,
    roles.length ? roles.sort().join(',') : '<none>',
    created(node, now),
    str(info['kubeletVersion']),
    address('InternalIP'),
    address('ExternalIP'),
    str(info['osImage']),
    str(info['kernelVersion']),
    str(info['containerRuntimeVersion']),
  ];
}

function jobCells(job: KubeObject, now: number): unknown[] {
  const spec = obj(job['spec']);
  const status = obj(job['status']);
  const conditions = (Array.isArray(status['conditions']) ? status['conditions'] : [])
    .map(obj)
    .filter((c) => c['status'] === 'True');
  const state = conditions.some((c) => c['type'] === 'Complete')
    ? 'Complete'
    : conditions.some((c) => c['type'] === 'Failed')
      ? 'Failed'
      : 'Running';
  const start = str(status['startTime']);
  const end = str(status['completionTime']);
  const template = obj(spec['template']) as unknown as PodTemplate;
  return [
    job.metadata.name,
    state,
    `${num(status['succeeded'])}/${num(spec['completions']) || 1}`,
    start ? humanDuration((end ? Date.parse(end) : now) - Date.parse(start)) : '',
    created(job, now),
    ...containerCells(template, spec['selector'] as LabelSelector | undefined),
  ];
}

const PRINTERS: Record<string, Printer> = {
  pods: {
    columns: [
      col('Name'),
      col('Ready', 'string', 0, 'The aggregate readiness state of this pod for accepting traffic.'),
      col('Status', 'string', 0, 'The aggregate status of the containers in this pod.'),
      col(
        'Restarts',
        'string',
        0,
        'The number of times the containers in this pod have been restarted and when the last container in this pod has restarted.',
      ),
      col('Age'),
      col(
        'IP',
        'string',
        1,
        'IP address allocated to the pod. Routable at least within the cluster. Empty if not yet allocated.',
      ),
      col('Node', 'string', 1, 'NodeName is a request to schedule this pod onto a specific node.'),
      col('Nominated Node', 'string', 1),
      col('Readiness Gates', 'string', 1),
    ],
    cells: podCells,
  },
  deployments: {
    columns: [
      col('Name'),
      col('Ready'),
      col('Up-to-date', 'integer'),
      col('Available', 'integer'),
      col('Age'),
      ...wideWorkloadColumns,
    ],
    cells: (o, now) => {
      const d = o as Deployment;
      return [
        d.metadata.name,
        `${d.status?.readyReplicas ?? 0}/${d.spec.replicas ?? 0}`,
        d.status?.updatedReplicas ?? 0,
        d.status?.availableReplicas ?? 0,
        created(d, now),
        ...containerCells(d.spec.template, d.spec.selector),
      ];
    },
  },
  statefulsets: {
    columns: [col('Name'), col('Ready'), col('Age'), col('Containers', 'string', 1), col('Images', 'string', 1)],
    cells: (o, now) => {
      const s = o as StatefulSet;
      return [
        s.metadata.name,
        `${s.status?.readyReplicas ?? 0}/${s.spec.replicas ?? 0}`,
        created(s, now),
        ...containerCells(s.spec.template, s.spec.selector).slice(0, 2),
      ];
    },
  },
  daemonsets: {
    columns: [
      col('Name'),
      col('Desired', 'integer'),
      col('Current', 'integer'),
      col('Ready', 'integer'),
      col('Up-to-date', 'integer'),
      col('Available', 'integer'),
      col('Node Selector'),
      col('Age'),
      ...wideWorkloadColumns,
    ],
    cells: (o, now) => {
      const d = o as DaemonSet;
      const selector = Object.entries(d.spec.template.spec.nodeSelector ?? {}).map(([k, v]) => `${k}=${v}`);
      return [
        d.metadata.name,
        d.status?.desiredNumberScheduled ?? 0,
        d.status?.currentNumberScheduled ?? 0,
        d.status?.numberReady ?? 0,
        d.status?.updatedNumberScheduled ?? 0,
        d.status?.numberAvailable ?? 0,
        selector.length ? selector.join(',') : '<none>',
        created(d, now),
        ...containerCells(d.spec.template, d.spec.selector),
      ];
    },
  },
  replicasets: {
    columns: [
      col('Name'),
      col('Desired', 'integer'),
      col('Current', 'integer'),
      col('Ready', 'integer'),
      col('Age'),
      ...wideWorkloadColumns,
    ],
    cells: (o, now) => {
      const r = o as ReplicaSet;
      return [
        r.metadata.name,
        r.spec.replicas ?? 0,
        r.status?.replicas ?? 0,
        r.status?.readyReplicas ?? 0,
        created(r, now),
        ...containerCells(r.spec.template, r.spec.selector),
      ];
    },
  },
  services: {
    columns: [
      col('Name'),
      col('Type'),
      col('Cluster-IP'),
      col('External-IP'),
      col('Port(s)'),
      col('Age'),
      col('Selector', 'string', 1),
    ],
    cells: (o, now) => {
      const spec = obj(o['spec']);
      const externalIPs = Array.isArray(spec['externalIPs']) ? spec['externalIPs'].join(',') : '';
      const selector = Object.entries(obj(spec['selector'])).map(([k, v]) => `${k}=${String(v)}`);
      return [
        o.metadata.name,
        str(spec['type']) || 'ClusterIP',
        str(spec['clusterIP']) || '<none>',
        spec['type'] === 'ExternalName' ? str(spec['externalName']) : externalIPs || '<none>',
        servicePorts(spec['ports']),
        created(o, now),
        selector.length ? selector.join(',') : '<none>',
      ];
    },
  },
  configmaps: {
    columns: [col('Name'), col('Data', 'integer'), col('Age')],
    cells: (o, now) => [
      o.metadata.name,
      Object.keys(obj(o['data'])).length + Object.keys(obj(o['binaryData'])).length,
      created(o, now),
    ],
  },
  controllerrevisions: {
    columns: [col('Name'), col('Controller'), col('Revision'), col('Age')],
    cells: (o, now) => {
      const owner = o.metadata.ownerReferences?.find((r) => r.controller);
      const group = owner?.apiVersion.includes('/') ? `.${owner.apiVersion.split('/')[0]}` : '';
      return [
        o.metadata.name,
        owner ? `${owner.kind.toLowerCase()}${group}/${owner.name}` : '<none>',
        o['revision'] as number,
        created(o, now),
      ];
    },
  },
  namespaces: {
    columns: [col('Name'), col('Status'), col('Age')],
    cells: (o, now) => [o.metadata.name, str(obj(o['status'])['phase']), created(o, now)],
  },
  nodes: {
    columns: [
      col('Name'),
      col('Status'),
      col('Roles'),
      col('Age'),
      col('Version'),
      col('Internal-IP', 'string', 1),
      col('External-IP', 'string', 1),
      col('OS-Image', 'string', 1),
      col('Kernel-Version', 'string', 1),
      col('Container-Runtime', 'string', 1),
    ],
    cells: nodeCells,
  },
  events: {
    columns: [
      col('Last Seen'),
      col('Type'),
      col('Reason'),
      col('Object'),
      col('Subobject', 'string', 1),
      col('Source', 'string', 1),
      col('Message'),
      col('First Seen', 'string', 1),
      col('Count', 'integer', 1),
      col('Name', 'string', 1),
    ],
    cells: eventCells,
  },
  jobs: {
    columns: [col('Name'), col('Status'), col('Completions'), col('Duration'), col('Age'), ...wideWorkloadColumns],
    cells: jobCells,
  },
  poddisruptionbudgets: {
    columns: [
      col('Name'),
      col('Min Available'),
      col('Max Unavailable'),
      col('Allowed Disruptions', 'integer'),
      col('Age'),
    ],
    cells: (o, now) => {
      const p = o as PodDisruptionBudget;
      return [
        p.metadata.name,
        p.spec.minAvailable !== undefined ? String(p.spec.minAvailable) : 'N/A',
        p.spec.maxUnavailable !== undefined ? String(p.spec.maxUnavailable) : 'N/A',
        p.status?.disruptionsAllowed ?? 0,
        created(p, now),
      ];
    },
  },
};

const conditionOf = (o: KubeObject, type: string): JsonObject | undefined =>
  (Array.isArray(obj(o['status'])['conditions']) ? (obj(o['status'])['conditions'] as unknown[]) : [])
    .map(obj)
    .find((c) => c['type'] === type);
const createdAt = (o: KubeObject): string => o.metadata.creationTimestamp;

function quotaCells(o: KubeObject, now: number): unknown[] {
  const hard = obj(obj(o['spec'])['hard']);
  const status = obj(o['status']);
  const used = obj(status['used']);
  const statusHard = obj(status['hard']);
  const request: string[] = [];
  const limit: string[] = [];
  for (const resource of Object.keys(hard).sort()) {
    const cell = `${resource}: ${str(used[resource]) || '0'}/${str(statusHard[resource]) || '0'}`;
    (resource.split('.')[0] === 'limits' && resource.includes('.') ? limit : request).push(cell);
  }
  return [o.metadata.name, created(o, now), request.join(', '), limit.join(', ')];
}

function bindingCells(o: KubeObject, now: number): unknown[] {
  const roleRef = obj(o['roleRef']);
  const subjects = (Array.isArray(o['subjects']) ? o['subjects'] : []).map(obj);
  const of = (kind: string): string =>
    subjects
      .filter((s) => s['kind'] === kind)
      .map((s) => (kind === 'ServiceAccount' ? `${str(s['namespace'])}/${str(s['name'])}` : str(s['name'])))
      .join(', ');
  return [
    o.metadata.name,
    `${str(roleRef['kind'])}/${str(roleRef['name'])}`,
    created(o, now),
    of('User'),
    of('Group'),
    of('ServiceAccount'),
  ];
}

function cronJobCells(o: KubeObject, now: number): unknown[] {
  const spec = obj(o['spec']);
  const status = obj(o['status']);
  const template = obj(obj(obj(spec['jobTemplate'])['spec'])['template']) as unknown as PodTemplate;
  const last = str(status['lastScheduleTime']);
  return [
    o.metadata.name,
    str(spec['schedule']),
    str(spec['timeZone']) || '<none>',
    spec['suspend'] === true ? 'True' : 'False',
    Array.isArray(status['active']) ? status['active'].length : 0,
    last ? age(last, now) : '<none>',
    created(o, now),
    ...containerCells(template, obj(obj(spec['jobTemplate'])['spec'])['selector'] as LabelSelector | undefined),
  ];
}

const createdAtColumn = col(
  'Created At',
  'date',
  0,
  'CreationTimestamp is a timestamp representing the server time when this object was created.',
);

/** Kinds without a printer of their own get what the real server gives them: name and age. */
const DEFAULT_PRINTER: Printer = {
  columns: [col('Name'), col('Age')],
  cells: (o, now) => [o.metadata.name, created(o, now)],
};

/** The printers of the kinds the phase manifests bring (pkg/printers/internalversion, and cert-manager's
 * CRD columns). */
const PHASE_PRINTERS: Record<string, Printer> = {
  secrets: {
    columns: [col('Name'), col('Type'), col('Data', 'integer'), col('Age')],
    cells: (o, now) => [o.metadata.name, str(o['type']), Object.keys(obj(o['data'])).length, created(o, now)],
  },
  serviceaccounts: {
    columns: [col('Name'), col('Secrets', 'integer'), col('Age')],
    cells: (o, now) => [o.metadata.name, Array.isArray(o['secrets']) ? o['secrets'].length : 0, created(o, now)],
  },
  resourcequotas: { columns: [col('Name'), col('Age'), col('Request'), col('Limit')], cells: quotaCells },
  limitranges: { columns: [col('Name'), createdAtColumn], cells: (o) => [o.metadata.name, createdAt(o)] },
  cronjobs: {
    columns: [
      col('Name'),
      col('Schedule'),
      col('Timezone'),
      col('Suspend'),
      col('Active', 'integer'),
      col('Last Schedule'),
      col('Age'),
      ...wideWorkloadColumns,
    ],
    cells: cronJobCells,
  },
  networkpolicies: {
    columns: [col('Name'), col('Pod-Selector'), col('Age')],
    cells: (o, now) => [
      o.metadata.name,
      formatLabelSelector(obj(o['spec'])['podSelector'] as LabelSelector | undefined),
      created(o, now),
    ],
  },
  roles: { columns: [col('Name'), createdAtColumn], cells: (o) => [o.metadata.name, createdAt(o)] },
  clusterroles: { columns: [col('Name'), createdAtColumn], cells: (o) => [o.metadata.name, createdAt(o)] },
  customresourcedefinitions: { columns: [col('Name'), createdAtColumn], cells: (o) => [o.metadata.name, createdAt(o)] },
  rolebindings: {
    columns: [
      col('Name'),
      col('Role'),
      col('Age'),
      col('Users', 'string', 1),
      col('Groups', 'string', 1),
      col('ServiceAccounts', 'string', 1),
    ],
    cells: bindingCells,
  },
  clusterrolebindings: {
    columns: [
      col('Name'),
      col('Role'),
      col('Age'),
      col('Users', 'string', 1),
      col('Groups', 'string', 1),
      col('ServiceAccounts', 'string', 1),
    ],
    cells: bindingCells,
  },
  // cert-manager's additionalPrinterColumns.
  certificates: {
    columns: [
      col('Name'),
      col('Ready'),
      col('Secret'),
      col('Issuer', 'string', 1),
      col('Status', 'string', 1),
      col('Age'),
    ],
    cells: (o, now) => {
      const ready = conditionOf(o, 'Ready');
      return [
        o.metadata.name,
        str(ready?.['status']),
        str(obj(o['spec'])['secretName']),
        str(obj(obj(o['spec'])['issuerRef'])['name']),
        str(ready?.['message']),
        created(o, now),
      ];
    },
  },
  issuers: {
    columns: [col('Name'), col('Ready'), col('Status', 'string', 1), col('Age')],
    cells: (o, now) => [
      o.metadata.name,
      str(conditionOf(o, 'Ready')?.['status']),
      str(conditionOf(o, 'Ready')?.['message']),
      created(o, now),
    ],
  },
  clusterissuers: {
    columns: [col('Name'), col('Ready'), col('Status', 'string', 1), col('Age')],
    cells: (o, now) => [
      o.metadata.name,
      str(conditionOf(o, 'Ready')?.['status']),
      str(conditionOf(o, 'Ready')?.['message']),
      created(o, now),
    ],
  },
};

export type IncludeObject = 'None' | 'Metadata' | 'Object';

function rowObject(object: KubeObject, include: IncludeObject): unknown {
  if (include === 'Object') return object;
  if (include === 'None') return undefined;
  return { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: object.metadata };
}

/** A Table of `objects`; `withColumns` false leaves out the column definitions (watch events after the first). */
export function toTable(
  info: ResourceInfo,
  objects: KubeObject[],
  listMeta: JsonObject,
  options: { include: IncludeObject; withColumns: boolean; apiVersion: string; now: number },
): JsonObject {
  const printer = PRINTERS[info.plural] ?? PHASE_PRINTERS[info.plural] ?? DEFAULT_PRINTER;
  return {
    kind: 'Table',
    apiVersion: options.apiVersion,
    metadata: listMeta,
    ...(options.withColumns ? { columnDefinitions: printer.columns } : {}),
    rows: objects.map((o) => ({ cells: printer.cells(o, options.now), object: rowObject(o, options.include) })),
  };
}
