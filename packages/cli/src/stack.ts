import type { CliIo } from './cli.js';
import { untilSignal } from './cli.js';
import { startServices } from './embedded.js';

/**
 * Local real stack: Apache Kafka (KRaft) and Elasticsearch started on 127.0.0.1 from their Maven
 * Central artifacts (or taken from KAFKA_BROKERS / ELASTICSEARCH_URL), then the three services.
 */
export async function stackCommand(_argv: string[], io: CliIo): Promise<number> {
  io.stderr.write('rollwatch stack: starting Kafka and Elasticsearch (first run downloads them from Maven Central)...\n');
  // A development tool (a dev dependency): production installs ship without testcontainers & co.
  const { ensureElasticsearch, ensureKafka } = await import('@rollwatch/testkit');
  const kafka = await ensureKafka();
  const es = await ensureElasticsearch();
  io.stderr.write(`  KAFKA_BROKERS=${kafka.bootstrap}\n  ELASTICSEARCH_URL=${es.url}\n`);
  const env = { ...process.env, KAFKA_BROKERS: kafka.bootstrap, ELASTICSEARCH_URL: es.url };
  let stack;
  try {
    stack = await startServices({ env });
  } catch (error) {
    await Promise.allSettled([kafka.stop(), es.stop()]);
    throw error;
  }
  for (const [name, port] of Object.entries(stack.ports)) io.stderr.write(`  ${name.padEnd(9)} http://127.0.0.1:${port}\n`);
  io.stderr.write('Ctrl-C stops everything.\n');
  return untilSignal(async () => {
    await stack.stop();
    await Promise.allSettled([kafka.stop(), es.stop()]);
  });
}
