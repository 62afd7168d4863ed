// Download progress for `rollwatch stack`'s first run (hundreds of MB from Maven Central through Maven,
// which prints nothing with -q): the bytes that landed in Maven's local repository so far, against the
// size Maven Central announces for the big Elasticsearch zip. One line rewritten in place on a TTY;
// nothing at all when disabled (piped stderr, --json).
import { existsSync, readdirSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { cacheDir, ES_VERSION, KAFKA_VERSION } from '@rollwatch/testkit';

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ['KB', 'MB', 'GB'];
  let v = n / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v.toFixed(1)} ${units[i]}`;
}

export interface DownloadItem {
  name: string;
  bytes: number;
  /** Announced size, when known. */
  total?: number;
}

/** "Elasticsearch 85.3 MB / 540.1 MB (16%) · Kafka 12.0 MB": bytes and, where known, the total. */
export function formatProgress(items: DownloadItem[]): string {
  return items
    .map((i) => (i.total ? `${i.name} ${formatBytes(i.bytes)} / ${formatBytes(i.total)} (${Math.min(100, Math.floor((i.bytes / i.total) * 100))}%)` : `${i.name} ${formatBytes(i.bytes)}`))
    .join(' · ');
}

/** Total size of the files under `dir` (0 when missing). */
export function treeBytes(dir: string): number {
  if (!existsSync(dir)) return 0;
  let total = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    try {
      if (entry.isDirectory()) total += treeBytes(p);
      else if (entry.isFile()) total += statSync(p).size;
    } catch {
      /* a temp file Maven renamed meanwhile */
    }
  }
  return total;
}

const M2 = path.join(os.homedir(), '.m2', 'repository');
const ES_DIR = path.join(M2, 'org', 'elasticsearch', 'distribution', 'integ-test-zip', 'elasticsearch', ES_VERSION);
const ES_URL = `https://repo1.maven.org/maven2/org/elasticsearch/distribution/integ-test-zip/elasticsearch/${ES_VERSION}/elasticsearch-${ES_VERSION}.zip`;

async function announcedSize(url: string): Promise<number | undefined> {
  try {
    const res = await fetch(url, { method: 'HEAD', signal: AbortSignal.timeout(5000) });
    const n = Number(res.headers.get('content-length'));
    return res.ok && n > 0 ? n : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Shows what the test kit's Maven downloads have written so far, every 500 ms, while enabled and
 * something is missing from the cache. `stop()` clears the line.
 */
export function downloadProgress(out: NodeJS.WritableStream, options: { enabled: boolean; intervalMs?: number }): { stop: () => void } {
  const cached = (dir: string) => existsSync(path.join(cacheDir(), dir, '.rollwatch-complete'));
  const needEs = !cached(`elasticsearch-${ES_VERSION}`) && !process.env.ELASTICSEARCH_URL;
  const needKafka = !cached(`kafka-${KAFKA_VERSION}`) && !process.env.KAFKA_BROKERS;
  if (!options.enabled || (!needEs && !needKafka)) return { stop: () => undefined };
  const esStart = treeBytes(ES_DIR);
  const m2Start = treeBytes(M2);
  let esTotal: number | undefined;
  if (needEs) void announcedSize(ES_URL).then((n) => (esTotal = n));
  let shown = false;
  const timer = setInterval(() => {
    const es = treeBytes(ES_DIR) - esStart;
    const all = treeBytes(M2) - m2Start;
    const items: DownloadItem[] = [];
    if (needEs) items.push({ name: 'Elasticsearch', bytes: Math.max(0, es), total: esTotal });
    if (needKafka) items.push({ name: needEs ? 'Kafka and Maven plugins' : 'Kafka', bytes: Math.max(0, all - es) });
    out.write(`\r\u001b[2Kdownloading from Maven Central: ${formatProgress(items)}`);
    shown = true;
  }, options.intervalMs ?? 500);
  timer.unref();
  return {
    stop: () => {
      clearInterval(timer);
      if (shown) out.write('\r\u001b[2K');
    },
  };
}
