// Writes manifests/bot/base/rbac.yaml: what carbon-ops may do in the cluster, derived from what it acts on. Reads are
// one ClusterRole (the calls of src/integrations/kubernetes.ts the jobs make, listed below with why). Every write
// is granted where it happens: a Role in each namespace the catalogue (restart, vault cutover) or the phase
// runbooks (the objects they apply, by name; the pods they clean up) name, and a ClusterRole for the
// cluster-scoped objects the runbooks apply or check, by name. Nothing is ever granted in kube-system or in the
// bot's own namespace.
//
//   npm run rbac:generate        rewrites the file; test/unit/bot-rbac.test.ts fails while it differs
//   npx tsx scripts/bot-rbac.ts --catalogue FILE --runbooks DIR --manifests DIR --out FILE   (another cluster's)
import { readFile, writeFile } from 'node:fs/promises';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { loadCatalogue, type Service } from '../src/catalogue.js';
import { resourceForKind } from '../src/devstack/kube/resources.js';
import { DEFAULT_PATHS, describeNumbers, loadRunbooks, type Runbooks } from '../src/features/phases/runbook.js';
import type { ManifestObject } from '../src/features/phases/manifests.js';

export const RBAC_FILE = 'manifests/bot/base/rbac.yaml';
export const CATALOGUE_FILE = 'catalogue/services.yaml';
const NAMESPACE_FILE = 'manifests/bot/base/namespace.yaml';

/** The bot's ServiceAccount: in its own namespace, which it never writes. */
export const BOT = { name: 'carbon-ops', namespace: 'carbon-ops' };

/** Where nothing is written, whatever the catalogue and the runbooks say: the control plane's and the bot's own. */
export const NEVER_WRITTEN = ['kube-system', 'kube-public', 'kube-node-lease', BOT.namespace];

export interface Rule {
  /** Why the rule exists: the comment above it. */
  why: string;
  apiGroups: string[];
  resources: string[];
  verbs: string[];
  resourceNames?: string[];
}

/** The reads, cluster-wide: each call of the jobs that reads, and which job makes it. Never watch, never secrets. */
const READS: Rule[] = [
  {
    why: 'Health report, restart and vault: whether the namespace asked for exists (read by name).',
    apiGroups: [''],
    resources: ['namespaces'],
    verbs: ['get'],
  },
  {
    why:
      'Pods, listed in pages: the health report; a restart whose rollout failed (its pods); the phase checks ' +
      '(pods ready, problem pods) and clean-up (failed pods); vault migrate (the pods that read a ConfigMap); logs, ' +
      'events and describe (the pods of a service by its selector, or one pod read by name).',
    apiGroups: [''],
    resources: ['pods'],
    verbs: ['get', 'list'],
  },
  {
    why:
      'Deployments and StatefulSets: listed by the health report, the phase checks and vault migrate (readers of a ' +
      'ConfigMap); read by name by restart (pre-flight, rollout status) and the vault cutover (annotations, rollouts).',
    apiGroups: ['apps'],
    resources: ['deployments', 'statefulsets'],
    verbs: ['get', 'list'],
  },
  {
    why:
      "Vault migrate and cutover: a ConfigMap's other readers, listed per namespace (a key any of them still reads " +
      'stays in the ConfigMap). DaemonSets, ReplicaSets, Jobs and CronJobs are never read by name, never written.',
    apiGroups: ['apps'],
    resources: ['daemonsets', 'replicasets'],
    verbs: ['list'],
  },
  {
    why: 'The same for the batch kinds.',
    apiGroups: ['batch'],
    resources: ['cronjobs', 'jobs'],
    verbs: ['list'],
  },
  {
    why:
      'Restart: a failed rollout is reported with the recent events of the workload and its pods; events and ' +
      'describe list them by involvedObject.name.',
    apiGroups: [''],
    resources: ['events'],
    verbs: ['list'],
  },
  {
    why:
      "Restart pre-flight (PDB headroom) and phase 4's check that PDBs cover the critical services: a namespace's " +
      'PodDisruptionBudgets, found by their selectors (their names are not known in advance).',
    apiGroups: ['policy'],
    resources: ['poddisruptionbudgets'],
    verbs: ['list'],
  },
  {
    why:
      "Daily status post and handoff: cert-manager Certificates' status.notAfter, listed across namespaces (the " +
      'runbook reads its own Certificates by name, below).',
    apiGroups: ['cert-manager.io'],
    resources: ['certificates'],
    verbs: ['list'],
  },
  {
    why:
      'Vault status: the ConfigMaps whose keys may hold secrets, listed for the coverage; vault migrate, cutover and ' +
      'rollback: the one ConfigMap read by name. Secrets are not read at all.',
    apiGroups: [''],
    resources: ['configmaps'],
    verbs: ['get', 'list'],
  },
  {
    why:
      "Health's node resources: the nodes' status.allocatable, and their usage from the metrics API (metrics-server, " +
      'as `kubectl top nodes` reads it).',
    apiGroups: [''],
    resources: ['nodes'],
    verbs: ['list'],
  },
  {
    why: 'The same: NodeMetrics, listed.',
    apiGroups: ['metrics.k8s.io'],
    resources: ['nodes'],
    verbs: ['list'],
  },
  {
    why: "Phase 4's check that quotas are present: the ResourceQuotas of a namespace, whatever their names.",
    apiGroups: [''],
    resources: ['resourcequotas'],
    verbs: ['list'],
  },
];

/**
 * `logs` reads containers' logs only where the catalogue names a service: a pod of kube-system or of
 * carbon-ops (tokens, certificates in a control plane's log) is refused by the API server, not only by us.
 */
const CATALOGUE_LOGS: Rule[] = [
  {
    why:
      "Logs: a container's last lines (tailLines at most 1000, limitBytes 256 KiB), every line masked of " +
      'credential-looking values before it reaches Slack. Only in the catalogue namespaces; never exec, attach or port-forward.',
    apiGroups: [''],
    resources: ['pods/log'],
    verbs: ['get'],
  },
];

/**
 * The failing-pod watch (features/incidents/pod-watch.ts) watches pods where the catalogue names services, never
 * elsewhere: a watch streams every change of every pod of the namespace, so it is granted no wider than it is used.
 */
const CATALOGUE_WATCH: Rule[] = [
  {
    why:
      'The pod watch: the pods of the namespaces of critical services, listed (the ClusterRole) then watched, so a ' +
      'crash-looping, OOMKilled, image-less or long-Pending pod is posted in the incident channel as it happens.',
    apiGroups: [''],
    resources: ['pods'],
    verbs: ['watch'],
  },
];

/**
 * Health's PostgreSQL checks: the one Secret key each names for its password, read by name only (never listed), in
 * the service's own namespace. The password is used to connect and is never shown, logged or stored.
 */
function credentialReads(services: readonly Service[]): Rule[] {
  const names = new Set<string>();
  const by = new Set<string>();
  for (const s of services)
    for (const check of s.checks ?? [])
      if (check.kind === 'postgres' && 'secret' in check.credentials) {
        names.add(check.credentials.secret);
        by.add(s.name);
      }
  if (names.size === 0) return [];
  return [
    {
      why:
        `Health's PostgreSQL check of ${[...by].sort().join(', ')}: the password in the Secret the catalogue names, ` +
        'read by name only; used to connect, never shown, logged or stored.',
      apiGroups: [''],
      resources: ['secrets'],
      verbs: ['get'],
      resourceNames: [...names].sort(),
    },
  ];
}

/** The writes of restart and the vault cutover, in each namespace where the catalogue names a service. */
const CATALOGUE_WRITES: Rule[] = [
  {
    why:
      "Restart (after approval): `kubectl rollout restart`, a strategic-merge patch of the pod template's " +
      'kubectl.kubernetes.io/restartedAt annotation. Vault cutover and rollback: the same kind of patch adds and removes ' +
      "the Vault Agent injector's pod-template annotations. Any Deployment or StatefulSet of the namespace: a restart " +
      'may name one the catalogue does not list, and the cutover annotates whichever reads the ConfigMap.',
    apiGroups: ['apps'],
    resources: ['deployments', 'statefulsets'],
    verbs: ['patch'],
  },
  {
    why:
      'Vault cutover (after approval, once every key is verified in Vault) removes the migrated keys from the ' +
      'ConfigMap; vault rollback puts them back. A JSON patch that applies only to the version read.',
    apiGroups: [''],
    resources: ['configmaps'],
    verbs: ['patch'],
  },
];

/** What one runbook task does to one object (or to the objects of a kind, for `name` undefined). */
interface Use {
  namespace: string | undefined;
  apiGroup: string;
  resource: string;
  name?: string;
  verbs: string[];
  phase: number;
  why: string;
}

/** Where the bot sends a request for this object: its group, plural and namespace (as Kube.objectPath does). */
function target(object: ManifestObject): Pick<Use, 'namespace' | 'apiGroup' | 'resource'> {
  const info = resourceForKind(object.kind);
  const apiGroup = object.apiVersion.includes('/') ? object.apiVersion.split('/')[0]! : '';
  if (info === undefined || info.group !== apiGroup)
    throw new Error(`${object.apiVersion} ${object.kind}: not a kind this generator knows (src/devstack/kube)`);
  return {
    namespace: info.namespaced ? (object.metadata.namespace ?? 'default') : undefined,
    apiGroup,
    resource: info.plural,
  };
}

/** Every request the runbooks make that writes, or reads by name, each with the task it is for. */
function runbookUses(runbooks: Runbooks): Use[] {
  const uses: Use[] = [];
  for (const { phase, tasks } of runbooks.phases) {
    for (const task of tasks) {
      const by = `phase ${phase} \`${task.id}\``;
      const base = { phase };
      if (task.kind === 'apply' && !task.createOnly) {
        for (const { object } of task.objects)
          uses.push({
            ...base,
            ...target(object),
            name: object.metadata.name,
            verbs: ['get', 'create', 'patch'],
            why: `${by} applies them (${task.manifests.join(', ')})`,
          });
      } else if (task.kind === 'apply') {
        for (const { object } of task.objects)
          uses.push({
            ...base,
            ...target(object),
            verbs: ['create'],
            why:
              `${by} creates them when missing (${task.manifests.join(', ')}): never read, never changed; ` +
              'a create cannot be limited by name',
          });
      } else if (task.kind === 'check' && 'objects' in task.check) {
        for (const { object } of task.check.objects ?? [])
          uses.push({
            ...base,
            ...target(object),
            name: object.metadata.name,
            verbs: ['get'],
            why: `${by} reads them`,
          });
      } else if (task.kind === 'cleanup') {
        for (const { namespace, selector } of task.targets)
          uses.push({
            ...base,
            namespace,
            apiGroup: '',
            resource: 'pods',
            verbs: ['delete'],
            why:
              `${by} deletes failed pods (phase Failed) matching \`${selector}\`, never of a critical service, ` +
              'one by one with a UID precondition',
          });
      }
    }
  }
  return uses;
}

const VERB_ORDER = ['get', 'list', 'create', 'patch', 'delete'];
const byVerb = (a: string, b: string) => VERB_ORDER.indexOf(a) - VERB_ORDER.indexOf(b);

/**
 * The runbook uses of one scope (a namespace, or the cluster) as rules: one per kind and set of verbs, the names
 * each is allowed on (none for a create-only or a clean-up), and why, from every task that needs it.
 */
function runbookRules(uses: readonly Use[]): Rule[] {
  // The verbs each object needs (over all tasks), and why.
  const perObject = new Map<string, { use: Use; verbs: Set<string>; why: Set<string> }>();
  for (const use of uses) {
    const key = JSON.stringify([use.apiGroup, use.resource, use.name ?? null, use.name ? [] : use.verbs]);
    const entry = perObject.get(key) ?? { use, verbs: new Set<string>(), why: new Set<string>() };
    for (const verb of use.verbs) entry.verbs.add(verb);
    entry.why.add(use.why);
    perObject.set(key, entry);
  }
  const rules = new Map<string, Rule & { whys: Set<string> }>();
  for (const { use, verbs, why } of perObject.values()) {
    const sorted = [...verbs].sort(byVerb);
    const key = JSON.stringify([use.apiGroup, use.resource, sorted, use.name !== undefined]);
    const rule = rules.get(key) ?? {
      why: '',
      whys: new Set<string>(),
      apiGroups: [use.apiGroup],
      resources: [use.resource],
      verbs: sorted,
      ...(use.name !== undefined ? { resourceNames: [] } : {}),
    };
    if (use.name !== undefined) rule.resourceNames!.push(use.name);
    for (const w of why) rule.whys.add(w);
    rules.set(key, rule);
  }
  return [...rules.values()]
    .map(({ whys, ...rule }) => ({
      ...rule,
      why: `${capitalize([...whys].join('; '))}.`,
      ...(rule.resourceNames ? { resourceNames: [...new Set(rule.resourceNames)].sort() } : {}),
    }))
    .sort((a, b) => `${a.apiGroups[0]}/${a.resources[0]}`.localeCompare(`${b.apiGroups[0]}/${b.resources[0]}`));
}

const capitalize = (text: string) => text.charAt(0).toUpperCase() + text.slice(1);

/** Who is written where: the Role of each namespace (catalogue writes, then the runbooks'), and the cluster's. */
export interface Grants {
  namespaces: Map<string, { why: string; rules: Rule[] }>;
  cluster: Rule[];
}

/** The writes the catalogue and the runbooks need, by namespace; a write in NEVER_WRITTEN is an error. */
export async function grants(catalogueFile = CATALOGUE_FILE, runbooks?: Runbooks): Promise<Grants> {
  const catalogue = await loadCatalogue(catalogueFile);
  const uses = runbookUses(runbooks ?? (await loadRunbooks(DEFAULT_PATHS)));
  const services = new Map<string, string[]>();
  for (const s of catalogue.services) services.set(s.namespace, [...(services.get(s.namespace) ?? []), s.name]);
  const phases = new Map<string, Set<number>>();
  for (const use of uses)
    if (use.namespace !== undefined) phases.set(use.namespace, (phases.get(use.namespace) ?? new Set()).add(use.phase));
  const namespaces = new Map<string, { why: string; rules: Rule[] }>();
  for (const namespace of [...new Set([...services.keys(), ...phases.keys()])].sort()) {
    if (NEVER_WRITTEN.includes(namespace))
      throw new Error(`${namespace}: carbon-ops writes nothing here, but the catalogue or a runbook names it`);
    const named = services.get(namespace);
    const why = [
      named ? `the catalogue's ${named.join(', ')} (restart, vault cutover, logs, the pod watch)` : undefined,
      phases.has(namespace) ? `the runbooks of ${describeNumbers([...phases.get(namespace)!])}` : undefined,
    ].filter(Boolean);
    const rules = [
      ...(named ? [...CATALOGUE_WRITES, ...CATALOGUE_LOGS, ...CATALOGUE_WATCH] : []),
      ...credentialReads(catalogue.services.filter((s) => s.namespace === namespace)),
      ...runbookRules(uses.filter((u) => u.namespace === namespace)),
    ];
    namespaces.set(namespace, { why: `carbon-ops in ${namespace}: ${why.join('; ')}.`, rules });
  }
  const cluster = runbookRules(uses.filter((u) => u.namespace === undefined));
  const unnamed = cluster.find((r) => r.resourceNames === undefined);
  if (unnamed) throw new Error(`${unnamed.resources[0]}: a cluster-scoped object the runbooks write must be named`);
  return { namespaces, cluster };
}

// ---- the YAML, written out with its comments ----

const WIDTH = 118;

/** `# …` lines of at most WIDTH characters; a paragraph per line of `text`, with `#` between them. */
function comment(text: string, indent: string): string[] {
  return text.split('\n').flatMap((paragraph, i) => {
    const lines = i === 0 ? [] : [`${indent}#`];
    let line = '';
    for (const word of paragraph.split(' ')) {
      if (line !== '' && indent.length + 2 + line.length + 1 + word.length > WIDTH) {
        lines.push(`${indent}# ${line}`);
        line = word;
      } else line = line === '' ? word : `${line} ${word}`;
    }
    if (line !== '') lines.push(`${indent}# ${line}`);
    return lines;
  });
}

const scalar = (value: string) => (/^[a-z][a-z0-9.-]*$/.test(value) ? value : JSON.stringify(value));

/** `key: [a, b]`, wrapped into continuation lines when it would be too wide. */
function flow(indent: string, key: string, values: readonly string[]): string[] {
  const lines: string[] = [];
  let line = `${indent}${key}: [`;
  values.forEach((value, i) => {
    const item = `${scalar(value)}${i === values.length - 1 ? ']' : ','}`;
    if (i > 0 && line.length + 1 + item.length > WIDTH) {
      lines.push(line);
      line = `${indent}  ${item}`;
    } else line = i === 0 ? `${line}${item}` : `${line} ${item}`;
  });
  lines.push(values.length === 0 ? `${line}]` : line);
  return lines;
}

function rulesYaml(rules: readonly Rule[]): string[] {
  return rules.flatMap((rule) => [
    ...comment(rule.why, '  '),
    ...flow('  - ', 'apiGroups', rule.apiGroups),
    ...flow('    ', 'resources', rule.resources),
    ...flow('    ', 'verbs', rule.verbs),
    ...(rule.resourceNames ? flow('    ', 'resourceNames', rule.resourceNames) : []),
  ]);
}

const SUBJECT = ['subjects:', '  - kind: ServiceAccount', `    name: ${BOT.name}`, `    namespace: ${BOT.namespace}`];

function role(kind: 'ClusterRole' | 'Role', name: string, namespace: string | undefined, why: string, rules: Rule[]) {
  const metadata = ['metadata:', `  name: ${name}`, ...(namespace ? [`  namespace: ${namespace}`] : [])];
  const binding = kind === 'Role' ? 'RoleBinding' : 'ClusterRoleBinding';
  return [
    ...comment(why, ''),
    'apiVersion: rbac.authorization.k8s.io/v1',
    `kind: ${kind}`,
    ...metadata,
    'rules:',
    ...rulesYaml(rules),
    '---',
    'apiVersion: rbac.authorization.k8s.io/v1',
    `kind: ${binding}`,
    ...metadata,
    'roleRef:',
    '  apiGroup: rbac.authorization.k8s.io',
    `  kind: ${kind}`,
    `  name: ${name}`,
    ...SUBJECT,
  ].join('\n');
}

const HEADER =
  'What carbon-ops may do in the cluster. GENERATED by scripts/bot-rbac.ts from catalogue/services.yaml and the ' +
  'phase runbooks (runbooks/, manifests/phases/): change the script or its inputs, then `npm run rbac:generate`; ' +
  'test/unit/bot-rbac.test.ts fails while this file differs.\n' +
  'Reads are cluster-wide (ClusterRole carbon-ops-reader): no secrets, no wildcards, no watch. The exceptions are granted by the Roles of the namespaces where the catalogue names services: the pod watch, and ' +
  "a PostgreSQL password the catalogue names for health's data checks, a Secret read by name. " +
  'Every write is ' +
  'granted by the Role carbon-ops of the namespace it happens in: restarts and vault cutovers where the catalogue ' +
  "names services, the runbooks' objects by name. The cluster-scoped objects the runbooks apply or check are granted " +
  'by name (ClusterRole carbon-ops-runbook-objects). Nothing is written in kube-system or in carbon-ops: patching a ' +
  'pod template there would run any image under any ServiceAccount of that namespace.\n' +
  'Never here: Roles, RoleBindings, ClusterRoles and ClusterRoleBindings are never written by the bot (a bot that ' +
  "may write RBAC may grant itself anything): phase 2's RBAC task only reads them, by name.\n" +
  "The runbooks' writes: " +
  'server-side apply is a PATCH (patch) which creates a missing object (create, which the API server checks for the ' +
  "object's name); the live object is read first for the diff, and by the checks (get). `phase plan` sends the " +
  'same requests with dryRun=All.';

/** The whole file. */
export async function generateBotRbac(catalogueFile = CATALOGUE_FILE, runbooks?: Runbooks): Promise<string> {
  const botNamespace = /^ {2}name: (\S+)$/m.exec(await readFile(NAMESPACE_FILE, 'utf8'))?.[1];
  if (botNamespace !== BOT.namespace) throw new Error(`${NAMESPACE_FILE} no longer names ${BOT.namespace}`);
  const { namespaces, cluster } = await grants(catalogueFile, runbooks);
  const documents = [
    [
      ...comment(HEADER, ''),
      'apiVersion: v1',
      'kind: ServiceAccount',
      'metadata:',
      `  name: ${BOT.name}`,
      `  namespace: ${BOT.namespace}`,
      'automountServiceAccountToken: true',
    ].join('\n'),
    role('ClusterRole', 'carbon-ops-reader', undefined, 'The reads of every job, cluster-wide.', READS),
    role(
      'ClusterRole',
      'carbon-ops-runbook-objects',
      undefined,
      'The cluster-scoped objects of the phase runbooks, by name: no other cluster-scoped object is ever written.',
      cluster,
    ),
    ...[...namespaces].map(([namespace, { why, rules }]) => role('Role', 'carbon-ops', namespace, why, rules)),
  ];
  return `${documents.join('\n---\n')}\n`;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  // Another cluster's catalogue and runbooks (CATALOGUE_FILE, RUNBOOKS_DIR, PHASE_MANIFESTS_DIR) make its own RBAC.
  const { values } = parseArgs({
    options: {
      catalogue: { type: 'string', default: CATALOGUE_FILE },
      runbooks: { type: 'string', default: DEFAULT_PATHS.runbooksDir },
      manifests: { type: 'string', default: DEFAULT_PATHS.manifestsDir },
      out: { type: 'string', default: RBAC_FILE },
    },
  });
  const runbooks = await loadRunbooks({ runbooksDir: values.runbooks, manifestsDir: values.manifests });
  await writeFile(values.out, await generateBotRbac(values.catalogue, runbooks));
  console.log(`wrote ${values.out}`);
}
