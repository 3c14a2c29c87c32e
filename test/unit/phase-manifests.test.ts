// The phase manifests (manifests/phases/) checked offline against what they must fit: the Kubernetes API
// types (the models of @kubernetes/client-node), the service catalogue, and the pods of the devstack's
// 254carbon scenario, expanded by the Kubernetes stand-in into the Deployments and StatefulSets a real
// cluster would hold. No cluster needed.
import { afterAll, describe, expect, it } from '@jest/globals';
import * as k8s from '@kubernetes/client-node';
import { readdirSync, readFileSync } from 'node:fs';
import { parse, parseAllDocuments } from 'yaml';
import type { KubeObject } from '../../src/devstack/kube/index.js';
import { clusterFromScenario, parseScenario } from '../../src/devstack/kube/index.js';

type Labels = Record<string, string>;
type Json = Record<string, unknown>;

interface Manifest {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Labels };
  [key: string]: unknown;
}

interface LoadedDoc {
  file: string;
  object: Manifest;
  comment: string;
  problems: string[];
}

interface Selector {
  matchLabels?: Labels;
  matchExpressions?: { key: string; operator: string; values?: string[] }[];
}

interface Container {
  name: string;
  command?: string[];
  resources?: { requests?: Labels; limits?: Labels };
}

interface PodTemplate {
  metadata?: { labels?: Labels };
  spec: { containers: Container[]; initContainers?: Container[] } & Json;
}

/** A set of identical pods: a scenario workload or one of our CronJobs. */
interface PodSet {
  kind: string;
  namespace: string;
  name: string;
  replicas: number;
  labels: Labels;
  template: PodTemplate;
}

const DIR = 'manifests/phases';

// ---- load the manifests ----

const docs: LoadedDoc[] = readdirSync(DIR)
  .filter((f) => f.endsWith('.yaml'))
  .sort()
  .flatMap((file) =>
    parseAllDocuments(readFileSync(`${DIR}/${file}`, 'utf8')).map((doc) => {
      const contents = doc.contents as { commentBefore?: string | null } | null;
      return {
        file,
        object: doc.toJS() as Manifest,
        comment: `${doc.commentBefore ?? ''}\n${contents?.commentBefore ?? ''}`,
        problems: [...doc.errors, ...doc.warnings].map((e) => `${file}: ${e.message}`),
      };
    }),
  );
const objects = docs.map((d) => d.object);
const ofKind = <T = Manifest>(kind: string): (Manifest & T)[] =>
  objects.filter((o) => o?.kind === kind) as (Manifest & T)[];
const id = (o: Manifest): string =>
  `${o.kind} ${o.metadata.namespace ? `${o.metadata.namespace}/` : ''}${o.metadata.name}`;

// ---- the catalogue and the scenario ----

interface CatalogueEntry {
  name: string;
  namespace: string;
  workload: string;
  url?: string;
  critical: boolean;
}
const catalogue = (parse(readFileSync('catalogue/services.yaml', 'utf8')) as { services: CatalogueEntry[] }).services;

const cluster = clusterFromScenario(
  parseScenario(parse(readFileSync('src/devstack/scenarios/254carbon.yaml', 'utf8'))),
);
afterAll(() => cluster.close());

const nodeCount = cluster.list('nodes').length;
const namespaceNames = new Set([
  ...cluster.list('namespaces').map((n) => n.metadata.name),
  ...catalogue.map((s) => s.namespace),
]);
/** The bot's own namespace (manifests/bot), which some policies let in. */
const botNamespace = (parse(readFileSync('manifests/bot/base/namespace.yaml', 'utf8')) as Manifest).metadata.name;

type WorkloadObject = KubeObject & { spec: { replicas?: number; template: PodTemplate } };
const scenarioPodSets: PodSet[] = (
  [
    ['Deployment', 'deployments'],
    ['StatefulSet', 'statefulsets'],
    ['DaemonSet', 'daemonsets'],
    ['Job', 'jobs'],
  ] as const
).flatMap(([kind, resource]) =>
  cluster.list<WorkloadObject>(resource).map((w) => ({
    kind,
    namespace: w.metadata.namespace ?? '',
    name: w.metadata.name,
    replicas: kind === 'DaemonSet' ? nodeCount : kind === 'Job' ? 0 : (w.spec.replicas ?? 1),
    labels: w.spec.template.metadata?.labels ?? {},
    template: w.spec.template,
  })),
);
type CronJob = Manifest & {
  spec: {
    suspend?: boolean;
    schedule: string;
    concurrencyPolicy?: string;
    jobTemplate: { spec: { template: PodTemplate } };
  };
};
const cronPodSets: PodSet[] = ofKind<CronJob>('CronJob').map((c) => ({
  kind: 'CronJob',
  namespace: c.metadata.namespace ?? '',
  name: c.metadata.name,
  replicas: 1,
  labels: c.spec.jobTemplate.spec.template.metadata?.labels ?? {},
  template: c.spec.jobTemplate.spec.template,
}));
const podSets = [...scenarioPodSets, ...cronPodSets];
const podSet = (namespace: string, kindAndName: string): PodSet => {
  const [kind, name] = kindAndName.split('/');
  const found = podSets.find((p) => p.namespace === namespace && p.kind.toLowerCase() === kind && p.name === name);
  if (!found) throw new Error(`no ${kindAndName} in ${namespace} in the scenario`);
  return found;
};

// ---- helpers ----

function matches(selector: Selector | undefined, labels: Labels): boolean {
  if (!selector) return false;
  for (const [k, v] of Object.entries(selector.matchLabels ?? {})) if (labels[k] !== v) return false;
  for (const e of selector.matchExpressions ?? []) {
    const has = Object.hasOwn(labels, e.key);
    const value = labels[e.key];
    const ok =
      e.operator === 'In'
        ? has && (e.values ?? []).includes(value as string)
        : e.operator === 'NotIn'
          ? !has || !(e.values ?? []).includes(value as string)
          : e.operator === 'Exists'
            ? has
            : e.operator === 'DoesNotExist'
              ? !has
              : false;
    if (!ok) return false;
  }
  return true;
}
const isEmptySelector = (s: Selector | undefined): boolean => !!s && !s.matchLabels && !s.matchExpressions;

/** Kubernetes quantities as numbers: CPU in cores, memory and storage in bytes. */
function quantity(text: string | number): number {
  const s = String(text);
  const m = /^([0-9.]+)(m|k|M|G|T|P|Ki|Mi|Gi|Ti|Pi)?$/.exec(s);
  if (!m) throw new Error(`not a quantity: ${s}`);
  const scale: Record<string, number> = {
    m: 1e-3,
    k: 1e3,
    M: 1e6,
    G: 1e9,
    T: 1e12,
    P: 1e15,
    Ki: 2 ** 10,
    Mi: 2 ** 20,
    Gi: 2 ** 30,
    Ti: 2 ** 40,
    Pi: 2 ** 50,
  };
  return Number(m[1]) * (m[2] ? (scale[m[2]] as number) : 1);
}

/**
 * Checks a value against a type of the Kubernetes API as @kubernetes/client-node models it: unknown
 * fields (a misspelt key is silently dropped by a real API server) and wrongly typed values.
 */
type AttributeTypeMap = { baseName: string; type: string }[];
const models = k8s as unknown as Record<string, { getAttributeTypeMap?: () => AttributeTypeMap } | undefined>;
function typeProblems(value: unknown, type: string, path: string): string[] {
  if (type.startsWith('Array<')) {
    if (!Array.isArray(value)) return [`${path}: expected a list`];
    return value.flatMap((v, i) => typeProblems(v, type.slice(6, -1), `${path}[${i}]`));
  }
  const map = /^\{ \[key: string\]: (.+); \}$/.exec(type);
  if (map) {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return [`${path}: expected a map`];
    return Object.entries(value).flatMap(([k, v]) => typeProblems(v, map[1] as string, `${path}.${k}`));
  }
  switch (type) {
    case 'string':
    case 'Date':
      return typeof value === 'string' ? [] : [`${path}: expected a string, got ${JSON.stringify(value)}`];
    case 'number':
      return typeof value === 'number' ? [] : [`${path}: expected a number, got ${JSON.stringify(value)}`];
    case 'boolean':
      return typeof value === 'boolean' ? [] : [`${path}: expected a boolean, got ${JSON.stringify(value)}`];
    case 'IntOrString':
      return typeof value === 'string' || typeof value === 'number' ? [] : [`${path}: expected an int or a string`];
    case 'any':
    case 'object':
      return [];
  }
  const attributes = models[type]?.getAttributeTypeMap?.();
  if (!attributes) return [`${path}: no model for ${type}`];
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    return [`${path}: expected an object (${type})`];
  const known = new Map(attributes.map((a) => [a.baseName, a.type]));
  return Object.entries(value).flatMap(([k, v]) => {
    const t = known.get(k);
    return t ? typeProblems(v, t, `${path}.${k}`) : [`${path}.${k}: unknown field of ${type}`];
  });
}

const BUILT_IN_GROUPS = new Set([
  'v1',
  'apps/v1',
  'batch/v1',
  'policy/v1',
  'networking.k8s.io/v1',
  'rbac.authorization.k8s.io/v1',
]);
const CLUSTER_SCOPED = new Set(['ClusterIssuer', 'ClusterRole', 'ClusterRoleBinding', 'Namespace']);
const PHASE_OF_KIND: Record<string, string> = {
  Certificate: '2',
  ClusterIssuer: '2',
  ServiceAccount: '2',
  Role: '2',
  RoleBinding: '2',
  ClusterRole: '2',
  ClusterRoleBinding: '2',
  NetworkPolicy: '2',
  PodDisruptionBudget: '4',
  ResourceQuota: '4',
  LimitRange: '4',
  ConfigMap: '4',
  CronJob: '4',
  Secret: '4',
};
/** The exception to PHASE_OF_KIND: the ETL jobs' egress policy is Phase 4 (days 3-4) in the seeds. */
const PHASE_4_POLICIES = new Set(['etl-external-egress']);

// ---- network policy evaluation ----

interface Peer {
  podSelector?: Selector;
  namespaceSelector?: Selector;
  ipBlock?: { cidr: string; except?: string[] };
}
interface PolicyPort {
  protocol?: string;
  port?: number | string;
  endPort?: number;
}
type NetworkPolicy = Manifest & {
  spec: {
    podSelector: Selector;
    policyTypes?: string[];
    ingress?: { from?: Peer[]; ports?: PolicyPort[] }[];
    egress?: { to?: Peer[]; ports?: PolicyPort[] }[];
  };
};
const policies = ofKind<NetworkPolicy>('NetworkPolicy');
const nsLabels = (ns: string): Labels => ({ 'kubernetes.io/metadata.name': ns });

function peerMatches(peer: Peer, policyNs: string, srcNs: string, srcLabels: Labels): boolean {
  if (peer.ipBlock) return false; // in-cluster traffic is judged by pod and namespace selectors only
  const nsOk = peer.namespaceSelector ? matches(peer.namespaceSelector, nsLabels(srcNs)) : srcNs === policyNs;
  const podOk = peer.podSelector ? matches(peer.podSelector, srcLabels) : true;
  return nsOk && podOk;
}
const portMatches = (ports: PolicyPort[] | undefined, port: number, protocol = 'TCP'): boolean =>
  !ports?.length ||
  ports.some(
    (p) =>
      (p.protocol ?? 'TCP') === protocol &&
      (p.port === undefined ||
        p.port === port ||
        (typeof p.port === 'number' && p.endPort !== undefined && port >= p.port && port <= p.endPort)),
  );

/** Would the policies let a pod of `src` open `port` on a pod of `dst`? (ingress side) */
function allowed(src: PodSet, dst: PodSet, port: number): boolean {
  const selecting = policies.filter(
    (p) =>
      p.metadata.namespace === dst.namespace &&
      (p.spec.policyTypes ?? ['Ingress']).includes('Ingress') &&
      matches(p.spec.podSelector, dst.labels),
  );
  if (selecting.length === 0) return true;
  return selecting.some((p) =>
    (p.spec.ingress ?? []).some(
      (rule) =>
        (rule.from?.length
          ? rule.from.some((peer) => peerMatches(peer, dst.namespace, src.namespace, src.labels))
          : true) && portMatches(rule.ports, port),
    ),
  );
}

// ---- tests ----

describe('the phase manifests', () => {
  it('parse without errors into objects with apiVersion, kind and an RFC 1123 name', () => {
    expect(docs.flatMap((d) => d.problems)).toEqual([]);
    expect(objects.length).toBeGreaterThan(50);
    for (const o of objects) {
      expect(o).toEqual(expect.objectContaining({ apiVersion: expect.any(String), kind: expect.any(String) }));
      expect(o.metadata.name).toMatch(/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/);
    }
    const ids = objects.map(id);
    expect(ids.filter((x, i) => ids.indexOf(x) !== i)).toEqual([]);
  });

  it('put namespaced objects in namespaces of the catalogue or the scenario, cluster-scoped ones in none', () => {
    for (const o of objects) {
      if (CLUSTER_SCOPED.has(o.kind)) expect([id(o), o.metadata.namespace]).toEqual([id(o), undefined]);
      else expect([id(o), namespaceNames.has(o.metadata.namespace ?? '')]).toEqual([id(o), true]);
    }
  });

  it('label every object as part of 254carbon, managed by carbon-ops, with the seed phase it belongs to', () => {
    for (const o of objects) {
      const phase = PHASE_4_POLICIES.has(o.metadata.name) ? '4' : PHASE_OF_KIND[o.kind];
      expect([id(o), o.metadata.labels]).toEqual([
        id(o),
        expect.objectContaining({
          'app.kubernetes.io/part-of': '254carbon',
          'app.kubernetes.io/managed-by': 'carbon-ops',
          'carbon-ops.254carbon.com/phase': phase,
        }),
      ]);
    }
  });

  it('give every object a leading comment saying what it protects', () => {
    for (const d of docs)
      expect([id(d.object), d.comment]).toEqual([id(d.object), expect.stringContaining('Protects:')]);
  });

  it('use only fields the Kubernetes API knows, with the right types', () => {
    const problems = objects
      .filter((o) => BUILT_IN_GROUPS.has(o.apiVersion))
      .flatMap((o) => typeProblems(o, `V1${o.kind}`, id(o)));
    expect(problems).toEqual([]);
    // Octal file modes: kubectl (YAML 1.1) reads 0444 as 292, the yaml package (YAML 1.2) as 444, which is
    // a different mode. Numbers with a leading zero are ambiguous: modes are written in decimal.
    for (const file of readdirSync(DIR).filter((f) => f.endsWith('.yaml'))) {
      const ambiguous = readFileSync(`${DIR}/${file}`, 'utf8')
        .split('\n')
        .filter((line) => /:\s+0[0-9]+\s*(#.*)?$/.test(line));
      expect([file, ambiguous]).toEqual([file, []]);
    }
  });
});

describe('PodDisruptionBudgets', () => {
  type Pdb = Manifest & {
    spec: { selector: Selector; minAvailable?: number | string; maxUnavailable?: number | string };
  };
  const pdbs = ofKind<Pdb>('PodDisruptionBudget');
  const criticalMultiReplica = catalogue
    .filter((s) => s.critical)
    .map((s) => podSet(s.namespace, s.workload))
    .filter((p) => p.replicas > 1);
  const controllers = podSets.filter((p) => ['Deployment', 'StatefulSet', 'DaemonSet'].includes(p.kind));

  /** Evictions allowed when every replica is healthy, as the disruption controller computes them. */
  function disruptionsAllowed(pdb: Pdb, replicas: number): number {
    const scaled = (v: number | string) =>
      typeof v === 'number' ? v : Math.ceil((replicas * Number(v.replace('%', ''))) / 100);
    if (pdb.spec.maxUnavailable !== undefined) return Math.min(replicas, scaled(pdb.spec.maxUnavailable));
    if (pdb.spec.minAvailable !== undefined) return Math.max(0, replicas - scaled(pdb.spec.minAvailable));
    return 0;
  }

  it('exist, one each, for every critical service with more than one replica, selecting exactly its pods', () => {
    expect(criticalMultiReplica.map((p) => `${p.namespace}/${p.name}`).sort()).toEqual(
      expect.arrayContaining(['cloudflare-tunnel/cloudflared', 'kafka/kafka']), // sanity: the scenario has some
    );
    for (const target of criticalMultiReplica) {
      const mine = pdbs.filter(
        (p) => p.metadata.namespace === target.namespace && matches(p.spec.selector, target.labels),
      );
      expect([target.name, mine.length]).toEqual([target.name, 1]);
      const pdb = mine[0] as Pdb;
      expect(pdb.apiVersion).toBe('policy/v1');
      const others = controllers.filter(
        (w) => w.namespace === target.namespace && w !== target && matches(pdb.spec.selector, w.labels),
      );
      expect([pdb.metadata.name, others.map((w) => w.name)]).toEqual([pdb.metadata.name, []]);
    }
  });

  it('allow one voluntary disruption, never all of them, and each covers exactly one multi-replica workload', () => {
    expect(pdbs.length).toBeGreaterThanOrEqual(criticalMultiReplica.length);
    for (const pdb of pdbs) {
      const covered = controllers.filter(
        (w) => w.namespace === pdb.metadata.namespace && matches(pdb.spec.selector, w.labels),
      );
      expect([pdb.metadata.name, covered.length]).toEqual([pdb.metadata.name, 1]);
      const replicas = (covered[0] as PodSet).replicas;
      const allowedNow = disruptionsAllowed(pdb, replicas);
      expect([pdb.metadata.name, allowedNow >= 1, allowedNow < replicas]).toEqual([pdb.metadata.name, true, true]);
    }
  });
});

describe('TLS', () => {
  type Certificate = Manifest & {
    spec: { secretName: string; dnsNames: string[]; issuerRef: { kind: string; name: string; group?: string } };
  };
  type ClusterIssuer = Manifest & {
    spec: {
      acme: {
        server: string;
        privateKeySecretRef: { name: string };
        solvers: { http01?: { ingress?: { ingressClassName?: string } } }[];
      };
    };
  };
  const SERVICES = ['datahub', 'dolphinscheduler', 'doris', 'lakefs', 'minio', 'portal', 'superset', 'trino', 'vault'];
  const certificates = ofKind<Certificate>('Certificate');
  const issuers = ofKind<ClusterIssuer>('ClusterIssuer');

  it("has a Let's Encrypt ClusterIssuer solving HTTP-01 through ingress-nginx", () => {
    expect(issuers).toHaveLength(1);
    const acme = (issuers[0] as ClusterIssuer).spec.acme;
    expect(acme.server).toBe('https://acme-v02.api.letsencrypt.org/directory');
    expect(acme.privateKeySecretRef.name).toBeTruthy();
    expect(acme.solvers.map((s) => s.http01?.ingress?.ingressClassName)).toEqual(['nginx']);
  });

  it('has the nine service certificates, <svc>.254carbon.com into <svc>-tls, from that issuer', () => {
    expect(certificates.map((c) => c.metadata.name).sort()).toEqual(SERVICES);
    for (const c of certificates) {
      const svc = c.metadata.name;
      expect(c.apiVersion).toBe('cert-manager.io/v1');
      expect(c.spec.secretName).toBe(`${svc}-tls`);
      expect(c.spec.dnsNames).toContain(`${svc}.254carbon.com`);
      expect(c.spec.issuerRef).toEqual({
        group: 'cert-manager.io',
        kind: 'ClusterIssuer',
        name: (issuers[0] as ClusterIssuer).metadata.name,
      });
      const entry = catalogue.find((s) => s.name === svc);
      expect(c.metadata.namespace).toBe(entry?.namespace);
      // The name the catalogue publishes (dolphin.254carbon.com for DolphinScheduler) is covered too.
      if (entry?.url) expect(c.spec.dnsNames).toContain(new URL(entry.url).hostname);
    }
  });
});

describe('secret templates', () => {
  type Secret = Manifest & { data?: Labels; stringData?: Record<string, unknown> };
  const secrets = ofKind<Secret>('Secret');

  it('carry no value', () => {
    expect(secrets.length).toBeGreaterThan(0);
    for (const s of secrets) {
      expect([s.metadata.name, s.data]).toEqual([s.metadata.name, undefined]);
      expect(Object.keys(s.stringData ?? {}).length).toBeGreaterThan(0);
      for (const [key, value] of Object.entries(s.stringData ?? {}))
        expect([s.metadata.name, key, value]).toEqual([s.metadata.name, key, '']);
    }
  });

  it('hold every key the ETL jobs read', () => {
    for (const job of cronPodSets) {
      const spec = job.template.spec as unknown as {
        containers: {
          envFrom?: { secretRef?: { name: string } }[];
          env?: { valueFrom?: { secretKeyRef?: { name: string; key: string } } }[];
        }[];
        initContainers?: {
          envFrom?: { secretRef?: { name: string } }[];
          env?: { valueFrom?: { secretKeyRef?: { name: string; key: string } } }[];
        }[];
      };
      for (const c of [...spec.containers, ...(spec.initContainers ?? [])]) {
        for (const from of c.envFrom ?? [])
          if (from.secretRef) expect(secrets.map((s) => s.metadata.name)).toContain(from.secretRef.name);
        for (const e of c.env ?? []) {
          const ref = e.valueFrom?.secretKeyRef;
          if (ref)
            expect(Object.keys(secrets.find((s) => s.metadata.name === ref.name)?.stringData ?? {})).toContain(ref.key);
        }
      }
    }
  });
});

describe('RBAC', () => {
  type Rule = {
    apiGroups?: string[];
    resources?: string[];
    verbs: string[];
    resourceNames?: string[];
    nonResourceURLs?: string[];
  };
  type Binding = Manifest & {
    roleRef: { kind: string; name: string };
    subjects: { kind: string; name: string; namespace?: string }[];
  };
  type ServiceAccount = Manifest & { automountServiceAccountToken?: boolean };
  const roles = [...ofKind<{ rules: Rule[] }>('Role'), ...ofKind<{ rules: Rule[] }>('ClusterRole')];
  const bindings = [...ofKind<Binding>('RoleBinding'), ...ofKind<Binding>('ClusterRoleBinding')];
  const accounts = ofKind<ServiceAccount>('ServiceAccount');
  /** Built-in roles a binding may name, each for a reason given in rbac.yaml. */
  const BUILT_IN_ROLES = new Set(['ClusterRole/system:auth-delegator']);

  it('has no wildcard, no Secrets and no privilege-escalating verb in any rule', () => {
    expect(roles.length).toBeGreaterThan(0);
    for (const role of roles) {
      for (const rule of role.rules) {
        const values = [
          ...(rule.apiGroups ?? []),
          ...(rule.resources ?? []),
          ...rule.verbs,
          ...(rule.resourceNames ?? []),
          ...(rule.nonResourceURLs ?? []),
        ];
        for (const v of values)
          expect([role.metadata.name, v]).toEqual([role.metadata.name, expect.not.stringContaining('*')]);
        expect(rule.resources ?? []).not.toContain('secrets');
        for (const verb of ['escalate', 'bind', 'impersonate']) expect(rule.verbs).not.toContain(verb);
      }
    }
  });

  it('binds only roles defined here (or a named built-in) to service accounts defined here', () => {
    for (const b of bindings) {
      const defined = roles.some(
        (r) =>
          r.kind === b.roleRef.kind &&
          r.metadata.name === b.roleRef.name &&
          (b.roleRef.kind === 'ClusterRole' || r.metadata.namespace === b.metadata.namespace),
      );
      expect([b.metadata.name, defined || BUILT_IN_ROLES.has(`${b.roleRef.kind}/${b.roleRef.name}`)]).toEqual([
        b.metadata.name,
        true,
      ]);
      for (const s of b.subjects) {
        expect(s.kind).toBe('ServiceAccount');
        expect(accounts.some((a) => a.metadata.name === s.name && a.metadata.namespace === s.namespace)).toBe(true);
      }
    }
  });

  it('mounts a token only into accounts that have a binding', () => {
    for (const a of accounts) {
      const bound = bindings.some((b) =>
        b.subjects.some((s) => s.name === a.metadata.name && s.namespace === a.metadata.namespace),
      );
      expect([a.metadata.name, a.automountServiceAccountToken]).toEqual([a.metadata.name, bound]);
    }
  });
});

describe('NetworkPolicies', () => {
  const nsWithPolicies = [...new Set(policies.map((p) => p.metadata.namespace ?? ''))];
  const controller = podSet('ingress-nginx', 'deployment/ingress-nginx-controller');
  const prometheus = podSet('monitoring', 'statefulset/prometheus');
  const etlPods = cronPodSets.filter((p) => p.labels['app.kubernetes.io/name'] === 'etl');

  it('deny ingress by default in each namespace they cover, and cover every catalogue namespace', () => {
    for (const ns of nsWithPolicies) {
      const denies = policies.filter(
        (p) =>
          p.metadata.namespace === ns &&
          isEmptySelector(p.spec.podSelector) &&
          p.spec.policyTypes?.includes('Ingress') &&
          !p.spec.ingress?.length,
      );
      expect([ns, denies.length]).toEqual([ns, 1]);
    }
    expect(nsWithPolicies.sort()).toEqual(expect.arrayContaining([...new Set(catalogue.map((s) => s.namespace))]));
  });

  it('select pods that exist: every target and every peer label matches a workload of the scenario or an ETL job', () => {
    const podsIn = (ns: string) => podSets.filter((p) => p.namespace === ns);
    /** Each matchLabels pair and each In value must name some pod of that namespace: no silent typos. */
    const dead = (selector: Selector | undefined, ns: string, where: string): string[] => {
      if (!selector || isEmptySelector(selector)) return [];
      if (Object.keys(selector.matchLabels ?? {}).some((k) => k.startsWith('acme.cert-manager.io/'))) return []; // cert-manager's solver pods come and go
      const problems: string[] = [];
      if (!podsIn(ns).some((p) => matches(selector, p.labels))) problems.push(`${where}: matches no pod in ${ns}`);
      for (const e of selector.matchExpressions ?? [])
        if (e.operator === 'In')
          for (const v of e.values ?? [])
            if (!podsIn(ns).some((p) => p.labels[e.key] === v))
              problems.push(`${where}: no pod in ${ns} has ${e.key}=${v}`);
      return problems;
    };
    const problems = policies.flatMap((p) => {
      const ns = p.metadata.namespace ?? '';
      const peers = [
        ...(p.spec.ingress ?? []).flatMap((r) => r.from ?? []),
        ...(p.spec.egress ?? []).flatMap((r) => r.to ?? []),
      ];
      return [
        ...dead(p.spec.podSelector, ns, `${ns}/${p.metadata.name}`),
        ...peers.flatMap((peer) => {
          const named = peer.namespaceSelector?.matchLabels?.['kubernetes.io/metadata.name'];
          if (named !== undefined && !namespaceNames.has(named) && named !== botNamespace)
            return [`${ns}/${p.metadata.name}: unknown namespace ${named}`];
          if (peer.namespaceSelector && named === undefined) return []; // any namespace
          return named === botNamespace ? [] : dead(peer.podSelector, named ?? ns, `${ns}/${p.metadata.name} peer`);
        }),
      ];
    });
    expect(problems).toEqual([]);
  });

  it('let ingress-nginx reach every UI of the catalogue, and cert-manager answer HTTP-01 challenges', () => {
    // cloudflared publishes 254carbon.com by dialling out to Cloudflare: nothing ever connects to it.
    // A URL is served by one of the services that list it (dolphin.254carbon.com: the api, not the worker).
    const urls = [
      ...new Set(catalogue.filter((s) => s.url && s.name !== 'cloudflare-tunnel').map((s) => s.url as string)),
    ];
    expect(urls.length).toBeGreaterThan(5);
    const reachable = (ui: PodSet) =>
      ((ui.template.spec.containers[0] as { ports?: { containerPort: number }[] }).ports ?? []).some((p) =>
        allowed(controller, ui, p.containerPort),
      );
    for (const url of urls) {
      const servers = catalogue.filter((s) => s.url === url).map((s) => podSet(s.namespace, s.workload));
      expect([url, servers.some(reachable)]).toEqual([url, true]);
    }
    const solver: PodSet = {
      kind: 'Pod',
      namespace: 'data-platform',
      name: 'cm-acme-http-solver',
      replicas: 1,
      labels: { 'acme.cert-manager.io/http01-solver': 'true' },
      template: { spec: { containers: [] } },
    };
    expect(allowed(controller, solver, 8089)).toBe(true);
  });

  it('let Prometheus scrape every namespace they cover', () => {
    for (const ns of nsWithPolicies) {
      for (const target of podSets.filter((p) => p.namespace === ns && p.kind !== 'Job'))
        expect([target.name, allowed(prometheus, target, 9100)]).toEqual([target.name, true]);
    }
  });

  it('allow the connections the platform needs and refuse the rest', () => {
    const dp = (w: string) => podSet('data-platform', w);
    const postgresql = dp('statefulset/postgresql');
    const kafka = podSet('kafka', 'statefulset/kafka');
    const yes: [PodSet, PodSet, number][] = [
      [dp('deployment/trino-coordinator'), postgresql, 5432],
      [dp('deployment/trino-worker'), postgresql, 5432],
      [dp('deployment/superset'), dp('deployment/trino-coordinator'), 8080],
      [dp('deployment/dolphinscheduler-master'), postgresql, 5432],
      [dp('deployment/dolphinscheduler-worker'), dp('deployment/dolphinscheduler-master'), 5678],
      [dp('deployment/lakefs'), postgresql, 5432],
      [dp('deployment/lakefs'), dp('statefulset/minio'), 9000],
      [podSet('kafka', 'deployment/kafka-ui'), kafka, 9092],
      [podSet('kafka', 'deployment/kafka-connect'), podSet('kafka', 'statefulset/zookeeper'), 2181],
      [dp('deployment/datahub-gms'), kafka, 9092],
      [dp('deployment/ray-worker'), dp('deployment/ray-head'), 6379],
      [podSet('monitoring', 'deployment/grafana'), prometheus, 9090],
      [podSet('monitoring', 'deployment/postgres-exporter'), postgresql, 5432],
      [podSet('registry', 'deployment/harbor-core'), podSet('registry', 'statefulset/harbor-database'), 5432],
      ...etlPods.flatMap((etl): [PodSet, PodSet, number][] => [
        [etl, kafka, 9092],
        [etl, dp('deployment/lakefs'), 8000],
      ]),
    ];
    const no: [PodSet, PodSet, number][] = [
      [podSet('monitoring', 'deployment/grafana'), postgresql, 5432],
      [dp('deployment/portal'), postgresql, 5432],
      [controller, postgresql, 5432],
      [podSet('kafka', 'deployment/kafka-ui'), postgresql, 5432],
      [dp('deployment/superset'), kafka, 9093],
      [dp('deployment/ray-worker'), podSet('registry', 'statefulset/harbor-database'), 5432],
      [dp('deployment/superset'), dp('deployment/dolphinscheduler-master'), 5678],
      [podSet('cloudflare-tunnel', 'deployment/cloudflared'), dp('deployment/vault'), 8200],
    ];
    for (const [src, dst, port] of yes)
      expect([`${src.name} -> ${dst.name}:${port}`, allowed(src, dst, port)]).toEqual([
        `${src.name} -> ${dst.name}:${port}`,
        true,
      ]);
    for (const [src, dst, port] of no)
      expect([`${src.name} -> ${dst.name}:${port}`, allowed(src, dst, port)]).toEqual([
        `${src.name} -> ${dst.name}:${port}`,
        false,
      ]);
  });

  it('give the ETL pods DNS, external databases, S3 and APIs, and nothing else outside the cluster', () => {
    const egress = policies.filter((p) => p.spec.policyTypes?.includes('Egress'));
    expect(egress.map((p) => p.metadata.name)).toEqual(['etl-external-egress']);
    const policy = egress[0] as NetworkPolicy;
    expect(etlPods.length).toBe(2);
    const backfill = podSet('data-platform', 'job/commodity-prices-backfill');
    for (const pod of [...etlPods, backfill])
      expect([pod.name, matches(policy.spec.podSelector, pod.labels)]).toEqual([pod.name, true]);
    const rules = policy.spec.egress ?? [];
    const dns = rules.filter((r) =>
      r.to?.some((t) => t.namespaceSelector?.matchLabels?.['kubernetes.io/metadata.name'] === 'kube-system'),
    );
    expect(dns.some((r) => portMatches(r.ports, 53, 'UDP') && portMatches(r.ports, 53, 'TCP'))).toBe(true);
    const external = rules.filter((r) => r.to?.some((t) => t.ipBlock?.cidr === '0.0.0.0/0'));
    const externalPorts = external
      .flatMap((r) => (r.ports ?? []).map((p) => `${p.protocol ?? 'TCP'}/${p.port}`))
      .sort();
    expect(externalPorts).toEqual(['TCP/1433', 'TCP/3306', 'TCP/443', 'TCP/5432']);
  });
});

describe('ResourceQuotas', () => {
  type Quota = Manifest & { spec: { hard: Labels } };
  type LimitRange = Manifest & { spec: { limits: { type: string; default?: Labels; defaultRequest?: Labels }[] } };
  const quotas = ofKind<Quota>('ResourceQuota');
  const limitRanges = ofKind<LimitRange>('LimitRange');

  it('cap pods, CPU and memory requests and limits, and PVCs, one quota per namespace', () => {
    expect(quotas.length).toBeGreaterThanOrEqual(4);
    expect(new Set(quotas.map((q) => q.metadata.namespace)).size).toBe(quotas.length);
    for (const q of quotas) {
      expect(Object.keys(q.spec.hard).sort()).toEqual(
        expect.arrayContaining([
          'limits.cpu',
          'limits.memory',
          'persistentvolumeclaims',
          'pods',
          'requests.cpu',
          'requests.memory',
          'requests.storage',
        ]),
      );
    }
  });

  it("admit every declared pod of the namespace, plus one pod of surge, once the LimitRange's defaults apply", () => {
    for (const q of quotas) {
      const ns = q.metadata.namespace ?? '';
      const container = limitRanges
        .find((l) => l.metadata.namespace === ns)
        ?.spec.limits.find((l) => l.type === 'Container');
      expect([ns, container?.default?.cpu, container?.default?.memory, container?.defaultRequest?.cpu]).toEqual([
        ns,
        expect.any(String),
        expect.any(String),
        expect.any(String),
      ]);
      const defaults = container as { default: Labels; defaultRequest: Labels };
      /** A container's requests and limits as admission fills them in. */
      const effective = (c: Container) => {
        const limits = {
          cpu: c.resources?.limits?.cpu ?? defaults.default.cpu,
          memory: c.resources?.limits?.memory ?? defaults.default.memory,
        };
        const requests = {
          cpu: c.resources?.requests?.cpu ?? c.resources?.limits?.cpu ?? defaults.defaultRequest.cpu,
          memory: c.resources?.requests?.memory ?? c.resources?.limits?.memory ?? defaults.defaultRequest.memory,
        };
        return {
          'requests.cpu': quantity(requests.cpu as string),
          'requests.memory': quantity(requests.memory as string),
          'limits.cpu': quantity(limits.cpu as string),
          'limits.memory': quantity(limits.memory as string),
        };
      };
      type Usage = ReturnType<typeof effective>;
      const keys = ['requests.cpu', 'requests.memory', 'limits.cpu', 'limits.memory'] as const;
      /** A pod's usage: the sum of its containers, or its largest init container if that is larger. */
      const podUsage = (t: PodTemplate): Usage => {
        const sum = t.spec.containers
          .map(effective)
          .reduce((a, b) => Object.fromEntries(keys.map((k) => [k, a[k] + b[k]])) as Usage);
        const inits = (t.spec.initContainers ?? []).map(effective);
        return Object.fromEntries(keys.map((k) => [k, Math.max(sum[k], ...inits.map((i) => i[k]))])) as Usage;
      };
      const running = podSets.filter((p) => p.namespace === ns && p.replicas > 0);
      // A default limit below some container's request would get that pod refused outright.
      for (const p of running)
        for (const c of p.template.spec.containers) {
          const e = effective(c);
          expect([p.name, e['limits.cpu'] >= e['requests.cpu'], e['limits.memory'] >= e['requests.memory']]).toEqual([
            p.name,
            true,
            true,
          ]);
        }
      const used = Object.fromEntries(
        keys.map((k) => [k, running.reduce((total, p) => total + p.replicas * podUsage(p.template)[k], 0)]),
      ) as Usage;
      const surge = Object.fromEntries(
        keys.map((k) => [k, Math.max(...running.map((p) => podUsage(p.template)[k]))]),
      ) as Usage;
      for (const k of keys)
        expect([ns, k, used[k] + surge[k] <= quantity(q.spec.hard[k] as string)]).toEqual([ns, k, true]);
      const pods = running.reduce((n, p) => n + p.replicas, 0);
      expect([ns, pods + 1 <= Number(q.spec.hard['pods'])]).toEqual([ns, true]);
    }
  });
});

describe('ETL', () => {
  type ConfigMap = Manifest & { data: Labels };
  const configMaps = ofKind<ConfigMap>('ConfigMap');
  const cronJobs = ofKind<CronJob>('CronJob');
  const accounts = ofKind('ServiceAccount');

  it('has the API connector and data-quality ConfigMaps, with valid configuration', () => {
    expect(configMaps.map((c) => c.metadata.name).sort()).toEqual(['etl-api-connector', 'etl-data-quality']);
    const connector = JSON.parse(
      configMaps.find((c) => c.metadata.name === 'etl-api-connector')?.data['connector.json'] ?? '{}',
    ) as {
      sources: { name: string; url: string; auth?: { type: string; valueFromEnv?: string } }[];
    };
    expect(connector.sources.length).toBeGreaterThan(0);
    const apiKeys = Object.keys(
      ofKind<{ stringData: Labels }>('Secret').find((s) => s.metadata.name === 'etl-api-credentials')?.stringData ?? {},
    );
    for (const s of connector.sources) {
      expect(new URL(s.url).protocol).toBe('https:'); // the egress policy opens 443, not 80
      if (s.auth && s.auth.type !== 'none') expect(apiKeys).toContain(s.auth.valueFromEnv);
    }
    const checks = JSON.parse(
      configMaps.find((c) => c.metadata.name === 'etl-data-quality')?.data['checks.json'] ?? '{}',
    ) as { datasets: Record<string, unknown> };
    const checked = cronPodSets.flatMap((p) =>
      (p.template.spec.initContainers ?? []).filter((c) => c.name === 'quality').map((c) => c.command?.at(-1)),
    );
    expect(checked).toHaveLength(2);
    for (const dataset of checked) expect(Object.keys(checks.datasets)).toContain(dataset);
  });

  it('has two suspended CronJob templates (DB extract, API ingest) that run without an API token, as non-root', () => {
    expect(cronJobs.map((c) => c.metadata.name).sort()).toEqual(['etl-api-ingest', 'etl-db-extract']);
    for (const c of cronJobs) {
      expect(c.spec.suspend).toBe(true);
      expect(c.spec.concurrencyPolicy).toBe('Forbid');
      expect(c.spec.schedule.split(' ')).toHaveLength(5);
      const pod = c.spec.jobTemplate.spec.template.spec as Json & {
        serviceAccountName: string;
        volumes: { configMap?: { name: string } }[];
        securityContext: { runAsNonRoot: boolean };
        containers: (Container & {
          securityContext: { readOnlyRootFilesystem: boolean; allowPrivilegeEscalation: boolean };
        })[];
        initContainers: (Container & {
          securityContext: { readOnlyRootFilesystem: boolean; allowPrivilegeEscalation: boolean };
        })[];
      };
      expect(pod.automountServiceAccountToken).toBe(false);
      expect(pod.securityContext.runAsNonRoot).toBe(true);
      expect(
        accounts.some(
          (a) => a.metadata.name === pod.serviceAccountName && a.metadata.namespace === c.metadata.namespace,
        ),
      ).toBe(true);
      for (const v of pod.volumes)
        if (v.configMap) expect(configMaps.map((m) => m.metadata.name)).toContain(v.configMap.name);
      for (const container of [...pod.initContainers, ...pod.containers]) {
        expect(container.securityContext).toMatchObject({
          readOnlyRootFilesystem: true,
          allowPrivilegeEscalation: false,
        });
        expect(container.resources?.requests).toBeDefined();
        expect(container.resources?.limits).toBeDefined();
      }
    }
  });
});
