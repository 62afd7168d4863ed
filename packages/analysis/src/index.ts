// Public surface of @rollwatch/analysis: the pure analysis engine.
export * from './engine-api.js';
export { Engine, createEngine, restoreEngine, type EngineOptions, type EngineSnapshot, type ProviderSamples } from './engine.js';
export { snapshotEntryId, type DormantHead, type PackedEntry } from './state/dormant.js';
export { analyzeEvents, analyzeEventsSync, Replay, DEFAULT_IDLE_MS, type AnalyzeOptions, type AnalyzeResult, type ReplayStats } from './replay.js';
export { analyzeCommand, parseAnalyzeArgs, ANALYZE_USAGE, type AnalyzeIo, type AnalyzeArgs } from './cli.js';

export * from './policy/schema.js';
export * from './policy/defaults.js';
export * from './policy/parse.js';
export { parseDuration, formatDuration } from './policy/duration.js';

export type { MetricProvider, MetricQuery, MetricSample, SampleGroup } from './metrics/interface.js';
export { EventsMetricProvider, type SampleSource } from './metrics/events-provider.js';
export { NoopMetricProvider } from './metrics/noop-provider.js';
export { createMetricProvider, type BuiltinMetricProviderKind } from './metrics/factory.js';
export { BUILTIN_SIGNALS, TEMPLATE_SIGNAL, type SignalDefinition } from './signals/catalog.js';
export { comparativeSignals } from './judge/evaluate.js';
export { signalAlpha } from './judge/compare.js';
export { KNOWN_METRICS, classifyMetric, type MetricKind } from './state/metrics.js';

export * from './stats/normal.js';
export * from './stats/mann-whitney.js';
export * from './stats/fisher.js';
export * from './stats/effect-size.js';
export * from './stats/alpha-spending.js';
export * from './stats/rate-ratio.js';
export * from './stats/log-shift.js';
export { compareVersions, versionAtLeast } from './attribution/versions.js';

// Labelled synthetic rollouts (tests, fixtures, demo, benchmark).
export { generateScenario, SCENARIO_KINDS, DEFAULT_START, type Scenario, type ScenarioKind, type ScenarioLabel, type ScenarioOptions } from './scenarios/kinds.js';
export { generateSuite, GOOD_KINDS, BAD_KINDS, type Suite, type SuiteOptions } from './scenarios/suite.js';
export { FIXTURE_SET, fixtureFile, scenarioToNdjson, type FixtureEntry } from './scenarios/fixtures.js';
export { Rng } from './scenarios/rng.js';
// The judge-independent corpus (issue 15): fault sizes drawn from a spec, rollouts in arrival order.
export { corpusEvents, corpusLabels, corpusNdjson, corpusPlan, corpusRollout, corpusRollouts, DEFAULT_CORPUS_COUNT, type CorpusLabel, type CorpusOptions, type CorpusPlanEntry, type CorpusRollout } from './scenarios/corpus.js';
export { CORPUS_SPEC, CORPUS_KINDS, CORPUS_BAD_KINDS, CORPUS_GOOD_KINDS, type CorpusKind, type CorpusBadKind } from './scenarios/corpus-spec.js';
export { LineSplitter, DEFAULT_MAX_LINE_BYTES } from './line-splitter.js';
export { RunWriter, mergeRuns, RUN_EVENTS, type ScratchIo, type ScratchFile } from './external-sort.js';
