import { randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { useContainers } from './docker.js';
import { fetchKafka } from './fetch.js';
import { envFlag, freePort, ManagedProcess, removeDir, startManaged, runSync, tmpDir, waitFor, which, type TestServer } from './util.js';

export interface KafkaServer extends TestServer {
  /** `host:port` list for kafkajs `brokers`. */
  brokers: string[];
  /** Comma-separated bootstrap list (the value of `KAFKA_BROKERS`). */
  bootstrap: string;
}

export interface KafkaOptions {
  /** Always start a private broker, even when KAFKA_BROKERS is set (for tests that kill/restart it). */
  fresh?: boolean;
  /** `auto.create.topics.enable` (default false). */
  autoCreateTopics?: boolean;
  /** Start-up timeout (default 90 s). */
  startTimeoutMs?: number;
  /** Max heap for the broker JVM (default 512m). */
  heap?: string;
  /** Extra server.properties lines. */
  properties?: Record<string, string | number | boolean>;
}

function unsupported(what: string): () => Promise<never> {
  return () => Promise.reject(new Error(`${what} is not supported: Kafka comes from KAFKA_BROKERS (an external server). Use ensureKafka({ fresh: true }) for a broker you can kill/restart.`));
}

/** Resolves when a kafkajs admin sees at least one registered (unfenced) broker. */
export async function kafkaReady(brokers: string[]): Promise<boolean> {
  const kafka = new Kafka({ clientId: 'rollwatch-testkit-probe', brokers, logLevel: logLevel.NOTHING, connectionTimeout: 1000, requestTimeout: 3000, retry: { retries: 0 } });
  const admin = kafka.admin();
  try {
    await admin.connect();
    const c = await admin.describeCluster();
    return c.brokers.length > 0;
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

/** Kafka for tests: KAFKA_BROKERS, else testcontainers (when a Docker engine answers), else a local KRaft broker. */
export async function ensureKafka(opts: KafkaOptions = {}): Promise<KafkaServer> {
  const env = envFlag('KAFKA_BROKERS');
  if (env && !opts.fresh) {
    const brokers = env.split(',').map((s) => s.trim().replace(/^PLAINTEXT:\/\//, '')).filter(Boolean);
    await waitFor(`Kafka at KAFKA_BROKERS=${env}`, () => kafkaReady(brokers), { timeoutMs: 15_000, intervalMs: 500 });
    return { brokers, bootstrap: brokers.join(','), source: 'env', stop: async () => undefined, kill: unsupported('kill()'), restart: unsupported('restart()') };
  }
  if (await useContainers()) return startKafkaContainer();
  return startLocalKafka(opts);
}

async function startKafkaContainer(): Promise<KafkaServer> {
  const { KafkaContainer } = await import('@testcontainers/kafka');
  const image = process.env.ROLLWATCH_KAFKA_IMAGE ?? 'confluentinc/cp-kafka:7.9.0';
  const container = await new KafkaContainer(image).withKraft().start();
  const bootstrap = `${container.getHost()}:${container.getMappedPort(9093)}`;
  return {
    brokers: [bootstrap], bootstrap, source: 'testcontainers',
    stop: async () => { await container.stop(); },
    kill: async () => { await container.stop({ timeout: 0, remove: false }); },
    restart: async () => { await container.restart(); },
  };
}

export async function startLocalKafka(opts: KafkaOptions = {}): Promise<KafkaServer> {
  const java = process.env.KAFKA_JAVA ?? (process.env.JAVA_HOME ? path.join(process.env.JAVA_HOME, 'bin', 'java') : which('java'));
  if (!java) throw new Error('ensureKafka: no java on PATH (need Java 11+ for Kafka 3.9); install openjdk-17-jre-headless or set JAVA_HOME');
  const art = await fetchKafka();
  const dataDir = tmpDir('kafka');
  const port = await freePort();
  const controllerPort = await freePort();
  const logFile = path.join(dataDir, 'server.log');
  const propsFile = path.join(dataDir, 'server.properties');
  const log4jFile = path.join(dataDir, 'log4j.properties');
  const props: Record<string, string | number | boolean> = {
    'process.roles': 'broker,controller',
    'node.id': 1,
    'controller.quorum.voters': `1@127.0.0.1:${controllerPort}`,
    'listeners': `PLAINTEXT://127.0.0.1:${port},CONTROLLER://127.0.0.1:${controllerPort}`,
    'advertised.listeners': `PLAINTEXT://127.0.0.1:${port}`,
    'listener.security.protocol.map': 'PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT',
    'controller.listener.names': 'CONTROLLER',
    'inter.broker.listener.name': 'PLAINTEXT',
    'log.dirs': path.join(dataDir, 'data'),
    'num.partitions': 1,
    'default.replication.factor': 1,
    'min.insync.replicas': 1,
    'offsets.topic.replication.factor': 1,
    'offsets.topic.num.partitions': 1,
    'transaction.state.log.replication.factor': 1,
    'transaction.state.log.min.isr': 1,
    'transaction.state.log.num.partitions': 1,
    'group.initial.rebalance.delay.ms': 0,
    // A broker restarted after kill() can only re-register once its old session expired (default 9 s).
    'broker.session.timeout.ms': 3000,
    'broker.heartbeat.interval.ms': 500,
    'auto.create.topics.enable': opts.autoCreateTopics ?? false,
    'num.network.threads': 2,
    'num.io.threads': 2,
    'num.recovery.threads.per.data.dir': 1,
    'log.retention.check.interval.ms': 60_000,
    ...opts.properties,
  };
  writeFileSync(propsFile, Object.entries(props).map(([k, v]) => `${k}=${v}`).join('\n') + '\n');
  writeFileSync(log4jFile, [
    'log4j.rootLogger=INFO, stdout',
    'log4j.appender.stdout=org.apache.log4j.ConsoleAppender',
    'log4j.appender.stdout.layout=org.apache.log4j.PatternLayout',
    'log4j.appender.stdout.layout.ConversionPattern=[%d] %p %m (%c)%n',
    'log4j.logger.kafka.request.logger=WARN',
    'log4j.logger.org.apache.kafka.clients=WARN',
    'log4j.logger.kafka.log.LogCleaner=WARN',
    '',
  ].join('\n'));
  const jvm = [
    '-Xms128m',
    `-Xmx${opts.heap ?? '512m'}`,
    '-XX:+UseG1GC', '-XX:MaxGCPauseMillis=20', '-XX:+ExitOnOutOfMemoryError',
    '-Djava.awt.headless=true',
    `-Dlog4j.configuration=file:${log4jFile}`,
    `-Dkafka.logs.dir=${dataDir}`,
    '-cp', art.classpath,
  ];
  try {
    runSync(java, [`-Dlog4j.configuration=file:${log4jFile}`, '-cp', art.classpath, 'kafka.tools.StorageTool', 'format', '-t', kafkaClusterId(), '-c', propsFile, '--ignore-formatted']);
  } catch (e) {
    removeDir(dataDir);
    throw new Error(`ensureKafka: formatting the KRaft storage failed: ${(e as Error).message}`, { cause: e });
  }
  const proc = new ManagedProcess('kafka', java, [...jvm, 'kafka.Kafka', propsFile], logFile, { cwd: dataDir, env: { ...process.env } });
  const brokers = [`127.0.0.1:${port}`];
  const timeoutMs = opts.startTimeoutMs ?? 90_000;
  const lifecycle = await startManaged(proc, `Kafka (local, 127.0.0.1:${port})`, () => kafkaReady(brokers), { dataDir, timeoutMs, intervalMs: 300, name: 'Kafka' });
  return { brokers, bootstrap: brokers.join(','), source: 'local', logFile, dataDir, ...lifecycle };
}


/**
 * A KRaft cluster id: 16 random bytes, base64url. One starting with `-` would be read by the
 * storage tool as an option ("expected one argument"), about 1 start in 64, so draw again.
 */
export function kafkaClusterId(): string {
  for (;;) {
    const id = Buffer.from(randomUUID().replace(/-/g, ''), 'hex').toString('base64url');
    if (!id.startsWith('-')) return id;
  }
}
