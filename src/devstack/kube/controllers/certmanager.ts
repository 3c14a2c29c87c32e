// cert-manager, as far as carbon-ops looks at it:
// - an Issuer or ClusterIssuer becomes Ready (condition Ready=True, reason ACMEAccountRegistered for ACME
//   issuers, IsReady otherwise) issuerReadyDelayMs after it is created or changed;
// - a Certificate whose issuerRef names an existing, Ready issuer is issued certificateIssueDelayMs later:
//   Ready=True ("Certificate is up to date and has not expired"), notBefore now, notAfter now + spec.duration
//   (default 90 days), renewalTime notAfter − renewBefore (default a third of the duration), revision + 1,
//   and its Secret (spec.secretName, type kubernetes.io/tls) written with placeholder PEM data;
// - until then it is Ready=False: reason IssuerNotFound when the issuer does not exist, Pending while the
//   issuer is not Ready or issuance is under way. A changed spec (new generation) is issued again.
// No ACME, no keys: the PEM blocks say they are simulated.
import type { Cluster } from '../cluster.js';
import { rfc3339 } from '../duration.js';
import type { Condition, JsonObject, KubeObject } from '../types.js';
import { isRecord } from '../types.js';
import { findCondition } from './util.js';

const DAY = 86_400_000;
const DEFAULT_DURATION = 90 * DAY;

/** Go durations as cert-manager takes them: "2160h", "720h0m0s", "90m", "1h30m". */
export function parseGoDuration(text: unknown): number | undefined {
  if (typeof text !== 'string' || text === '') return undefined;
  const units: Record<string, number> = { h: 3_600_000, m: 60_000, s: 1000, ms: 1 };
  let total = 0;
  let rest = text;
  while (rest.length > 0) {
    const m = /^(\d+(?:\.\d+)?)(ms|h|m|s)/.exec(rest);
    if (!m) return undefined;
    total += Number(m[1]) * (units[m[2] as string] as number);
    rest = rest.slice(m[0].length);
  }
  return total;
}

const PLACEHOLDER_CERT = Buffer.from(
  '-----BEGIN CERTIFICATE-----\nc2ltdWxhdGVkIGJ5IHRoZSBjYXJib24tb3BzIGRldnN0YWNrOyBub3QgYSByZWFsIGNlcnRpZmljYXRl\n-----END CERTIFICATE-----\n',
).toString('base64');
const PLACEHOLDER_KEY = Buffer.from(
  '-----BEGIN PRIVATE KEY-----\nc2ltdWxhdGVkIGJ5IHRoZSBjYXJib24tb3BzIGRldnN0YWNrOyBub3QgYSByZWFsIGtleQ==\n-----END PRIVATE KEY-----\n',
).toString('base64');

function condition(
  previous: Condition | undefined,
  type: string,
  ready: boolean,
  reason: string,
  message: string,
  generation: number | undefined,
  now: number,
): Condition {
  const status = ready ? 'True' : 'False';
  return {
    type,
    status,
    reason,
    message,
    lastTransitionTime:
      previous?.status === status && previous.lastTransitionTime ? previous.lastTransitionTime : rfc3339(now),
    ...(generation !== undefined ? { observedGeneration: generation } : {}),
  };
}

const statusOf = (o: KubeObject): JsonObject => (isRecord(o['status']) ? o['status'] : {});
const conditionsOf = (o: KubeObject): Condition[] =>
  Array.isArray(statusOf(o)['conditions']) ? (statusOf(o)['conditions'] as Condition[]) : [];
const specOf = (o: KubeObject): JsonObject => (isRecord(o['spec']) ? o['spec'] : {});

export function isReady(o: KubeObject | undefined): boolean {
  return o !== undefined && findCondition(conditionsOf(o), 'Ready')?.status === 'True';
}

export class CertManager {
  /** uid/generation of objects whose Ready transition is already scheduled. */
  private readonly scheduled = new Set<string>();

  constructor(private readonly cluster: Cluster) {}

  reconcileIssuer(resource: 'issuers' | 'clusterissuers', namespace: string, name: string): void {
    const issuer = this.cluster.store.get(resource, namespace || undefined, name);
    if (!issuer) return;
    const generation = issuer.metadata.generation;
    const ready = findCondition(conditionsOf(issuer), 'Ready');
    if (ready?.status === 'True' && ready.observedGeneration === generation) return;
    const key = `${issuer.metadata.uid}/${generation}`;
    if (this.scheduled.has(key)) return;
    this.scheduled.add(key);
    this.cluster.schedule(this.cluster.options.issuerReadyDelayMs, () => {
      this.scheduled.delete(key);
      const current = this.cluster.store.get(resource, namespace || undefined, name);
      if (!current || current.metadata.uid !== issuer.metadata.uid || current.metadata.generation !== generation)
        return;
      const acme = isRecord(specOf(current)['acme']) ? (specOf(current)['acme'] as JsonObject) : undefined;
      const now = this.cluster.now();
      const [reason, message] = acme
        ? ['ACMEAccountRegistered', 'The ACME account was registered with the ACME server']
        : ['IsReady', 'Signing CA verified'];
      const status: JsonObject = {
        ...statusOf(current),
        conditions: [
          condition(findCondition(conditionsOf(current), 'Ready'), 'Ready', true, reason, message, generation, now),
        ],
        ...(acme
          ? {
              acme: {
                uri: `${String(acme['server'] ?? 'https://acme.invalid/directory').replace(/\/directory$/, '')}/acct/${current.metadata.uid.slice(0, 8)}`,
                lastRegisteredEmail: acme['email'] ?? '',
              },
            }
          : {}),
      };
      this.cluster.save(resource, { ...current, status });
    });
  }

  reconcileCertificate(namespace: string, name: string): void {
    const cert = this.cluster.store.get('certificates', namespace, name);
    if (!cert) return;
    const spec = specOf(cert);
    const ref = isRecord(spec['issuerRef']) ? spec['issuerRef'] : {};
    const issuerKind = typeof ref['kind'] === 'string' && ref['kind'] !== '' ? ref['kind'] : 'Issuer';
    const issuerName = String(ref['name'] ?? '');
    const issuer =
      issuerKind === 'ClusterIssuer'
        ? this.cluster.store.get('clusterissuers', undefined, issuerName)
        : this.cluster.store.get('issuers', namespace, issuerName);
    const generation = cert.metadata.generation;
    const ready = findCondition(conditionsOf(cert), 'Ready');
    const issued = ready?.status === 'True' && ready.observedGeneration === generation;
    if (issued) return;
    const now = this.cluster.now();
    if (!issuer) {
      const message = `Referenced "${issuerKind}" not found: ${issuerKind.toLowerCase()}.cert-manager.io "${issuerName}" not found`;
      this.setNotReady(cert, 'IssuerNotFound', message, now);
      return;
    }
    if (!isReady(issuer)) {
      this.setNotReady(cert, 'Pending', `Referenced ${issuerKind} "${issuerName}" is not ready yet`, now);
      return;
    }
    // Already Ready for an older generation: stays Ready while the new one is issued.
    if (ready?.status !== 'True')
      this.setNotReady(cert, 'Pending', 'Issuing certificate as Secret does not exist', now);
    const key = `${cert.metadata.uid}/${generation}`;
    if (this.scheduled.has(key)) return;
    this.scheduled.add(key);
    this.cluster.schedule(this.cluster.options.certificateIssueDelayMs, () => {
      this.scheduled.delete(key);
      const current = this.cluster.store.get('certificates', namespace, name);
      if (!current || current.metadata.uid !== cert.metadata.uid || current.metadata.generation !== generation) return;
      this.issue(current);
    });
  }

  private setNotReady(cert: KubeObject, reason: string, message: string, now: number): void {
    const previous = findCondition(conditionsOf(cert), 'Ready');
    if (
      previous?.status === 'False' &&
      previous.reason === reason &&
      previous.message === message &&
      previous.observedGeneration === cert.metadata.generation
    )
      return;
    const conditions = [condition(previous, 'Ready', false, reason, message, cert.metadata.generation, now)];
    this.cluster.save('certificates', { ...cert, status: { ...statusOf(cert), conditions } });
  }

  private issue(cert: KubeObject): void {
    const now = this.cluster.now();
    const spec = specOf(cert);
    const duration = parseGoDuration(spec['duration']) ?? DEFAULT_DURATION;
    const renewBefore = parseGoDuration(spec['renewBefore']) ?? Math.floor(duration / 3);
    const notAfter = now + duration;
    const status = statusOf(cert);
    const revision = (typeof status['revision'] === 'number' ? status['revision'] : 0) + 1;
    const ready = condition(
      findCondition(conditionsOf(cert), 'Ready'),
      'Ready',
      true,
      'Ready',
      'Certificate is up to date and has not expired',
      cert.metadata.generation,
      now,
    );
    this.writeSecret(cert, spec);
    this.cluster.save('certificates', {
      ...cert,
      status: {
        conditions: [ready],
        notBefore: rfc3339(now),
        notAfter: rfc3339(notAfter),
        renewalTime: rfc3339(notAfter - renewBefore),
        revision,
      },
    });
  }

  private writeSecret(cert: KubeObject, spec: JsonObject): void {
    const namespace = cert.metadata.namespace as string;
    const secretName = String(spec['secretName']);
    const existing = this.cluster.store.get('secrets', namespace, secretName);
    const ref = isRecord(spec['issuerRef']) ? spec['issuerRef'] : {};
    const annotations = {
      'cert-manager.io/certificate-name': cert.metadata.name,
      'cert-manager.io/common-name': String(spec['commonName'] ?? ''),
      'cert-manager.io/alt-names': Array.isArray(spec['dnsNames']) ? spec['dnsNames'].join(',') : '',
      'cert-manager.io/issuer-name': String(ref['name'] ?? ''),
      'cert-manager.io/issuer-kind': String(ref['kind'] ?? 'Issuer'),
      'cert-manager.io/issuer-group': String(ref['group'] ?? 'cert-manager.io'),
    };
    const data = { 'tls.crt': PLACEHOLDER_CERT, 'tls.key': PLACEHOLDER_KEY, 'ca.crt': '' };
    if (existing) {
      this.cluster.save('secrets', {
        ...existing,
        metadata: { ...existing.metadata, annotations: { ...existing.metadata.annotations, ...annotations } },
        type: 'kubernetes.io/tls',
        data,
      });
      return;
    }
    this.cluster.create('secrets', {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: secretName, namespace, annotations, uid: '', resourceVersion: '', creationTimestamp: '' },
      type: 'kubernetes.io/tls',
      data,
    });
  }
}
