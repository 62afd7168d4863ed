// Writes the judge-independent corpus as files a user (or another tool) can replay:
// <dir>/corpus.ndjson (events in arrival order) and <dir>/labels.json (one label per rollout).
import { createWriteStream } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { mkdir } from 'node:fs/promises';
import { once } from 'node:events';
import path from 'node:path';
import { corpusNdjson, type CorpusLabel, type CorpusOptions } from '@rollwatch/analysis';

export interface CorpusFiles {
  events: string;
  labels?: string;
  lines: number;
  bytes: number;
  rollouts: number;
}

/** Streams NDJSON lines into `file`; stops after `stop(lines, bytes)` says so. */
export async function writeNdjson(file: string, lines: Iterable<string>, stop: (lines: number, bytes: number) => boolean = () => false): Promise<{ lines: number; bytes: number }> {
  const out = createWriteStream(file);
  let count = 0;
  let bytes = 0;
  let chunk = '';
  const flush = async (): Promise<void> => {
    if (!out.write(chunk)) await once(out, 'drain');
    chunk = '';
  };
  for (const line of lines) {
    chunk += `${line}\n`;
    count++;
    bytes += Buffer.byteLength(line) + 1;
    if (chunk.length >= 1 << 20) await flush();
    if (stop(count, bytes)) break;
  }
  await flush();
  out.end();
  await once(out, 'finish');
  return { lines: count, bytes };
}

export async function writeCorpus(dir: string, options: CorpusOptions, withLabels = true, stop?: (lines: number, bytes: number) => boolean): Promise<CorpusFiles> {
  await mkdir(dir, { recursive: true });
  const events = path.join(dir, 'corpus.ndjson');
  const all: CorpusLabel[] = [];
  const { lines, bytes } = await writeNdjson(events, corpusNdjson(options, (label) => all.push(label)), stop);
  const files: CorpusFiles = { events, lines, bytes, rollouts: all.length };
  if (withLabels) {
    files.labels = path.join(dir, 'labels.json');
    await writeFile(files.labels, `${JSON.stringify({ seed: options.seed, count: all.length, labels: all }, null, 1)}\n`);
  }
  return files;
}
