/**
 * What a user can ask, as data: the typed commands the parser builds and the jobs carry. Types only;
 * each command's grammar (parse, help, checks, route) is its spec, beside its capability.
 */
import type { WorkloadKind } from '../catalogue.js';

export type Command =
  | HelpCommand
  | HealthCommand
  | RestartCommand
  | ApproveCommand
  | DenyCommand
  | AuditCommand
  | BenchCommand
  | VaultCommand
  | PhaseCommand
  | StatusCommand
  | ScheduleCommand
  | HandoffCommand
  | LogsCommand
  | EventsCommand
  | DescribeCommand
  | SilenceCommand;

export type CommandName = Command['name'];

export interface HelpCommand {
  name: 'help';
  topic?: string;
}

export interface HealthCommand {
  name: 'health';
  namespace?: string;
}

export type RestartTargetRef = { kind: 'service'; name: string } | { kind: WorkloadKind; name: string };

export interface RestartCommand {
  name: 'restart';
  target: RestartTargetRef;
  namespace?: string;
  reason: string;
}

export interface ApproveCommand {
  name: 'approve';
  id: string;
}

export interface DenyCommand {
  name: 'deny';
  id: string;
  reason?: string;
}

export interface AuditCommand {
  name: 'audit';
  /** How far back, in milliseconds. */
  sinceMs: number;
  user?: string;
  action?: string;
  limit: number;
}

export type Acks = -1 | 0 | 1;

export interface KafkaBenchParams {
  records: number;
  recordSize: number;
  /** Records/sec; -1 = unthrottled. */
  throughput: number;
  acks: Acks;
  partitions: number;
  /**
   * The configured Kafka cluster's name (config.ts: KAFKA_CLUSTERS); absent = `default`, KAFKA_BROKERS. Never an
   * address: a worker connects only to the brokers configured under that name.
   */
  cluster?: string;
}

export type BenchCommand =
  | { name: 'bench'; action: 'kafka'; params: KafkaBenchParams }
  | { name: 'bench'; action: 'history'; target: 'kafka'; limit: number };

export type VaultCommand =
  | { name: 'vault'; action: 'status'; namespace?: string }
  | VaultMigrateCommand
  | { name: 'vault'; action: 'rollback'; id: string };

export interface VaultMigrateCommand {
  name: 'vault';
  action: 'migrate';
  namespace: string;
  configMap: string;
  /** Absent: every secret-looking key. */
  keys?: string[];
  /** Absent: VAULT_KV_MOUNT. */
  mount?: string;
  /** Absent: `<namespace>/<configmap>`. */
  path?: string;
  cutover: boolean;
  /**
   * With --cutover: the apps read the injected files (/vault/secrets/<KEY>), so keys they read through
   * envFrom or a whole volume may leave the ConfigMap.
   */
  appsReadVaultFiles?: boolean;
  /**
   * --overwrite: an existing secret carbon-ops did not write, or with other fields, may be replaced
   * (a KV write replaces every field).
   */
  overwrite?: boolean;
  reason?: string;
}

export type PhaseAction = 'list' | 'status' | 'plan' | 'apply' | 'verify';

export type PhaseCommand =
  | { name: 'phase'; action: 'list' }
  | { name: 'phase'; action: 'status'; phase?: number }
  | { name: 'phase'; action: 'plan'; phase: number; task?: string }
  | { name: 'phase'; action: 'verify'; phase: number; task?: string }
  | { name: 'phase'; action: 'apply'; phase: number; task?: string; force: boolean };

export interface StatusCommand {
  name: 'status';
}

export interface ScheduleCommand {
  name: 'schedule';
}

/** Where a handoff period starts: a duration back from now, or a date (and time) on the team's clock. */
export type PeriodStart =
  | { kind: 'ago'; ms: number; text: string }
  /** Read in STATUS_TZ unless `offsetMinutes` is given (a `Z` or `±HH:MM` suffix). */
  | {
      kind: 'date';
      year: number;
      month: number;
      day: number;
      hour: number;
      minute: number;
      second: number;
      offsetMinutes?: number;
      text: string;
    };

export interface HandoffCommand {
  name: 'handoff';
  since: PeriodStart;
}

/** What an inspection command names: a catalogue service, or KIND/NAME as kubectl spells it. */
export type InspectTargetRef = { kind: 'service'; name: string } | { kind: InspectKind; name: string };

export type InspectKind = 'pod' | 'deployment' | 'statefulset';

export interface LogsCommand {
  name: 'logs';
  target: InspectTargetRef;
  namespace?: string;
  container?: string;
  previous: boolean;
  tail: number;
  sinceSeconds?: number;
}

export interface EventsCommand {
  name: 'events';
  target: InspectTargetRef;
  namespace?: string;
}

export interface DescribeCommand {
  name: 'describe';
  target: InspectTargetRef;
  namespace?: string;
}

/** A silence of an Alertmanager alert group carbon-ops posted (by its id, as the message shows it). */
export interface SilenceCommand {
  name: 'silence';
  group: string;
  minutes: number;
}
