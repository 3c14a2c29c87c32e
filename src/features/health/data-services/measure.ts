import type { Catalogue, DataCheckSpec, Service } from '../../../catalogue.js';
import { listCertificates, type CertificatesRead } from '../../../integrations/cert-manager.js';
import type { ServiceState } from '../measure.js';
import { bounded, notMeasured, reasonOf, type CheckKind, type CheckOutcome, type DataCheck } from './check.js';
import { probeEndpoint, shownUrl, type EndpointProbe } from './endpoint.js';
import { checkKafka } from './kafka.js';
import { checkNodes } from './nodes.js';
import { checkPostgres } from './postgres.js';
import type { DataSources } from './sources.js';
import { checkVault } from './vault.js';

type Measured = CheckOutcome & { source: string };

interface Planned {
  kind: CheckKind;
  services: string[];
  target: string;
  run: () => Promise<Measured>;
}

/**
 * Every data check of the services in scope, all at once, each bounded in time (DATA_CHECK_TIMEOUT_MS): a dependency
 * that is down or hangs gives its "not measured: why", never a failed or hung report. A check that throws
 * unexpectedly is reported the same way. Node resources are measured for a cluster-wide report only.
 */
export async function measureDataServices(
  sources: DataSources,
  catalogue: Catalogue,
  namespace: string | undefined,
): Promise<DataCheck[]> {
  const services = catalogue.inNamespace(namespace);
  const probes = new Map<string, Promise<EndpointProbe>>();
  let certificates: Promise<CertificatesRead> | undefined;
  // Read once, for https URLs only, bounded like the probes it runs beside: slow or absent, the TLS line says why.
  const readCertificates = () =>
    (certificates ??= bounded(
      sources.config.DATA_CHECK_TIMEOUT_MS,
      'list certificates.cert-manager.io',
      listCertificates(sources.kube),
    ).catch((error: unknown): CertificatesRead => ({ served: false, reason: reasonOf(error) })));
  const probe = (url: string) => {
    let p = probes.get(url);
    if (p === undefined) {
      p = probeEndpoint(url, sources, url.startsWith('https:') ? readCertificates() : undefined);
      probes.set(url, p);
    }
    return p;
  };
  const planned = planChecks(services, sources, probe);
  if (namespace === undefined)
    planned.push({ kind: 'nodes', services: [], target: 'node resources', run: () => checkNodes(sources) });
  return Promise.all(
    planned.map(async (p): Promise<DataCheck> => {
      const outcome = await p.run().catch((error: unknown): Measured => ({
        ...notMeasured(`the check failed: ${reasonOf(error)}`),
        source: p.target,
      }));
      return {
        kind: p.kind,
        services: p.services,
        target: p.target,
        measuredAt: new Date().toISOString(),
        ...outcome,
      };
    }),
  );
}

/** One planned check per catalogue check; a URL (tls, http) or Vault shared by several services is measured once. */
function planChecks(
  services: readonly Service[],
  sources: DataSources,
  probe: (url: string) => Promise<EndpointProbe>,
): Planned[] {
  const byKey = new Map<string, Planned>();
  const add = (key: string, service: string, make: () => Omit<Planned, 'services'>) => {
    const existing = byKey.get(key);
    if (existing !== undefined) existing.services.push(service);
    else byKey.set(key, { ...make(), services: [service] });
  };
  for (const service of services) {
    for (const [index, spec] of (service.checks ?? []).entries()) {
      const plan = planOne(spec, service, sources, probe);
      add(plan.key ?? `${service.name}#${index}`, service.name, () => plan);
    }
  }
  return [...byKey.values()];
}

function planOne(
  spec: DataCheckSpec,
  service: Service,
  sources: DataSources,
  probe: (url: string) => Promise<EndpointProbe>,
): Omit<Planned, 'services'> & { key?: string } {
  switch (spec.kind) {
    case 'kafka':
      return { kind: 'kafka', target: `kafka ${spec.cluster}`, run: () => checkKafka(spec, sources) };
    case 'postgres':
      return {
        kind: 'postgres',
        target: `postgres ${spec.database}@${spec.endpoint}`,
        run: () => checkPostgres(spec, service.namespace, sources),
      };
    case 'vault':
      return { kind: 'vault', key: 'vault', target: 'vault', run: () => checkVault(sources) };
    case 'tls': {
      const url = spec.endpoint ?? service.url!;
      return {
        kind: 'tls',
        key: `tls ${url}`,
        target: shownUrl(url),
        run: async () => (await probe(url)).tls ?? { ...notMeasured('not https'), source: shownUrl(url) },
      };
    }
    case 'http': {
      const url = spec.endpoint ?? service.url!;
      return { kind: 'http', key: `http ${url}`, target: shownUrl(url), run: async () => (await probe(url)).http };
    }
  }
}

/**
 * The services with their data checks applied: a service whose check failed is down (critical) or degraded, however
 * many of its pods are ready, and names the failing checks. Pods are measured elsewhere and not changed here.
 */
export function withDataChecks(services: readonly ServiceState[], checks: readonly DataCheck[]): ServiceState[] {
  return services.map((s) => {
    const failed = checks.filter((c) => c.state === 'failed' && c.services.includes(s.name));
    if (failed.length === 0) return s;
    const names = failed.map((c) => `${c.kind}: ${(c.problems ?? [c.summary]).join(', ')}`);
    const status = s.critical || s.status === 'down' || s.status === 'missing' ? 'down' : 'degraded';
    return { ...s, status: s.status === 'missing' ? 'missing' : status, failedChecks: names };
  });
}
