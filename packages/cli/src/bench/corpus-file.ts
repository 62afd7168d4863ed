// Writes the judge-independent corpus as files a user (or another tool) can replay:
// <dir>/corpus.ndjson (events in arrival order) and <dir>/labels.json (one label per rollout).
import { createWriteStream } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { once } from 'node:events';
import path from 'node:path';
import { corpusNdjson, type CorpusLabel, type CorpusOptions } from '@rollwatch/analysis';

export interface CorpusFiles {
  events: string;
  labels: string;
  lines: number;
  bytes: number;
}

export async function writeCorpus(dir: string, options: CorpusOptions): Promise<CorpusFiles> {
  await mkdir(dir, { recursive: true });
  const events = path.join(dir, 'corpus.ndjson');
  const labels = path.join(dir, 'labels.json');
  const out = createWriteStream(events);
  let lines = 0;
  let bytes = 0;
  let chunk = '';
  const flush = async (): Promise<void> => {
    if (!out.write(chunk)) await once(out, 'drain');
    chunk = '';
  };
  const all: CorpusLabel[] = [];
  for (const line of corpusNdjson(options, (label) => all.push(label))) {
    chunk += `${line}\n`;
    lines++;
    bytes += Buffer.byteLength(line) + 1;
    if (chunk.length >= 1 << 20) await flush();
  }
  await flush();
  out.end();
  await once(out, 'finish');
  await writeFile(labels, `${JSON.stringify({ seed: options.seed, count: all.length, labels: all }, null, 1)}\n`);
  return { events, labels, lines, bytes };
}
