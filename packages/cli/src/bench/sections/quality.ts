// Detection quality on the labelled synthetic suite: rollwatch's judge (the replay of the same
// engine the detector runs) vs the Flagger-style and Kayenta-style baselines, all in event time.
// Baselines only understand canary-vs-reference analysis, so they are scored on the canary
// scenarios; rollwatch is scored on those and on the whole suite (batch upgrades included).
import type { RollwatchEvent } from '@rollwatch/core';
import * as analysis from '@rollwatch/analysis';
import { analyzeEventsSync } from '@rollwatch/analysis';
import { createBaseline, type BaselineKind } from '../baselines/factory.js';
import { confusionOf, detectionMetrics, median, round, type DetectionMetrics } from '../stats.js';

export interface RolloutOutcome {
  rollout: string;
  kind: string;
  bad: boolean;
  flagged: boolean;
  /** Seconds from the start of the bad behaviour to the rollback decision (bad + flagged only). */
  secondsToDetect: number | null;
}

export interface JudgeQuality {
  judge: string;
  metrics: DetectionMetrics;
  medianSecondsToDetect: number | null;
  /** Per scenario kind: flagged / total and the median time to detect. */
  byKind: Record<string, { total: number; flagged: number; medianSecondsToDetect: number | null }>;
}

export interface QualityResult {
  seed: number;
  rollouts: number;
  canaryRollouts: number;
  events: number;
  kinds: Record<string, number>;
  /** All judges on the canary scenarios. */
  canary: JudgeQuality[];
  /** rollwatch on the whole suite (batch upgrades included). */
  rollwatchAll: JudgeQuality;
  /** Crash/OOM faults: median time-to-detect of rollwatch vs the Flagger-style baseline. */
  crashOom: {
    kinds: string[];
    rollwatchMedianSeconds: number | null;
    flaggerMedianSeconds: number | null;
    flaggerDetected: number;
    total: number;
    /** flagger / rollwatch; null when the Flagger-style baseline caught none of them. */
    speedup: number | null;
    /** When Flagger caught none: its best possible time (interval × threshold = 300 s) / rollwatch. */
    speedupVsFlaggerFloor: number | null;
  };
  seconds: number;
}

export const CRASH_OOM_KINDS = ['oom-burst', 'crash-loop'];
const FLAGGER_FLOOR_SECONDS = 60 * 5;

function summarise(judge: string, outcomes: RolloutOutcome[]): JudgeQuality {
  const byKind: JudgeQuality['byKind'] = {};
  const kinds = [...new Set(outcomes.map((o) => o.kind))].sort();
  for (const kind of kinds) {
    const of = outcomes.filter((o) => o.kind === kind);
    const ttd = of.filter((o) => o.secondsToDetect !== null).map((o) => o.secondsToDetect!);
    byKind[kind] = { total: of.length, flagged: of.filter((o) => o.flagged).length, medianSecondsToDetect: ttd.length ? round(median(ttd), 1) : null };
  }
  const ttd = outcomes.filter((o) => o.bad && o.secondsToDetect !== null).map((o) => o.secondsToDetect!);
  const metrics = detectionMetrics(confusionOf(outcomes));
  const r = (v: number | null): number | null => (v === null ? null : round(v, 4));
  return {
    judge,
    metrics: { ...metrics, precision: r(metrics.precision), recall: r(metrics.recall), falsePositiveRate: r(metrics.falsePositiveRate), f1: r(metrics.f1), accuracy: r(metrics.accuracy) },
    medianSecondsToDetect: ttd.length ? round(median(ttd), 1) : null,
    byKind,
  };
}

function detectionDelay(badFrom: string | undefined, detectedAtMs: number | null): number | null {
  if (badFrom === undefined || detectedAtMs === null) return null;
  // A decision before the fault started can only be a false alarm on a bad rollout: count 0.
  return Math.max(0, (detectedAtMs - Date.parse(badFrom)) / 1000);
}

/** The part of @rollwatch/analysis' suite generator this benchmark relies on. */
export interface SuiteLike {
  scenarios: { label: { rollout: string; kind: string; expected: string; badFrom?: string }; events: RollwatchEvent[] }[];
  labels: { rollout: string; kind: string; expected: string; badFrom?: string }[];
  events: RollwatchEvent[];
}
export type SuiteGenerator = (options: { seed: number; count: number }) => SuiteLike;

function exportedGenerator(): SuiteGenerator {
  const generate = (analysis as unknown as { generateSuite?: SuiteGenerator }).generateSuite;
  if (typeof generate !== 'function') throw new Error('@rollwatch/analysis does not export generateSuite yet (packages/analysis/src/index.ts)');
  return generate;
}

export function measureQuality(count: number, seed: number, generate: SuiteGenerator = exportedGenerator()): QualityResult {
  const t0 = process.hrtime.bigint();
  const suite = generate({ seed, count });
  const eventsByRollout = new Map<string, RollwatchEvent[]>();
  for (const s of suite.scenarios) eventsByRollout.set(s.label.rollout, s.events);

  const results = new Map(analyzeEventsSync(suite.events).map((r) => [r.rollout, r]));
  const rollwatch: RolloutOutcome[] = suite.labels.map((label) => {
    const r = results.get(label.rollout);
    const flagged = r?.decision === 'no-go';
    const bad = label.expected === 'no-go';
    return {
      rollout: label.rollout,
      kind: label.kind,
      bad,
      flagged,
      secondsToDetect: bad && flagged ? detectionDelay(label.badFrom, r?.noGoAt ? Date.parse(r.noGoAt) : null) : null,
    };
  });

  const canaryLabels = suite.labels.filter((l) => !l.kind.endsWith('batch'));
  const canaryNames = new Set(canaryLabels.map((l) => l.rollout));
  const baselineOutcomes = (kind: BaselineKind): RolloutOutcome[] => {
    const judge = createBaseline(kind);
    return canaryLabels.map((label) => {
      const v = judge.judge(eventsByRollout.get(label.rollout) ?? []);
      const bad = label.expected === 'no-go';
      return { rollout: label.rollout, kind: label.kind, bad, flagged: v.flagged, secondsToDetect: bad && v.flagged ? detectionDelay(label.badFrom, v.detectedAtMs) : null };
    });
  };
  const flagger = baselineOutcomes('flagger');
  const kayenta = baselineOutcomes('kayenta');
  const rollwatchCanary = rollwatch.filter((o) => canaryNames.has(o.rollout));

  const crash = (outcomes: RolloutOutcome[]): number[] => outcomes.filter((o) => CRASH_OOM_KINDS.includes(o.kind) && o.secondsToDetect !== null).map((o) => o.secondsToDetect!);
  const rwCrash = crash(rollwatchCanary);
  const flCrash = crash(flagger);
  const rwMedian = rwCrash.length ? median(rwCrash) : null;
  const flMedian = flCrash.length ? median(flCrash) : null;
  const kinds: Record<string, number> = {};
  for (const l of suite.labels) kinds[l.kind] = (kinds[l.kind] ?? 0) + 1;

  return {
    seed,
    rollouts: suite.labels.length,
    canaryRollouts: canaryLabels.length,
    events: suite.events.length,
    kinds,
    canary: [summarise('rollwatch', rollwatchCanary), summarise('flagger-style', flagger), summarise('kayenta-style', kayenta)],
    rollwatchAll: summarise('rollwatch', rollwatch),
    crashOom: {
      kinds: CRASH_OOM_KINDS,
      rollwatchMedianSeconds: rwMedian === null ? null : round(rwMedian, 1),
      flaggerMedianSeconds: flMedian === null ? null : round(flMedian, 1),
      flaggerDetected: flCrash.length,
      total: rollwatchCanary.filter((o) => CRASH_OOM_KINDS.includes(o.kind)).length,
      speedup: rwMedian !== null && flMedian !== null && rwMedian > 0 ? round(flMedian / rwMedian, 1) : null,
      speedupVsFlaggerFloor: rwMedian !== null && rwMedian > 0 ? round(FLAGGER_FLOOR_SECONDS / rwMedian, 1) : null,
    },
    seconds: round(Number(process.hrtime.bigint() - t0) / 1e9, 2),
  };
}
