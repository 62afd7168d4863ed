// Public surface of @rollwatch/logtemplates.
export { TemplateMiner, type AddResult, type MatchResult, type TemplateInfo } from "./miner/miner.js";
export { DEFAULT_MINER_OPTIONS, resolveOptions, type MinerOptions } from "./miner/options.js";
export { MASK_NAMES, DEFAULT_MASKS, WILDCARD, isMaskName, maskWith, type MaskName } from "./miner/masks.js";
export { preprocess, tokenize, extractJsonMessage, stripKlog, stripSyslog, normaliseAccessLog, DEFAULT_JSON_MESSAGE_KEYS } from "./miner/preprocess.js";
export { extractParameters } from "./miner/params.js";
export { templateId, fnv1a32 } from "./miner/ids.js";
export {
  diffTemplates,
  DEFAULT_DIFF_OPTIONS,
  DIFF_TEST_NAME,
  type DiffOptions,
  type GroupLogStats,
  type TemplateChange,
  type TemplateDiff,
  type TemplateStat,
} from "./diff/diff.js";
export { binomialUpperTail, binomialLowerTail } from "./diff/stats.js";
export {
  groupingAccuracy,
  digitMaskBaseline,
  evaluateDataset,
  runAccuracyReport,
  type AccuracyReport,
  type FormatAccuracy,
} from "./accuracy/accuracy.js";
export { generateAllDatasets, generateDataset, DATASET_FORMATS, type LabelledDataset, type Labelled } from "./dataset/generate.js";
export { templatesCommand, type TemplatesIo } from "./cli/cli.js";
export { parseArgs as parseTemplatesArgs, USAGE as TEMPLATES_USAGE } from "./cli/cli-args.js";
export { runBench, measureThroughput, type ThroughputResult } from "./bench/bench.js";
export { measureCliThroughput, type CliThroughputResult } from "./bench/cli-throughput.js";
export { writeMixedFile } from "./bench/mixed-file.js";
export {
  DRAIN_PUBLISHED_GA,
  evaluateLoghubSet,
  parseLoghubCsv,
  runLoghubReport,
  type LoghubReport,
  type LoghubSet,
  type LoghubSetResult,
} from "./loghub/loghub.js";
export { LOGHUB_SETS, loadLoghubSets, loghubDir } from "./loghub/loghub-files.js";
