/** The Kafka cluster the integration tests use: `KAFKA_BROKERS` (comma-separated), else scripts/kafka.sh's default. */
export function kafkaBrokers(env: NodeJS.ProcessEnv = process.env): string[] {
  return (env.KAFKA_BROKERS ?? '127.0.0.1:9092')
    .split(',')
    .map((b) => b.trim())
    .filter((b) => b.length > 0);
}
