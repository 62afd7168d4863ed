// Miner options and their defaults. The detector service mines with exactly DEFAULT_MINER_OPTIONS,
// and the CLI's flags default to them, so a template seen in `rollwatch templates` is the one the
// detector reports.
import { DEFAULT_MASKS, type MaskName } from "./masks.js";
import { DEFAULT_JSON_MESSAGE_KEYS, type PreprocessOptions } from "./preprocess.js";

export interface MinerOptions extends PreprocessOptions {
  /** Minimum share of equal tokens (0..1) for a message to join an existing cluster. */
  simThreshold: number;
  /** Tree depth as in Drain3: root + token-count layer + (depth - 3) first-token layers + leaves. >= 3. */
  depth: number;
  /** Max children per internal node; further distinct tokens share the wildcard child. */
  maxChildren: number;
  /** Max live clusters; the least recently matched one is evicted beyond this. */
  maxClusters: number;
  /** Example lines kept per cluster (the first ones seen), and their max length. */
  maxExamples: number;
  maxExampleLength: number;
  /** Enabled masks, applied in MASK_NAMES order. */
  masks: readonly MaskName[];
  /** Extra token delimiters besides whitespace (e.g. "=" or ","). */
  extraDelimiters: readonly string[];
  /**
   * Lines a word must have held at a template position before a different word there starts a new
   * template instead of turning the position into a variable (see tree.ts blocksMerge).
   */
  constantEvidence: number;
  /**
   * Two different capitalised or upper-case words at one position ("VM Started" / "VM Stopped",
   * "GET" / "POST") keep two templates apart from the first line, without waiting for
   * `constantEvidence` (see tree.ts messageWord). Turn off for logs whose variables are such words.
   */
  messageWords: boolean;
  /** Different words seen at one position (all else equal) that make it a variable (miner.ts varietyMerge). */
  wordVariety: number;
  /** Share of the most frequent word above which a varied position stays constant (miner.ts varietyMerge). */
  dominantShare: number;
  /** Drain3's rule: a first token containing a digit is routed to the wildcard branch. */
  parametrizeNumericTokens: boolean;
}

// simThreshold 0.4 and depth 4 are Drain3's defaults and gave the best average on the labelled
// dataset (0.5 splits access logs with different methods; 0.3 starts merging distinct events).
export const DEFAULT_MINER_OPTIONS: Readonly<MinerOptions> = Object.freeze({
  simThreshold: 0.5,
  depth: 4,
  maxChildren: 100,
  maxClusters: 1000,
  maxExamples: 3,
  maxExampleLength: 512,
  masks: DEFAULT_MASKS,
  extraDelimiters: [],
  constantEvidence: 5,
  messageWords: true,
  wordVariety: 3,
  dominantShare: 0.8,
  parametrizeNumericTokens: true,
  jsonMessageKeys: DEFAULT_JSON_MESSAGE_KEYS,
  stripKlogHeader: true,
  stripSyslogHeader: true,
  normaliseAccessLog: true,
  maxLineLength: 8192,
});

/** Merge and validate; throws RangeError on nonsense so the CLI can exit 2 with the message. */
export function resolveOptions(opts: Partial<MinerOptions> = {}): MinerOptions {
  const o: MinerOptions = { ...DEFAULT_MINER_OPTIONS, ...opts };
  const check = (ok: boolean, msg: string): void => {
    if (!ok) throw new RangeError(msg);
  };
  check(Number.isFinite(o.simThreshold) && o.simThreshold >= 0 && o.simThreshold <= 1, "simThreshold must be in [0, 1]");
  check(Number.isInteger(o.depth) && o.depth >= 3, "depth must be an integer >= 3");
  check(Number.isInteger(o.maxChildren) && o.maxChildren >= 2, "maxChildren must be an integer >= 2");
  check(Number.isInteger(o.maxClusters) && o.maxClusters >= 1, "maxClusters must be an integer >= 1");
  check(Number.isInteger(o.maxExamples) && o.maxExamples >= 0, "maxExamples must be an integer >= 0");
  check(Number.isInteger(o.constantEvidence) && o.constantEvidence >= 1, "constantEvidence must be an integer >= 1");
  check(Number.isInteger(o.wordVariety) && o.wordVariety >= 2, "wordVariety must be an integer >= 2");
  check(Number.isInteger(o.maxLineLength) && o.maxLineLength >= 1, "maxLineLength must be an integer >= 1");
  return o;
}
