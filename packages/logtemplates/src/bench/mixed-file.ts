// The mixed input for the CLI throughput bench: all generated formats interleaved, written to a
// file in bounded chunks (never held whole in memory).
import { createWriteStream } from "node:fs";
import { once } from "node:events";
import { DATASET_FORMATS, generateDataset } from "../dataset/generate.js";

/** Writes `lines` lines cycling through the formats; each format is generated in blocks of fresh seeds. */
export async function writeMixedFile(path: string, lines: number, block = 20_000): Promise<void> {
  const out = createWriteStream(path);
  let written = 0;
  for (let round = 0; written < lines; round++) {
    const sets = DATASET_FORMATS.map((f, i) => generateDataset(f, block, 10_000 + round * 100 + i).records);
    const parts: string[] = [];
    for (let i = 0; i < block && written < lines; i++) {
      for (const s of sets) {
        if (written >= lines) break;
        parts.push((s[i] as { line: string }).line);
        written++;
      }
    }
    if (!out.write(parts.join("\n") + "\n")) await once(out, "drain");
  }
  out.end();
  await once(out, "finish");
}
