// Built-in policies. DEFAULT_POLICY is what an empty policy document means; the templates are
// starting points users copy (or name in a rollout: `policy: "batch-upgrade"`).
import { policySchema, type Policy, type PolicyInput } from './schema.js';

/** The default signal catalogue: names are part of the public contract (reasons, series, policies). */
export const DEFAULT_SIGNALS = {
  // mustPass: failing one of these alone is a no-go; the others only lower the score.
  // minDelta 0: practical significance is relative (judge.allowedIncrease) plus, for counts, a floor
  // of a few events beyond it (judge/compare.ts), which scales with the baseline's rate and the
  // exposure; a fixed "1 line/min" hid a 9x rise of a low error rate.
  http_error_rate: { group: 'errors', mustPass: true, minDelta: 0, unit: 'ratio' },
  error_log_rate: { group: 'errors', mustPass: true, minDelta: 0, unit: 'lines/min' },
  fatal_log_rate: { group: 'errors', minDelta: 0, unit: 'lines/min' },
  log_templates: { group: 'errors', unit: 'templates' },
  latency: { group: 'latency', mustPass: true, minDelta: 0, unit: 'ms' },
  restarts: { group: 'stability', mustPass: true, minDelta: 0, unit: 'restarts/min' },
  nonzero_exits: { group: 'stability', mustPass: true, minDelta: 0, unit: 'exits/min' },
  health_check_failures: { group: 'stability', mustPass: true, minDelta: 0, unit: 'failures/min' },
  cpu_ratio: { group: 'resources', allowedIncrease: 0.2, minDelta: 0.05, unit: 'ratio' },
} as const satisfies Record<string, PolicyInput['signals'] extends infer S ? (S extends Record<string, infer V> ? V : never) : never>;

export const DEFAULT_POLICY_INPUT = {
  kind: 'canary',
  name: 'default',
  description: 'Canary vs baseline with always-valid sequential tests (pooled rate ratios, log-shift mixture SPRT), critical signals and absolute thresholds.',
  analysis: { interval: '1m', lateness: '30s', plannedLooks: 60, retainWindows: 720, decideBy: '15m', onMarginal: 'no-go' },
  judge: {
    alpha: 0.01,
    spending: 'pocock',
    tailShare: 0.1,
    allowedIncrease: 0.1,
    minSamples: { canary: 6, baseline: 6 },
    minRequestsPerSample: 20,
  },
  scoring: {
    pass: 95,
    marginal: 75,
    marginalDecision: 'pending',
    groups: { errors: 35, stability: 25, latency: 25, resources: 15 },
  },
  signals: DEFAULT_SIGNALS,
  thresholds: {
    errorRate: 0.1,
    errorRateMinRequests: 50,
    unavailableFor: '5m',
    instancesOnlineMin: 0.95,
    cpu: { max: 0.85, sustainedFor: '2m' },
    // 3 failed probes is Kubernetes' default failureThreshold; 20% of probes failing is a rollback
    // on its own, whatever the baseline does, as long as the baseline is well below it.
    failedProbes: { ratio: 0.2, minFailed: 4, within: '5m' },
  },
  critical: { oomKills: 1, crashLoop: { restarts: 3, within: '5m' }, nonZeroExits: 3 },
  noData: { timeout: '10m', onCanaryMissing: 'no-go' },
  logTemplates: {
    enabled: true,
    minLevel: 'warn',
    minNewCount: 3,
    minOccurrences: 5,
    minInstances: 2,
    alpha: 0.001,
    minRateRatio: 3,
    maxTemplates: 500,
  },
  attribution: { enabled: true, alpha: 0.05, attributes: [], onEnvironment: 'no-go' },
  inventory: {
    // CVE-2024-21626 ("Leaky Vessels", container escape via leaked fd) is fixed in runc 1.1.12.
    minRuncVersion: '1.1.12',
    // overlay2 needs kernel >= 4.0 (RHEL/CentOS 7 backported it to 3.10.0-514).
    overlay2MinKernel: '4.0',
    deprecatedStorageDrivers: ['devicemapper', 'aufs', 'overlay'],
    // Conservative floors: the containerd releases each Docker engine line was built and tested with.
    containerdMinForEngine: { '20.10': '1.4.0', '23.0': '1.6.0', '24.0': '1.6.0', '25.0': '1.6.0', '26.0': '1.7.0', '27.0': '1.7.0' },
  },
  batch: { size: 1, interval: '5m', timeout: '15m', rollbackOnFailure: true },
  overrides: { services: {}, rollouts: {} },
} satisfies PolicyInput;

export const DEFAULT_POLICY: Policy = Object.freeze(policySchema.parse(DEFAULT_POLICY_INPUT)) as Policy;

/** Named starting points. Each is a partial document merged over DEFAULT_POLICY. */
export const POLICY_TEMPLATES: Record<string, PolicyInput> = {
  default: { name: 'default' },
  strict: {
    name: 'strict',
    description: 'Payment-path services: any 5% regression fails, error rate ceiling 2%.',
    judge: { allowedIncrease: 0.05 },
    thresholds: { errorRate: 0.02 },
    noData: { onCanaryMissing: 'no-go', timeout: '5m' },
  },
  lenient: {
    name: 'lenient',
    description: 'Noisy batch-like services: 25% allowed regression, marginal scores keep watching.',
    judge: { allowedIncrease: 0.25 },
    scoring: { pass: 90, marginal: 60 },
    noData: { onCanaryMissing: 'pending' },
  },
  'batch-upgrade': {
    kind: 'batch',
    name: 'batch-upgrade',
    description:
      'Rolling upgrade in batches (label `batch`): pre-check >= 95% online and healthy, during (3m soak) CPU < 85% for 2m and error rate <= 10%, post all instances on the target version within 8m.',
    batch: { size: 3, interval: '3m', timeout: '8m', rollbackOnFailure: true },
  },
  'batch-upgrade-careful': {
    kind: 'batch',
    name: 'batch-upgrade-careful',
    description: 'Single-instance batches with a longer soak and stricter CPU and error ceilings.',
    batch: { size: 1, interval: '10m', timeout: '20m', rollbackOnFailure: true },
    thresholds: { instancesOnlineMin: 1, errorRate: 0.05, cpu: { max: 0.75, sustainedFor: '2m' } },
  },
};
