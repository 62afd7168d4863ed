// Locating and reading the Loghub-2k sample (the only file I/O of the Loghub evaluation). The data
// lives next to the repository, not in it: <repo>/../shared/data/loghub-2k (see its README for the
// source and licence). LOGHUB_DIR overrides the location (e.g. from a git worktree elsewhere).
import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { join, resolve } from "node:path";
import { parseLoghubCsv, type LoghubSet } from "./loghub.js";

/** The 8 sets shared with this repository, in the order the README lists them. */
export const LOGHUB_SETS = ["HDFS", "Hadoop", "Spark", "Zookeeper", "BGL", "HPC", "Linux", "Proxifier"] as const;

/** Repository root, from this file's place in packages/logtemplates/{src,dist}/loghub/. */
export function repoRoot(): string {
  return resolve(fileURLToPath(new URL("../../../../", import.meta.url)));
}

export function loghubDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.LOGHUB_DIR ? resolve(env.LOGHUB_DIR) : join(repoRoot(), "..", "shared", "data", "loghub-2k");
}

/** Reads all 8 sets; throws a clear error naming the expected location when any is missing. */
export function loadLoghubSets(dir: string = loghubDir()): LoghubSet[] {
  const missing = LOGHUB_SETS.filter((s) => !existsSync(join(dir, `${s}_2k.log_structured.csv`)));
  if (missing.length > 0) {
    throw new Error(
      `Loghub-2k data not found: ${dir} lacks ${missing.map((s) => `${s}_2k.log_structured.csv`).join(", ")} ` +
        `(expected at <repo>/../shared/data/loghub-2k, or set LOGHUB_DIR)`,
    );
  }
  return LOGHUB_SETS.map((s) => parseLoghubCsv(s, readFileSync(join(dir, `${s}_2k.log_structured.csv`), "utf8")));
}
