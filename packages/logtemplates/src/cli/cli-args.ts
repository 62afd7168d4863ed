// Argument parsing for `rollwatch templates`. Pure: returns a parsed command or a usage error
// (the caller prints it and exits 2).
import { DEFAULT_DIFF_OPTIONS, type DiffOptions } from "../diff/diff.js";
import { isMaskName, MASK_NAMES, type MaskName } from "../miner/masks.js";
import { DEFAULT_MINER_OPTIONS, resolveOptions, type MinerOptions } from "../miner/options.js";

export const USAGE = `Usage:
  rollwatch templates <file|-> [--json] [miner options]
      Mine log templates from one message per line ("-" reads stdin). Prints a table of templates
      (count, id, template, first example) sorted by count. With --json prints one object per
      input line, in order: {"line":<n>,"templateId":"<id>","template":"<template>"}.
  rollwatch templates diff <baseline-file> <canary-file> [--json] [diff options] [miner options]
      Templates new in the canary, whose rate rose significantly, or gone. --json prints one
      JSON document.

Miner options (defaults are the detector's):
  --sim-threshold <0..1>   similarity needed to join a template   (default ${DEFAULT_MINER_OPTIONS.simThreshold})
  --depth <n>=3..          parse tree depth                        (default ${DEFAULT_MINER_OPTIONS.depth})
  --max-children <n>       max children per tree node              (default ${DEFAULT_MINER_OPTIONS.maxChildren})
  --max-clusters <n>       max templates kept (LRU eviction)       (default ${DEFAULT_MINER_OPTIONS.maxClusters})
  --max-line-length <n>    longer lines are cut, with a note        (default ${DEFAULT_MINER_OPTIONS.maxLineLength})
  --no-mask <name>         disable a mask (repeatable): ${MASK_NAMES.join(", ")}
Diff options:
  --min-occurrences <n>    min canary count for a new/rose template (default ${DEFAULT_DIFF_OPTIONS.minOccurrences})
  --alpha <p>              significance level                      (default ${DEFAULT_DIFF_OPTIONS.alpha})
  --min-rate-ratio <x>     min canary/baseline rate ratio for rose (default ${DEFAULT_DIFF_OPTIONS.minRateRatio})
  -h, --help               show this help
Exit codes: 0 ok, 1 input could not be read, 2 bad arguments.`;

export type ParsedArgs =
  | { kind: "help" }
  | { kind: "mine"; input: string; json: boolean; miner: MinerOptions }
  | { kind: "diff"; baseline: string; canary: string; json: boolean; miner: MinerOptions; diff: DiffOptions };

export class UsageError extends Error {}

const VALUE_FLAGS = new Set([
  "--sim-threshold", "--depth", "--max-children", "--max-clusters", "--max-line-length", "--no-mask",
  "--min-occurrences", "--alpha", "--min-rate-ratio",
]);

function num(flag: string, v: string, integer: boolean): number {
  const n = Number(v);
  if (v.trim() === "" || !Number.isFinite(n) || (integer && !Number.isInteger(n))) {
    throw new UsageError(`${flag} expects ${integer ? "an integer" : "a number"}, got "${v}"`);
  }
  return n;
}

export function parseArgs(argv: readonly string[]): ParsedArgs {
  const positional: string[] = [];
  const miner: Partial<MinerOptions> = {};
  const diff: Partial<DiffOptions> = {};
  const disabled = new Set<MaskName>();
  let json = false;
  for (let i = 0; i < argv.length; i++) {
    let arg = argv[i] as string;
    let value: string | undefined;
    if (arg === "-h" || arg === "--help") return { kind: "help" };
    if (arg === "--json") {
      json = true;
      continue;
    }
    if (arg === "-" || !arg.startsWith("-")) {
      positional.push(arg);
      continue;
    }
    const eq = arg.indexOf("=");
    if (eq > 0) [arg, value] = [arg.slice(0, eq), arg.slice(eq + 1)];
    if (!VALUE_FLAGS.has(arg)) throw new UsageError(`unknown option ${arg}`);
    if (value === undefined) {
      value = argv[++i];
      if (value === undefined) throw new UsageError(`${arg} needs a value`);
    }
    switch (arg) {
      case "--sim-threshold": miner.simThreshold = num(arg, value, false); break;
      case "--depth": miner.depth = num(arg, value, true); break;
      case "--max-children": miner.maxChildren = num(arg, value, true); break;
      case "--max-clusters": miner.maxClusters = num(arg, value, true); break;
      case "--max-line-length": miner.maxLineLength = num(arg, value, true); break;
      case "--min-occurrences": diff.minOccurrences = num(arg, value, true); break;
      case "--alpha": diff.alpha = num(arg, value, false); break;
      case "--min-rate-ratio": diff.minRateRatio = num(arg, value, false); break;
      case "--no-mask":
        if (!isMaskName(value)) throw new UsageError(`unknown mask "${value}" (known: ${MASK_NAMES.join(", ")})`);
        disabled.add(value);
        break;
    }
  }
  if (disabled.size > 0) miner.masks = DEFAULT_MINER_OPTIONS.masks.filter((m) => !disabled.has(m));
  let resolved: MinerOptions;
  try {
    resolved = resolveOptions(miner);
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  const d: DiffOptions = { ...DEFAULT_DIFF_OPTIONS, ...diff };
  if (!(d.alpha > 0 && d.alpha < 1)) throw new UsageError("--alpha must be in (0, 1)");
  if (d.minOccurrences < 1) throw new UsageError("--min-occurrences must be >= 1");
  if (d.minRateRatio < 1) throw new UsageError("--min-rate-ratio must be >= 1");

  if (positional[0] === "diff") {
    if (positional.length !== 3) throw new UsageError("diff needs exactly two files: <baseline-file> <canary-file>");
    if (positional[1] === "-" && positional[2] === "-") throw new UsageError("only one of the diff inputs can be stdin");
    return { kind: "diff", baseline: positional[1] as string, canary: positional[2] as string, json, miner: resolved, diff: d };
  }
  if (positional.length === 0) throw new UsageError("missing input: give a file or - for stdin");
  if (positional.length > 1) throw new UsageError(`expected one input, got ${positional.length}: ${positional.join(" ")}`);
  return { kind: "mine", input: positional[0] as string, json, miner: resolved };
}
