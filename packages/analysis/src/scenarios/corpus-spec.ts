// The spec of the judge-independent scenario corpus (issue 15, item 7). Every number here comes from
// the fault sizes the issue lists, or from what a real fleet looks like; NONE was chosen by looking
// at what the judge detects. Each fault size is a range: every rollout draws its own value from it.
// Do not narrow these ranges to make a judge pass: the corpus exists to measure the judge.

/** [low, high]: a value drawn uniformly per rollout (or per instance where said). */
export type Range = readonly [number, number];

export const CORPUS_BAD_KINDS = ['error-log-rate', 'http-error-ratio', 'latency', 'failed-probes', 'new-error-template', 'crash-loop', 'oom-kill'] as const;
export const CORPUS_GOOD_KINDS = ['good', 'good-noisy-baseline', 'good-slow-baseline-instance', 'good-new-info-template', 'good-low-traffic', 'good-baseline-restarts', 'host-kernel-fault'] as const;
export const CORPUS_KINDS = [...CORPUS_BAD_KINDS, ...CORPUS_GOOD_KINDS] as const;
export type CorpusKind = (typeof CORPUS_KINDS)[number];
export type CorpusBadKind = (typeof CORPUS_BAD_KINDS)[number];

export const CORPUS_SPEC = {
  /** Fleet shape. */
  canaries: [1, 3] as Range,
  baselines: [3, 6] as Range,
  durationMinutes: 20,
  /** When the fault begins, minutes after the rollout's first event. */
  faultStartMinutes: [2, 6] as Range,
  /** Rollouts start this far apart (so several overlap in one file, as in a real event log). */
  rolloutSpacingSeconds: [45, 135] as Range,

  /** Cadences: log lines stamped in 10-s flushes, 15-s metric reports, 30-s probes. */
  logFlushMs: 10_000,
  metricReportMs: 15_000,
  probeMs: 30_000,

  /** Delivery: every event arrives up to this long after its event time, so the file is shuffled
   * within the default allowed lateness (30 s) and nothing is late. */
  maxArrivalDelayMs: 25_000,

  /** Healthy behaviour of every instance (drawn per rollout). */
  healthy: {
    logLinesPerMin: [4, 8] as Range, // ~6 lines/min per instance, all levels
    errorLogsPerMin: [0.05, 0.3] as Range, // background error lines (known templates)
    warnLogsPerMin: [0.1, 0.6] as Range,
    requestsPerSec: [2, 30] as Range, // per instance
    httpErrorRatio: [0.002, 0.01] as Range, // 0.2-1 %
    latencyMedianMs: [40, 400] as Range,
    latencyReportNoise: [0.03, 0.08] as Range, // sd of log(latency) between 15-s reports
    probeFailure: [0.005, 0.015] as Range, // ~1 % of probes fail in a healthy fleet
    cpu: [0.15, 0.5] as Range,
    /** Instances of one version differ a little (load balancing, hardware). Per instance. */
    instanceSpread: { traffic: [0.85, 1.15] as Range, latency: [0.93, 1.07] as Range, errors: [0.85, 1.15] as Range },
  },

  /** Release faults: the canary instances change at the fault start. */
  faults: {
    /** Extra error lines per canary instance per minute (known templates, not new ones). */
    errorLogRateIncreasePerMin: [0.3, 1] as Range,
    /** The canary's HTTP error ratio is the baseline's times this. */
    httpErrorRatioFactor: [4, 6] as Range,
    /** Canary latency +30-40 %. */
    latencyIncrease: [0.3, 0.4] as Range,
    /** Share of the canary's probes that fail. */
    failedProbeFraction: [0.3, 0.6] as Range,
    /** A new error-level template, per canary instance per minute. */
    newErrorTemplatePerMin: [0.5, 2] as Range,
    /** Crash loop: container up this long after each restart, restarts backed off as Kubernetes does. */
    crashUptimeSeconds: [2, 30] as Range,
    /** OOM kill: the leak takes this long to exhaust memory after each restart. */
    oomUptimeSeconds: [60, 240] as Range,
    /** Kubernetes CrashLoopBackOff: 10 s doubling to 5 min. */
    restartBackoffSeconds: { first: 10, cap: 300 },
  },

  /** Good rollouts: what a healthy canary next to a realistic, imperfect baseline looks like. */
  good: {
    /** Noisy baselines: wider instance spread and short error bursts on baseline instances. */
    noisyBaselineSpread: { latency: [0.85, 1.2] as Range, errors: [0.6, 1.6] as Range },
    noisyLatencyReportNoise: [0.08, 0.16] as Range,
    /** Bursts per baseline instance-minute, each 1-2 min of extra error lines and x3 HTTP errors. */
    burstsPerInstanceMinute: 1 / 15,
    burstErrorLogsPerMin: [2, 5] as Range,
    /** One slow baseline instance (bad node, noisy neighbour). */
    slowBaselineLatencyFactor: [1.5, 2.5] as Range,
    /** Benign new info-level lines per canary per minute (a feature flag message). */
    newInfoTemplatePerMin: [0.5, 3] as Range,
    /** Low traffic: requests per second per instance. */
    lowTrafficRequestsPerSec: [0.02, 0.3] as Range,
    /** Baseline restarts: this many baseline instances restart once (node drain: exit 0 or 143). */
    baselineRestarts: [1, 2] as Range,
    /** Host-kernel fault: share of hosts on the bad kernel (at least one canary and one baseline). */
    badKernelHostShare: [0.3, 0.5] as Range,
    /** Seconds between kernel-induced crashes of an affected instance. */
    kernelCrashEverySeconds: [30, 120] as Range,
  },
} as const;

/** Exit codes a crashing release process uses (config error, panic, unhandled exception). */
export const CRASH_EXIT_CODES = [1, 2, 134, 255] as const;
