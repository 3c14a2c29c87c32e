import { Kafka, logLevel, type Admin } from 'kafkajs';
import { kafkaClusters } from '../../../config.js';
import type { DataCheckSpec } from '../../../catalogue.js';
import { bounded, judged, notMeasured, plural, reasonOf, type CheckOutcome } from './check.js';
import type { DataSources } from './sources.js';

type KafkaSpec = Extract<DataCheckSpec, { kind: 'kafka' }>;

export interface KafkaFigures {
  answering: number;
  expected: number;
  controller: number | null;
  topics: number;
  partitions: number;
  offline: number;
  underReplicated: number;
  /** Consumer group → lag (records behind the end of its topics), or why it was not read. */
  lag: Record<string, number | string>;
}

/**
 * A Kafka cluster through kafkajs's admin client: brokers answering ÷ expected, the controller, offline (no leader)
 * and under-replicated (ISR smaller than the replicas) partitions, topics, and the lag of the catalogue's groups.
 */
export async function checkKafka(spec: KafkaSpec, sources: DataSources): Promise<CheckOutcome & { source: string }> {
  const brokers = kafkaClusters(sources.config).get(spec.cluster);
  if (brokers === undefined)
    return {
      ...notMeasured(`not configured: no Kafka cluster \`${spec.cluster}\` in KAFKA_BROKERS/KAFKA_CLUSTERS`),
      source: 'kafkajs admin',
    };
  const source = `kafkajs admin, ${brokers.join(',')}`;
  const timeout = sources.config.DATA_CHECK_TIMEOUT_MS;
  const admin = new Kafka({
    clientId: 'carbon-ops-health',
    brokers: [...brokers],
    logLevel: logLevel.NOTHING,
    connectionTimeout: Math.min(timeout, 3_000),
    requestTimeout: timeout,
    retry: { retries: 1, initialRetryTime: 100 },
  }).admin();
  try {
    try {
      await bounded(timeout, `Kafka ${spec.cluster}`, admin.connect(), () => void admin.disconnect());
    } catch (error) {
      return { ...notMeasured(`no broker of ${brokers.join(',')} answered: ${reasonOf(error)}`), source };
    }
    const figures = await bounded(timeout * 2, `Kafka ${spec.cluster}`, measure(admin, spec, brokers.length));
    return { ...judged(summaryOf(figures), problemsOf(figures)), source };
  } catch (error) {
    return { ...notMeasured(`Kafka ${spec.cluster} stopped answering: ${reasonOf(error)}`), source };
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

async function measure(admin: Admin, spec: KafkaSpec, bootstrap: number): Promise<KafkaFigures> {
  const cluster = await admin.describeCluster();
  const names = await admin.listTopics();
  const { topics } = names.length > 0 ? await admin.fetchTopicMetadata({ topics: names }) : { topics: [] };
  const partitions = topics.flatMap((t) => t.partitions);
  const replicaIds = new Set(partitions.flatMap((p) => p.replicas));
  for (const b of cluster.brokers) replicaIds.add(b.nodeId);
  const lag: KafkaFigures['lag'] = {};
  for (const group of spec.consumerGroups) lag[group] = await groupLag(admin, group).catch(reasonOf);
  return {
    answering: cluster.brokers.length,
    expected: spec.brokers ?? Math.max(bootstrap, replicaIds.size),
    controller: cluster.controller,
    topics: topics.filter((t) => !t.name.startsWith('__')).length,
    partitions: partitions.length,
    offline: partitions.filter((p) => p.leader < 0).length,
    underReplicated: partitions.filter((p) => p.isr.length < p.replicas.length).length,
    lag,
  };
}

const NO_OFFSETS = 'no committed offsets';

/** Records between the group's committed offsets and the end of each partition it has committed on. */
async function groupLag(admin: Admin, groupId: string): Promise<number | string> {
  const committed = await admin.fetchOffsets({ groupId });
  if (committed.length === 0) return NO_OFFSETS;
  let lag = 0;
  for (const { topic, partitions } of committed) {
    const ends = new Map((await admin.fetchTopicOffsets(topic)).map((o) => [o.partition, Number(o.high)]));
    for (const p of partitions) {
      const at = Number(p.offset);
      const end = ends.get(p.partition) ?? at;
      lag += at < 0 ? end : Math.max(0, end - at);
    }
  }
  return lag;
}

function summaryOf(f: KafkaFigures): string {
  const lag = Object.entries(f.lag).map(([g, l]) =>
    typeof l === 'number' ? `${g} lag ${l}` : l === NO_OFFSETS ? `${g} ${l}` : `${g} lag not read (${l})`,
  );
  return [
    `${f.answering}/${f.expected} brokers`,
    `controller ${f.controller ?? 'none'}`,
    `${plural(f.topics, 'topic')} (${plural(f.partitions, 'partition')} with the internal ones)`,
    `${f.offline} offline`,
    `${f.underReplicated} under-replicated`,
    ...lag,
  ].join(', ');
}

function problemsOf(f: KafkaFigures): string[] {
  return [
    ...(f.answering < f.expected ? [`${f.expected - f.answering} of ${f.expected} brokers not answering`] : []),
    ...(f.controller === null || f.controller < 0 ? ['no active controller'] : []),
    ...(f.offline > 0 ? [`${plural(f.offline, 'offline partition')}`] : []),
    ...(f.underReplicated > 0 ? [`${plural(f.underReplicated, 'under-replicated partition')}`] : []),
  ];
}
