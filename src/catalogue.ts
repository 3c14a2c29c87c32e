import { readFile } from 'node:fs/promises';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { ConfigError, isBroker, KAFKA_CLUSTER_NAME } from './config.js';

const dnsName = z
  .string()
  .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/)
  .max(63);

/**
 * A URL the health report shows (Slack, the stored snapshot, the handoff): no user:password@ in it, since the report
 * would show it. A query is allowed and never shown (shownUrl).
 */
const shownUrl = (protocol?: RegExp) =>
  (protocol ? z.url({ protocol }) : z.url()).refine((u) => {
    const { username, password } = new URL(u);
    return username === '' && password === '';
  }, 'must not carry credentials (user:password@): the health report shows this URL');

const https = shownUrl(/^https$/);

/**
 * Where a PostgreSQL password is read, never shown: a key of a Secret in the service's namespace (the bot may get
 * that Secret by name only: scripts/bot-rbac.ts), or a key of a Vault KV v2 secret.
 */
const credentialsSchema = z.union([
  z.strictObject({ secret: dnsName, key: z.string().min(1).max(253) }),
  z.strictObject({
    vault: z.string().regex(/^[A-Za-z0-9_.-]+(\/[A-Za-z0-9_.-]+)*$/, 'a KV v2 path like data-platform/postgresql'),
    key: z.string().min(1).max(253),
    mount: z.string().min(1).optional(),
  }),
]);

/** The data checks of a service (health's Data services section), beside its pods. */
const checkSchema = z.discriminatedUnion('kind', [
  z.strictObject({
    kind: z.literal('kafka'),
    /** A Kafka cluster of the settings: `default` (KAFKA_BROKERS) or a KAFKA_CLUSTERS name. */
    cluster: z.string().regex(KAFKA_CLUSTER_NAME, 'a Kafka cluster name of the settings').default('default'),
    /** How many brokers the cluster has; the bootstrap list's length when absent. */
    brokers: z.number().int().positive().optional(),
    consumerGroups: z.array(z.string().min(1).max(249)).default([]),
  }),
  z.strictObject({
    kind: z.literal('postgres'),
    endpoint: z.string().refine(isBroker, 'host:port'),
    database: z.string().min(1).max(63),
    user: z.string().min(1).max(63),
    credentials: credentialsSchema,
  }),
  /** sys/health of the Vault carbon-ops uses (VAULT_ADDR, or the demo's stand-in). */
  z.strictObject({ kind: z.literal('vault') }),
  /** The certificate served at `endpoint` (the service's url when absent). */
  z.strictObject({ kind: z.literal('tls'), endpoint: https.optional() }),
  /** An HTTP GET of `endpoint` (the service's url when absent). */
  z.strictObject({ kind: z.literal('http'), endpoint: shownUrl(/^https?$/).optional() }),
]);

export type DataCheckSpec = z.infer<typeof checkSchema>;
export type CheckKindName = DataCheckSpec['kind'];

const serviceSchema = z.strictObject({
  name: dnsName,
  namespace: dnsName,
  workload: z
    .string()
    .regex(/^(deployment|statefulset)\/[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/, 'deployment/NAME or statefulset/NAME'),
  url: shownUrl().optional(),
  critical: z.boolean().default(false),
  checks: z.array(checkSchema).default([]),
});

export type WorkloadKind = 'deployment' | 'statefulset';

export interface Service {
  name: string;
  namespace: string;
  kind: WorkloadKind;
  workload: string;
  url?: string;
  critical: boolean;
  /**
   * Its data checks as the catalogue lists them, then a `tls` and an `http` check of its url unless it lists its own
   * (a service with a url is always probed).
   */
  checks?: DataCheckSpec[];
}

/** The platform's services: what the health report tables and what `restart <service>` resolves. */
export class Catalogue {
  constructor(readonly services: readonly Service[]) {}

  find(name: string): Service | undefined {
    return this.services.find((s) => s.name === name);
  }

  inNamespace(namespace: string | undefined): readonly Service[] {
    return namespace === undefined ? this.services : this.services.filter((s) => s.namespace === namespace);
  }
}

export async function loadCatalogue(path: string): Promise<Catalogue> {
  let doc: unknown;
  try {
    doc = parseYaml(await readFile(path, 'utf8'));
  } catch (error) {
    throw new ConfigError(`CATALOGUE_FILE ${path} cannot be read: ${(error as Error).message}`);
  }
  const parsed = z.strictObject({ services: z.array(serviceSchema) }).safeParse(doc);
  if (!parsed.success) {
    throw new ConfigError(
      `CATALOGUE_FILE ${path} is invalid:\n` +
        `${parsed.error.issues.map((i) => `  - ${path}: ${i.path.join('.')}: ${i.message}`).join('\n')}`,
    );
  }
  const names = new Set<string>();
  const services = parsed.data.services.map(({ workload, checks, ...rest }, index) => {
    if (names.has(rest.name)) throw new ConfigError(`CATALOGUE_FILE ${path}: service ${rest.name} is listed twice.`);
    names.add(rest.name);
    const [kind, name] = workload.split('/') as [WorkloadKind, string];
    checks.forEach((check, at) => {
      if ((check.kind === 'tls' || check.kind === 'http') && check.endpoint === undefined && rest.url === undefined)
        throw new ConfigError(
          `CATALOGUE_FILE ${path}: services.${index}.checks.${at}: a ${check.kind} check needs an endpoint ` +
            `(service ${rest.name} has no url)`,
        );
    });
    return { ...rest, kind, workload: name, checks: withUrlChecks(checks, rest.url) };
  });
  return new Catalogue(services);
}

/** A service with a url is probed (certificate and HTTP) unless it lists those checks itself. */
function withUrlChecks(checks: DataCheckSpec[], url: string | undefined): DataCheckSpec[] {
  if (url === undefined) return checks;
  const extra: DataCheckSpec[] = [];
  if (url.startsWith('https:') && !checks.some((c) => c.kind === 'tls')) extra.push({ kind: 'tls' });
  if (!checks.some((c) => c.kind === 'http')) extra.push({ kind: 'http' });
  return [...checks, ...extra];
}
