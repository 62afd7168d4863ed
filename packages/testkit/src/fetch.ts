import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { cacheDir, ensureDir, run, which } from './util.js';

export const KAFKA_VERSION = process.env.ROLLWATCH_KAFKA_VERSION ?? '3.9.2';
/** 9.3.0 is not on Maven Central (404); 9.2.0 is the newest 9.x integ-test-zip found there. */
export const ES_VERSION = process.env.ROLLWATCH_ES_VERSION ?? '9.2.0';

const MARKER = '.rollwatch-complete';
const KAFKA_POM = fileURLToPath(new URL('../maven/kafka/pom.xml', import.meta.url));

function requireTool(cmd: string, hint: string): string {
  const p = which(cmd);
  if (!p) throw new Error(`@rollwatch/testkit: '${cmd}' not found on PATH; ${hint}`);
  return p;
}

function shq(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

/** Run `script` under an exclusive flock so concurrent test processes never fetch the same thing twice. */
async function locked(lockName: string, script: string): Promise<void> {
  const dir = ensureDir(cacheDir());
  requireTool('flock', 'install util-linux');
  await run('flock', [path.join(dir, `.${lockName}.lock`), 'sh', '-ec', script]);
}

export interface KafkaArtifacts { version: string; libs: string; classpath: string }
export interface ElasticsearchArtifacts { version: string; home: string }

/** Kafka broker jars + runtime deps from Maven Central into `<cache>/kafka-<v>/libs` (idempotent). */
export async function fetchKafka(version = KAFKA_VERSION): Promise<KafkaArtifacts> {
  const root = path.join(cacheDir(), `kafka-${version}`);
  const libs = path.join(root, 'libs');
  const result = { version, libs, classpath: `${libs}/*` };
  if (existsSync(path.join(root, MARKER))) return result;
  requireTool('mvn', 'install Maven (apt-get install maven) to fetch Kafka from Maven Central');
  const tmp = `${root}.partial`;
  await locked(`kafka-${version}`, [
    `[ -f ${shq(path.join(root, MARKER))} ] && exit 0`,
    `rm -rf ${shq(tmp)} && mkdir -p ${shq(tmp)}/libs`,
    `mvn -q -B -f ${shq(KAFKA_POM)} -Dkafka.version=${shq(version)} dependency:copy-dependencies -DincludeScope=runtime -DoutputDirectory=${shq(tmp + '/libs')}`,
    `[ -f ${shq(`${tmp}/libs/kafka_2.13-${version}.jar`)} ] || { echo "kafka_2.13-${version}.jar missing after mvn" >&2; exit 1; }`,
    `touch ${shq(tmp + '/' + MARKER)}`,
    `rm -rf ${shq(root)} && mv ${shq(tmp)} ${shq(root)}`,
  ].join('\n'));
  if (!existsSync(path.join(libs, `kafka_2.13-${version}.jar`))) throw new Error(`fetchKafka: ${libs} has no kafka_2.13-${version}.jar`);
  return result;
}

/**
 * The Elasticsearch integ-test-zip (server + transport + x-pack core/security modules only) from Maven
 * Central, unzipped to `<cache>/elasticsearch-<v>` (idempotent).
 */
export async function fetchElasticsearch(version = ES_VERSION): Promise<ElasticsearchArtifacts> {
  const home = path.join(cacheDir(), `elasticsearch-${version}`);
  const result = { version, home };
  if (existsSync(path.join(home, MARKER))) return result;
  requireTool('mvn', 'install Maven (apt-get install maven) to fetch Elasticsearch from Maven Central');
  requireTool('unzip', 'install unzip (apt-get install unzip)');
  const dl = ensureDir(path.join(cacheDir(), 'dl'));
  const zip = path.join(dl, `elasticsearch-${version}.zip`);
  const tmp = `${home}.partial`;
  await locked(`elasticsearch-${version}`, [
    `[ -f ${shq(path.join(home, MARKER))} ] && exit 0`,
    `if [ ! -s ${shq(zip)} ]; then mvn -q -B dependency:copy -Dartifact=org.elasticsearch.distribution.integ-test-zip:elasticsearch:${version}:zip -DoutputDirectory=${shq(dl)} -Dmdep.overWriteReleases=true; fi`,
    `rm -rf ${shq(tmp)} && mkdir -p ${shq(tmp)}`,
    `unzip -q ${shq(zip)} -d ${shq(tmp)}`,
    // The zip holds one top-level folder elasticsearch-<v>/.
    `rm -rf ${shq(home)} && mv ${shq(`${tmp}/elasticsearch-${version}`)} ${shq(home)} && rm -rf ${shq(tmp)}`,
    // Readable by the unprivileged user Elasticsearch runs as.
    `chmod -R a+rX ${shq(home)}`,
    `touch ${shq(path.join(home, MARKER))}`,
  ].join('\n'));
  if (!existsSync(path.join(home, 'bin', 'elasticsearch'))) throw new Error(`fetchElasticsearch: ${home}/bin/elasticsearch missing after unzip`);
  return result;
}

/** Everything the local fallback downloads: Kafka and Elasticsearch. */
export async function fetchAll(): Promise<{ kafka: KafkaArtifacts; elasticsearch: ElasticsearchArtifacts }> {
  const [kafka, elasticsearch] = await Promise.all([fetchKafka(), fetchElasticsearch()]);
  return { kafka, elasticsearch };
}

export function listJars(libs: string): string[] {
  return readdirSync(libs).filter((f) => f.endsWith('.jar'));
}
