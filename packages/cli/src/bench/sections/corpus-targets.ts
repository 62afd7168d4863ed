// The targets for the corpus (issue 15), shared by the section, the summary and BENCHMARKS.md.

/** Median time to detect (seconds after the fault starts), per fault kind. */
export const TTD_TARGET_SECONDS: Readonly<Record<string, number>> = Object.freeze({
  'crash-loop': 30,
  'oom-kill': 30,
  'failed-probes': 90,
  'http-error-ratio': 180,
  latency: 240,
  'new-error-template': 180,
  'error-log-rate': 480,
});
export const RECALL_TARGET = 0.97;
export const FPR_TARGET = 0.01;
