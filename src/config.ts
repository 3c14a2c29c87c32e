import { createRequire } from 'node:module';
import type * as CronParser from 'cron-parser';
import { z } from 'zod';
import { validMount } from './names.js';

/**
 * Every setting, read once from the environment, validated and frozen.
 * All problems are reported together in one ConfigError so an operator fixes them in one go.
 * `.env.example` documents each variable; keep the two in step.
 */

/** STATUS_CRON's default: weekdays at 09:00. */
const DEFAULT_STATUS_CRON = '0 9 * * 1-5';

const positiveInt = (fallback: number) => z.coerce.number().int().positive().default(fallback);

const optionalString = z
  .string()
  .optional()
  .transform((v) => (v === undefined || v.trim() === '' ? undefined : v.trim()));

/**
 * A Slack token of one kind. Slack refuses the other kind at every call with not_allowed_token_type, and
 * @slack/socket-mode retries that refusal forever, so a bot token given as SLACK_APP_TOKEN would hang the bot's start.
 */
const slackToken = (prefix: string, kind: string) =>
  optionalString.pipe(z.string().startsWith(prefix, `must be ${kind} (${prefix}…)`).optional());

const slackId = (prefix: string) =>
  z.string().regex(new RegExp(`^[${prefix}][A-Z0-9]{2,20}$`), `must be a Slack ID starting with ${prefix}`);

const BROKER_FORMAT = 'host:port (a DNS name, an IPv4 address or a bracketed IPv6 address; a port 1-65535)';
const LABEL = '[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?';
const BROKER = new RegExp(`^(?:${LABEL}(?:\\.${LABEL})*|\\[[0-9A-Fa-f:.]+\\]):(\\d{1,5})$`);

/** `host:port`: see BROKER_FORMAT. */
export function isBroker(text: string): boolean {
  const port = Number(BROKER.exec(text)?.[1]);
  return port >= 1 && port <= 65535;
}

const brokerList = (text: string): string[] =>
  text
    .split(',')
    .map((b) => b.trim())
    .filter(Boolean);

/** What `bench kafka` calls KAFKA_BROKERS. */
export const DEFAULT_KAFKA_CLUSTER = 'default';
/** A Kafka cluster's name: lowercase letters, digits and inner '-', at most 40. */
export const KAFKA_CLUSTER_NAME = /^[a-z0-9](?:[-a-z0-9]{0,38}[a-z0-9])?$/;
const CLUSTERS_FORMAT =
  "the format is NAME=HOST:PORT[,HOST:PORT…], clusters separated by ';', " +
  'e.g. prod=kafka-0.kafka:9092,kafka-1.kafka:9092;staging=kafka.staging:9092';

/** KAFKA_CLUSTERS → name → brokers; each entry that does not fit is one issue. */
function namedClusters(text: string, ctx: z.RefinementCtx): ReadonlyMap<string, readonly string[]> {
  const clusters = new Map<string, readonly string[]>();
  for (const entry of text.split(/[;\n]/).map((e) => e.trim())) {
    if (entry === '') continue;
    const equals = entry.indexOf('=');
    const name = entry.slice(0, equals).trim();
    const brokers = brokerList(entry.slice(equals + 1));
    const problem =
      equals === -1 ? `\`${entry}\` is not NAME=HOST:PORT; ${CLUSTERS_FORMAT}` : clusterProblem(name, brokers);
    if (problem !== undefined) ctx.addIssue({ code: 'custom', message: problem });
    else if (clusters.has(name)) ctx.addIssue({ code: 'custom', message: `\`${name}\` is named twice` });
    else clusters.set(name, brokers);
  }
  return clusters;
}

function clusterProblem(name: string, brokers: readonly string[]): string | undefined {
  if (!KAFKA_CLUSTER_NAME.test(name))
    return `\`${name}\` is not a cluster name (lowercase letters, digits and '-', at most 40)`;
  if (name === DEFAULT_KAFKA_CLUSTER) return `\`${DEFAULT_KAFKA_CLUSTER}\` is KAFKA_BROKERS: set that instead`;
  if (brokers.length === 0) return `\`${name}\` names no brokers; ${CLUSTERS_FORMAT}`;
  const bad = brokers.find((b) => !isBroker(b));
  return bad === undefined ? undefined : `\`${name}\`: \`${bad}\` is not ${BROKER_FORMAT}`;
}

const schema = z.object({
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  CARBON_DATA_DIR: z.string().default('.carbon'),

  REDIS_URL: z.url({ protocol: /^rediss?$/ }).default('redis://127.0.0.1:6379'),
  QUEUE_NAME: z
    .string()
    .regex(/^[a-z][a-z0-9-]{0,40}$/, 'lowercase letters, digits and dashes')
    .default('carbon'),
  WORKER_CONCURRENCY: positiveInt(4),

  /** The bot's own role: rows only (src/store/privileges.ts). */
  DATABASE_URL: optionalString.pipe(z.url({ protocol: /^postgres(ql)?$/ }).optional()),
  /** The schema owner's: when set, processes migrate at start (and `carbon migrate` needs it). */
  DATABASE_MIGRATION_URL: optionalString.pipe(z.url({ protocol: /^postgres(ql)?$/ }).optional()),

  KUBECONFIG: optionalString,
  CLUSTER_NAME: optionalString,
  KUBE_REQUEST_TIMEOUT_MS: positiveInt(10_000),
  KUBE_PAGE_SIZE: z.coerce.number().int().min(1).max(5000).default(500),

  /** The Kafka cluster named `default`: `bench kafka` without --cluster. */
  KAFKA_BROKERS: z
    .string()
    .default('127.0.0.1:9092')
    .transform(brokerList)
    .pipe(z.array(z.string().refine(isBroker, BROKER_FORMAT)).min(1)),
  /** The other Kafka clusters `bench kafka --cluster NAME` may target; nothing else is ever connected to. */
  KAFKA_CLUSTERS: z.string().default('').transform(namedClusters),
  /** The platform's recorded baseline (Phase 4 report: 3 brokers, 1 KiB records, acks=all). */
  KAFKA_BASELINE_RECORDS_PER_SEC: z.coerce.number().positive().default(7153),
  KAFKA_BASELINE_MB_PER_SEC: z.coerce.number().positive().default(6.99),
  KAFKA_BASELINE_AVG_MS: z.coerce.number().positive().default(2.4),
  KAFKA_BASELINE_P95_MS: z.coerce.number().positive().default(3.5),
  /**
   * The rate (records/s) of the throttled run the baseline's latency figures come from; the baseline's
   * records/s when unset. Only a run throttled to a similar rate (±25 %) is judged against that latency.
   */
  KAFKA_BASELINE_LATENCY_RATE: z.coerce.number().positive().optional(),
  BENCH_REGRESSION_PCT: z.coerce.number().min(1).max(90).default(20),

  CATALOGUE_FILE: z.string().default('catalogue/services.yaml'),
  /** The bound of each data check of the health report (Kafka, PostgreSQL, Vault, TLS, HTTP, node metrics). */
  DATA_CHECK_TIMEOUT_MS: positiveInt(5_000),
  /**
   * The proxy the platform reaches its public URLs through (http://host:port, or http://user:password@host:port for
   * Basic auth, sent to the proxy only): the URL probes use it when set. `https_proxy` when this is unset.
   */
  HTTPS_PROXY: optionalString.pipe(z.url({ protocol: /^http$/ }).optional()),
  /** Hosts (comma-separated; `.example.com` for a domain and its subdomains) the probes reach directly; or `no_proxy`. */
  NO_PROXY: z.string().default(''),
  POLICY_FILE: z.string().default('policy/policy.example.yaml'),

  SLACK_BOT_TOKEN: slackToken('xoxb-', 'a bot token'),
  SLACK_SIGNING_SECRET: optionalString,
  SLACK_APP_TOKEN: slackToken('xapp-', 'an app-level token'),
  SLACK_API_URL: optionalString.pipe(z.url().optional()),
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),

  CARBON_USER: slackId('UW').default('U0OPERATOR'),
  CARBON_CHANNEL: slackId('CGD').default('C0INCIDENT'),

  RESTART_APPROVAL_EXPIRY_MIN: positiveInt(15),
  RESTART_ROLLOUT_TIMEOUT_SEC: positiveInt(900),
  RESTART_POLL_MS: positiveInt(1000),
  WORKER_LOCK_DURATION_MS: z.coerce.number().int().min(1000).default(30_000),

  DEMO_POD_READY_DELAY_MS: positiveInt(1500),

  /** The daily status post: a cron pattern (5 fields, or 6 with seconds) read in STATUS_TZ, and the channel. */
  STATUS_CRON: z
    .string()
    .trim()
    .default(DEFAULT_STATUS_CRON)
    .superRefine((pattern, ctx) => {
      const problem = cronProblem(pattern);
      if (problem !== undefined) ctx.addIssue({ code: 'custom', message: problem });
    }),
  STATUS_TZ: z
    .string()
    .trim()
    .default('UTC')
    .refine(isTimeZone, 'must be an IANA time zone such as UTC or Europe/Berlin'),
  STATUS_CHANNEL: optionalString.pipe(slackId('CG').optional()),
  /**
   * Where incidents start: failing pods of critical services (the pod watch) and the Alertmanager routes' default.
   * Unset, neither posts (the Alertmanager receiver still posts to the channels its routes name).
   */
  INCIDENT_CHANNEL: optionalString.pipe(slackId('CG').optional()),
  /** The pod watch posts a pod's failure for one reason at most once in this many minutes (resolved or not). */
  INCIDENT_POD_COOLDOWN_MIN: positiveInt(60),
  /** A pod of a critical service Pending (unscheduled, or its containers not created) this long is posted. */
  INCIDENT_POD_PENDING_MIN: positiveInt(10),
  /**
   * The Alertmanager receiver (`POST /alertmanager` on the bot): the bearer token Alertmanager's webhook
   * `http_config.authorization` sends (the receiver answers 404 without it); the routes file choosing a group's
   * channel by label matchers (INCIDENT_CHANNEL when none matches); Alertmanager's API, where Silence creates silences.
   */
  ALERTMANAGER_WEBHOOK_TOKEN: optionalString.pipe(z.string().min(16, 'at least 16 characters').optional()),
  ALERT_ROUTES_FILE: optionalString,
  ALERTMANAGER_URL: optionalString.pipe(z.url({ protocol: /^https?$/ }).optional()),
  /**
   * `false` turns the shared daily post off (removes the scheduler for every replica); a missing STATUS_CHANNEL alone
   * does not.
   */
  STATUS_ENABLED: z
    .enum(['true', 'false'], 'must be exactly true or false')
    .default('true')
    .transform((v) => v === 'true'),

  /** The phase runbooks (phase-N.yaml), the manifests they apply, and how long an apply waits for approval. */
  RUNBOOKS_DIR: z.string().default('runbooks'),
  PHASE_MANIFESTS_DIR: z.string().default('manifests/phases'),
  PHASE_APPROVAL_EXPIRY_MIN: positiveInt(30),

  VAULT_ADDR: optionalString.pipe(z.url({ protocol: /^https?$/ }).optional()),
  VAULT_TOKEN: optionalString,
  VAULT_K8S_ROLE: optionalString,
  VAULT_K8S_JWT_PATH: z.string().default('/var/run/secrets/kubernetes.io/serviceaccount/token'),
  /** Strictly true or false: node-vault turns TLS checks off for any value at all, even "false". */
  VAULT_SKIP_VERIFY: z
    .enum(['true', 'false'], 'must be exactly true or false')
    .default('false')
    .transform((v) => v === 'true'),
  VAULT_KV_MOUNT: z
    .string()
    .refine(validMount, 'a KV v2 mount path like secret or kv/platform (no .., no leading /, not sys or auth)')
    .default('secret'),
  VAULT_REQUEST_TIMEOUT_MS: positiveInt(5_000),
  VAULT_APPROVAL_EXPIRY_MIN: positiveInt(15),
  VAULT_INJECT_ROLE: z
    .string()
    .regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$/, 'a Vault Kubernetes-auth role name')
    .default('platform-apps'),

  /** The queue view (Bull Board, read-only) a worker serves: off unless a port is given (0: any free port). */
  QUEUE_VIEW_PORT: optionalString.pipe(z.coerce.number<string | undefined>().int().min(0).max(65535).optional()),
  /** Where it listens: the pod's loopback by default, reached with `kubectl port-forward` only. */
  QUEUE_VIEW_HOST: z.string().trim().min(1).default('127.0.0.1'),
  QUEUE_VIEW_USER: z.string().trim().min(1).default('carbon'),
  /** From a Secret; the view never starts without it. */
  QUEUE_VIEW_PASSWORD: optionalString,
});

/** At least this long: the view shows every job's data, and basic auth has no lockout. */
export const QUEUE_VIEW_PASSWORD_MIN = 16;

/** The checks across settings, reported with the rest. */
const checkedSchema = schema.superRefine((config, ctx) => {
  if (config.QUEUE_VIEW_PORT !== undefined && (config.QUEUE_VIEW_PASSWORD?.length ?? 0) < QUEUE_VIEW_PASSWORD_MIN)
    ctx.addIssue({
      code: 'custom',
      path: ['QUEUE_VIEW_PASSWORD'],
      message: `required with QUEUE_VIEW_PORT, at least ${QUEUE_VIEW_PASSWORD_MIN} characters: the queue view is never served without one`,
    });
});

/** Every Kafka cluster a benchmark may target, by name: `default` (KAFKA_BROKERS), then KAFKA_CLUSTERS. */
export function kafkaClusters(
  config: Pick<Config, 'KAFKA_BROKERS' | 'KAFKA_CLUSTERS'>,
): ReadonlyMap<string, readonly string[]> {
  return new Map([[DEFAULT_KAFKA_CLUSTER, config.KAFKA_BROKERS], ...config.KAFKA_CLUSTERS]);
}

/** True for a time zone this runtime knows (Intl throws a RangeError for any other). */
export function isTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return tz !== '';
  } catch {
    return false;
  }
}

/**
 * Why a cron pattern is unusable, or undefined: checked with the parser BullMQ's job scheduler computes the
 * next run with (cron-parser, the version BullMQ pins), so a pattern accepted here is one the scheduler can
 * run. A pattern that never fires is refused too. cron-parser (and luxon) is loaded only for a pattern other
 * than the default, so that a command that needs no schedule (`carbon run "help"`) does not pay for it.
 */
export function cronProblem(pattern: string, tz = 'UTC'): string | undefined {
  if (pattern.split(/\s+/).length < 5)
    return `\`${pattern}\` is not a cron pattern (minute hour day-of-month month day-of-week, e.g. 0 9 * * 1-5)`;
  if (pattern === DEFAULT_STATUS_CRON) return undefined;
  const { CronExpressionParser } = createRequire(import.meta.url)('cron-parser') as typeof CronParser;
  try {
    const interval = CronExpressionParser.parse(pattern, { tz, currentDate: new Date() });
    return interval.hasNext() ? undefined : `\`${pattern}\` never fires`;
  } catch (error) {
    return `\`${pattern}\` is not a valid cron pattern: ${(error as Error).message}`;
  }
}

export type Config = Readonly<z.infer<typeof schema>>;

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = checkedSchema.safeParse(withLowerCaseProxy(env));
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `  - ${issue.path.join('.')}: ${issue.message}`);
    throw new ConfigError(`Invalid settings (see .env.example):\n${problems.join('\n')}`);
  }
  return Object.freeze(parsed.data);
}

/** curl's lower-case proxy names are read too; the upper-case one wins when both are set. */
function withLowerCaseProxy(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return { ...env, HTTPS_PROXY: env.HTTPS_PROXY || env.https_proxy, NO_PROXY: env.NO_PROXY || env.no_proxy };
}

/** The checks that depend on which process role runs, reported in one message like the rest. */
export function requireFor(role: string, config: Config, names: (keyof Config)[]): void {
  const missing = names.filter((name) => config[name] === undefined);
  if (missing.length > 0) {
    throw new ConfigError(
      `Invalid settings for \`carbon ${role}\` (see .env.example):\n` +
        `${missing.map((m) => `  - ${m}: required`).join('\n')}`,
    );
  }
}
