// Deterministic generator for the labelled accuracy dataset in data/labelled/*.ndjson.
// Every line is {"line": raw log line, "template": true template label}; labels are the format
// strings the generator renders, so the truth is exact, not hand-annotated.
// Regenerate with: npx tsc -b packages/logtemplates && node packages/logtemplates/dist/dataset/generate.js
// (writes packages/logtemplates/data/labelled/). The library functions below are pure; only the
// main block at the bottom touches the file system.
import type { Labelled } from "./prng.js";
import { javaStacktrace, jsonApp, nginxAccess } from "./formats-app.js";
import { apacheError, goPanics } from "./formats-server.js";
import { kubernetesKlog, systemdKernel } from "./formats-system.js";

export type { Labelled } from "./prng.js";

export interface LabelledDataset {
  format: string;
  records: Labelled[];
}

/** format name, seed, generator; seeds are fixed so the files are byte-for-byte reproducible. */
const FORMATS: readonly (readonly [string, number, (seed: number, n: number) => Labelled[]])[] = [
  ["json-app", 101, jsonApp],
  ["java-stacktrace", 202, javaStacktrace],
  ["nginx-access", 303, nginxAccess],
  ["apache-error", 404, apacheError],
  ["go-panic", 505, goPanics],
  ["systemd-kernel", 606, systemdKernel],
  ["kubernetes-klog", 707, kubernetesKlog],
];

export const DATASET_FORMATS: readonly string[] = FORMATS.map(([f]) => f);
export const LINES_PER_FORMAT = 300;

export function generateDataset(format: string, lines = LINES_PER_FORMAT, seedOffset = 0): LabelledDataset {
  const spec = FORMATS.find(([f]) => f === format);
  if (!spec) throw new RangeError(`unknown dataset format: ${format}`);
  return { format, records: spec[2](spec[1] + seedOffset, lines).slice(0, lines) };
}

export function generateAllDatasets(lines = LINES_PER_FORMAT): LabelledDataset[] {
  return DATASET_FORMATS.map((f) => generateDataset(f, lines));
}

export function toNdjson(records: readonly Labelled[]): string {
  return records.map((r) => JSON.stringify({ line: r.line, template: r.template })).join("\n") + "\n";
}

export function parseNdjson(text: string): Labelled[] {
  return text
    .split("\n")
    .filter((l) => l.trim() !== "")
    .map((l) => JSON.parse(l) as Labelled);
}

async function main(): Promise<void> {
  const { mkdir, writeFile } = await import("node:fs/promises");
  const { join, dirname } = await import("node:path");
  const { fileURLToPath } = await import("node:url");
  const here = dirname(fileURLToPath(import.meta.url));
  const outDir = process.argv[2] ?? join(here, "..", "..", "data", "labelled");
  await mkdir(outDir, { recursive: true });
  for (const ds of generateAllDatasets()) {
    await writeFile(join(outDir, `${ds.format}.ndjson`), toNdjson(ds.records));
    process.stdout.write(`${ds.format}: ${ds.records.length} lines\n`);
  }
}

if (process.argv[1] && import.meta.url === (await import("node:url")).pathToFileURL(process.argv[1]).href) {
  await main();
}
