// Detection quality on the judge-independent corpus (issue 15): rollouts whose fault sizes are drawn
// from the spec in @rollwatch/analysis (scenarios/corpus-spec.ts), never tuned on the judge. The
// rollwatch judge (a streaming replay of the engine the detector runs) and three baselines measured
// on the same events: a naive 2x ratio rule, Flagger-style thresholds and Kayenta-style Mann-Whitney.
import { comparativeSignals, corpusEvents, corpusRollouts, DEFAULT_POLICY, Replay, signalAlpha, type CorpusLabel } from '@rollwatch/analysis';
import { createBaseline, type BaselineKind } from '../baselines/factory.js';
import { CEILING_KINDS, clairvoyantPValues, outcomeAt, type CeilingOutcome } from '../information-ceiling.js';
import { confusionOf, detectionMetrics, median, round, type DetectionMetrics } from '../stats.js';

import { FPR_TARGET, RECALL_TARGET, TTD_TARGET_SECONDS } from './corpus-targets.js';

interface Outcome {
  kind: string;
  bad: boolean;
  flagged: boolean;
  /** Bad rollouts: seconds from the fault start to the rollback decision (negative: before it). */
  secondsToDetect: number | null;
  /** Good rollouts left undecided (pending) at the end. */
  undecided: boolean;
}

export interface CorpusKindRow {
  total: number;
  flagged: number;
  medianSecondsToDetect: number | null;
  /** Bad kinds with a target: the median time-to-detect (of the rollouts caught) is within it. */
  targetSeconds?: number;
  met?: boolean;
}

export interface CorpusJudge {
  judge: string;
  metrics: DetectionMetrics;
  /** Good rollouts still pending at the end (not a false alarm, but no answer either). */
  undecidedGood: number;
  /** Bad rollouts flagged before their fault started (counted as detected at 0 s). */
  flaggedBeforeFault: number;
  byKind: Record<string, CorpusKindRow>;
}

export interface CorpusQualityResult {
  seed: number;
  rollouts: number;
  events: number;
  kinds: Record<string, number>;
  judges: CorpusJudge[];
  targets: {
    recall: { target: number; value: number | null; met: boolean };
    falsePositiveRate: { target: number; value: number | null; met: boolean };
    timeToDetect: { kind: string; targetSeconds: number; medianSeconds: number | null; met: boolean }[];
  };
  /** rollwatch / baseline for each baseline: recall ratio and median time-to-detect ratio per kind. */
  versusBaselines: { baseline: string; recallRatio: number | null; fprDifference: number | null; ttdRatioByKind: Record<string, number | null> }[];
  /**
   * What a clairvoyant test could catch of the sparse count faults (information-ceiling.ts): the
   * fault start known, all of judge.alpha on the one signal, one look at the end. `recall` is the
   * corpus recall of a judge that caught every other bad rollout and these at the ceiling: the most
   * any judge at judge.alpha can reach.
   */
  informationCeiling: {
    allowedRatio: number;
    /** judge.alpha, all of it on the one signal; and the signal's own share (judge.alpha / signals). */
    alphas: { family: number; signal: number };
    byKind: Record<string, { total: number; rollwatchFlagged: number; caught: { family: number; signal: number }; optimisticMedianSecondsToDetect: number | null }>;
    recall: { family: number; signal: number };
  };
  /** The streaming replay over the corpus (no parsing: see the replay section for the CLI). */
  replay: { eventsPerSecond: number; peakBuffered: number; peakOpenRollouts: number; beyondReorder: number };
  seconds: number;
}

function summarise(judge: string, outcomes: Outcome[]): CorpusJudge {
  const byKind: Record<string, CorpusKindRow> = {};
  for (const kind of [...new Set(outcomes.map((o) => o.kind))].sort()) {
    const of = outcomes.filter((o) => o.kind === kind);
    const ttd = of.filter((o) => o.secondsToDetect !== null).map((o) => Math.max(0, o.secondsToDetect!));
    const row: CorpusKindRow = { total: of.length, flagged: of.filter((o) => o.flagged).length, medianSecondsToDetect: ttd.length ? round(median(ttd), 1) : null };
    const target = TTD_TARGET_SECONDS[kind];
    if (target !== undefined) {
      row.targetSeconds = target;
      row.met = row.medianSecondsToDetect !== null && row.medianSecondsToDetect <= target;
    }
    byKind[kind] = row;
  }
  const m = detectionMetrics(confusionOf(outcomes));
  const r = (v: number | null): number | null => (v === null ? null : round(v, 4));
  return {
    judge,
    metrics: { ...m, precision: r(m.precision), recall: r(m.recall), falsePositiveRate: r(m.falsePositiveRate), f1: r(m.f1), accuracy: r(m.accuracy) },
    undecidedGood: outcomes.filter((o) => !o.bad && o.undecided).length,
    flaggedBeforeFault: outcomes.filter((o) => o.secondsToDetect !== null && o.secondsToDetect < 0).length,
    byKind,
  };
}

function outcome(label: CorpusLabel, flaggedAtMs: number | null, environment: boolean, undecided: boolean): Outcome {
  // A host fault attributed to the environment is the right answer, not a false alarm.
  const flagged = flaggedAtMs !== null && !(label.environmentNoGoAccepted && environment);
  const ttd = label.bad && flagged && label.faultStart ? (flaggedAtMs! - Date.parse(label.faultStart)) / 1000 : null;
  return { kind: label.kind, bad: label.bad, flagged, secondsToDetect: ttd, undecided };
}

export function measureCorpusQuality(count: number, seed: number): CorpusQualityResult {
  const t0 = process.hrtime.bigint();
  const labels: CorpusLabel[] = [];
  // rollwatch: the corpus streamed in arrival order through the bounded replay.
  const replay = new Replay();
  let events = 0;
  const r0 = process.hrtime.bigint();
  let generationNs = 0n;
  const source = corpusEvents({ seed, count }, (l) => labels.push(l));
  for (;;) {
    const g0 = process.hrtime.bigint();
    const next = source.next();
    generationNs += process.hrtime.bigint() - g0;
    if (next.done) break;
    replay.push(next.value);
    events++;
  }
  const verdicts = new Map(replay.finish().map((v) => [v.rollout, v]));
  const replaySeconds = Number(process.hrtime.bigint() - r0 - generationNs) / 1e9;
  const rollwatch = labels.map((label) => {
    const v = verdicts.get(label.rollout);
    const noGo = v?.decision === 'no-go';
    return outcome(label, noGo && v.noGoAt ? Date.parse(v.noGoAt) : null, v?.cause === 'environment', v?.decision === 'pending');
  });

  // Baselines: one rollout at a time (they judge a rollout's whole event list).
  const baselineKinds: BaselineKind[] = ['naive', 'flagger', 'kayenta'];
  const judges = baselineKinds.map((k) => createBaseline(k));
  const baselineOutcomes: Outcome[][] = judges.map(() => []);
  const alphas = { family: DEFAULT_POLICY.judge.alpha, signal: signalAlpha(DEFAULT_POLICY, comparativeSignals(DEFAULT_POLICY).length) };
  const allowedRatio = 1 + DEFAULT_POLICY.judge.allowedIncrease;
  const clairvoyant = new Map<string, { family: CeilingOutcome; signal: CeilingOutcome }[]>(CEILING_KINDS.map((k) => [k, []]));
  const interval = DEFAULT_POLICY.analysis.interval;
  for (const rollout of corpusRollouts({ seed, count })) {
    judges.forEach((judge, i) => {
      const v = judge.judge(rollout.events);
      baselineOutcomes[i]!.push(outcome(rollout.label, v.flagged ? v.detectedAtMs : null, false, false));
    });
    const outcomes = clairvoyant.get(rollout.label.kind);
    if (outcomes) {
      const p = clairvoyantPValues(rollout, allowedRatio, interval);
      outcomes.push({ family: outcomeAt(p, alphas.family), signal: outcomeAt(p, alphas.signal) });
    }
  }

  const all = [summarise('rollwatch', rollwatch), ...judges.map((j, i) => summarise(j.name, baselineOutcomes[i]!))];
  const rw = all[0]!;
  const kinds: Record<string, number> = {};
  for (const l of labels) kinds[l.kind] = (kinds[l.kind] ?? 0) + 1;
  const ratio = (a: number | null | undefined, b: number | null | undefined): number | null => (a === null || a === undefined || b === null || b === undefined || b === 0 ? null : round(a / b, 3));
  const bad = rollwatch.filter((o) => o.bad).length;
  const ceilingByKind = Object.fromEntries(
    [...clairvoyant].map(([kind, outcomes]) => {
      // The optimistic time to detect at the signal's own alpha, as the judge spends it.
      const times = outcomes.flatMap((o) => (o.signal.caught && o.signal.secondsToReject !== null ? [o.signal.secondsToReject] : []));
      const caught = { family: outcomes.filter((o) => o.family.caught).length, signal: outcomes.filter((o) => o.signal.caught).length };
      return [kind, { total: outcomes.length, rollwatchFlagged: rw.byKind[kind]?.flagged ?? 0, caught, optimisticMedianSecondsToDetect: times.length > 0 ? median(times) : null }];
    }),
  );
  const ceilingRecall = (level: 'family' | 'signal'): number => {
    const missed = Object.values(ceilingByKind).reduce((n, r) => n + r.total - r.caught[level], 0);
    return bad > 0 ? round((bad - missed) / bad, 4) : 1;
  };
  return {
    seed,
    rollouts: labels.length,
    events,
    kinds,
    judges: all,
    targets: {
      recall: { target: RECALL_TARGET, value: rw.metrics.recall, met: rw.metrics.recall !== null && rw.metrics.recall >= RECALL_TARGET },
      falsePositiveRate: { target: FPR_TARGET, value: rw.metrics.falsePositiveRate, met: rw.metrics.falsePositiveRate !== null && rw.metrics.falsePositiveRate <= FPR_TARGET },
      timeToDetect: Object.entries(TTD_TARGET_SECONDS).map(([kind, targetSeconds]) => {
        const medianSeconds = rw.byKind[kind]?.medianSecondsToDetect ?? null;
        return { kind, targetSeconds, medianSeconds, met: medianSeconds !== null && medianSeconds <= targetSeconds };
      }),
    },
    versusBaselines: all.slice(1).map((b) => ({
      baseline: b.judge,
      recallRatio: ratio(rw.metrics.recall, b.metrics.recall),
      fprDifference: rw.metrics.falsePositiveRate === null || b.metrics.falsePositiveRate === null ? null : round(rw.metrics.falsePositiveRate - b.metrics.falsePositiveRate, 4),
      ttdRatioByKind: Object.fromEntries(Object.keys(TTD_TARGET_SECONDS).map((k) => [k, ratio(rw.byKind[k]?.medianSecondsToDetect, b.byKind[k]?.medianSecondsToDetect)])),
    })),
    informationCeiling: { allowedRatio, alphas, byKind: ceilingByKind, recall: { family: ceilingRecall('family'), signal: ceilingRecall('signal') } },
    replay: {
      eventsPerSecond: Math.round(events / replaySeconds),
      peakBuffered: replay.stats.peakBuffered,
      peakOpenRollouts: replay.stats.peakOpen,
      beyondReorder: replay.stats.beyondReorder,
    },
    seconds: round(Number(process.hrtime.bigint() - t0) / 1e9, 2),
  };
}
