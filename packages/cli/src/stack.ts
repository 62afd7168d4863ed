import { EXIT, parseCommand, type CommandArgs } from './args.js';
import type { CliIo } from './cli.js';
import { untilSignal } from './cli.js';
import { PortInUseError, startServices } from './embedded.js';
import { downloadProgress } from './progress.js';

export const STACK_ARGS: CommandArgs = {
  usage: `usage: rollwatch stack [--json]

Starts Apache Kafka (KRaft) and Elasticsearch on 127.0.0.1 from their Maven Central artifacts (cached
in ~/.cache/rollwatch; the first run downloads a few hundred MB and shows the bytes on a terminal),
or uses KAFKA_BROKERS / ELASTICSEARCH_URL when set, then runs the three services against them.
Needs a JDK 17+ (Kafka) and 21+ (Elasticsearch). Ctrl-C stops everything.

  --json       once everything is up, print {"KAFKA_BROKERS","ELASTICSEARCH_URL","ports"} on stdout;
               no progress output
  -h, --help   this help
`,
  options: { json: { type: 'boolean' } },
};

/**
 * Local real stack: Apache Kafka (KRaft) and Elasticsearch started on 127.0.0.1 from their Maven
 * Central artifacts (or taken from KAFKA_BROKERS / ELASTICSEARCH_URL), then the three services.
 */
export async function stackCommand(argv: string[], io: CliIo): Promise<number> {
  const parsed = parseCommand(STACK_ARGS, argv);
  if (parsed.kind !== 'run') return EXIT.usage;
  const json = parsed.values.json === true;
  const say = (line: string): void => {
    if (!json) io.stderr.write(`${line}\n`);
  };
  say('rollwatch stack: starting Kafka and Elasticsearch (first run downloads them from Maven Central)...');
  // Progress only for a person watching: a TTY, and not --json.
  const progress = downloadProgress(io.stderr, { enabled: !json && (io.stderr as { isTTY?: boolean }).isTTY === true });
  // A development tool (a dev dependency): production installs ship without testcontainers & co.
  const { ensureElasticsearch, ensureKafka } = await import('@rollwatch/testkit');
  let kafka, es;
  try {
    [kafka, es] = await Promise.all([ensureKafka(), ensureElasticsearch()]);
  } finally {
    progress.stop();
  }
  say(`  KAFKA_BROKERS=${kafka.bootstrap}\n  ELASTICSEARCH_URL=${es.url}`);
  // One local node each: no Elasticsearch replicas (they could never be assigned; production uses 1).
  const env = { ...process.env, KAFKA_BROKERS: kafka.bootstrap, ELASTICSEARCH_URL: es.url, ELASTICSEARCH_REPLICAS: process.env.ELASTICSEARCH_REPLICAS ?? '0' };
  let stack;
  try {
    stack = await startServices({ env });
  } catch (error) {
    await Promise.allSettled([kafka.stop(), es.stop()]);
    if (!(error instanceof PortInUseError)) throw error;
    io.stderr.write(`rollwatch stack: ${error.message}\n`);
    return EXIT.failure;
  }
  for (const [name, port] of Object.entries(stack.ports)) say(`  ${name.padEnd(9)} http://127.0.0.1:${port}`);
  if (json) io.stdout.write(`${JSON.stringify({ KAFKA_BROKERS: kafka.bootstrap, ELASTICSEARCH_URL: es.url, ports: stack.ports })}\n`);
  say('Ctrl-C stops everything.');
  return untilSignal(async () => {
    await stack.stop();
    await Promise.allSettled([kafka.stop(), es.stop()]);
  });
}
