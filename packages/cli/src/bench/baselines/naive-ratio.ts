// The naive ratio rule many teams start with: every minute, over everything since the rollout
// began, roll back when any canary rate is more than `factor` (2x) the baseline's. Rates are per
// instance-minute (error/fatal log lines, restarts + OOM kills + non-zero exits), per request (HTTP
// errors), per probe (failed probes) and the mean latency report. No statistics, no floor: it is
// here to show what a judge without them does, on the same events.
import type { RollwatchEvent } from '@rollwatch/core';
import { classifyMetric } from '@rollwatch/analysis';
import type { BaselineJudge, BaselineVerdict } from './interface.js';
import { timeOf } from './windows.js';

export interface NaiveRatioOptions {
  /** Canary rate / baseline rate above which the canary is rolled back. */
  factor: number;
  /** How often the rule is checked. */
  intervalMs: number;
}

export const NAIVE_RATIO_DEFAULTS: Readonly<NaiveRatioOptions> = Object.freeze({ factor: 2, intervalMs: 60_000 });

interface Totals {
  instances: Set<string>;
  errorLines: number;
  crashes: number;
  requests: number;
  httpErrors: number;
  probes: number;
  failedProbes: number;
  latencySum: number;
  latencyReports: number;
}

const empty = (): Totals => ({ instances: new Set(), errorLines: 0, crashes: 0, requests: 0, httpErrors: 0, probes: 0, failedProbes: 0, latencySum: 0, latencyReports: 0 });

function add(t: Totals, e: RollwatchEvent): void {
  t.instances.add(e.instance);
  switch (e.type) {
    case 'log':
      if (e.level === 'error' || e.level === 'fatal') t.errorLines++;
      break;
    case 'container_restart':
    case 'oom_killed':
      t.crashes++;
      break;
    case 'container_exit':
      if ((e.exitCode ?? 0) !== 0) t.crashes++;
      break;
    case 'health_check_failed':
      t.failedProbes++;
      t.probes++;
      break;
    case 'health_check_passed':
      t.probes++;
      break;
    case 'metric': {
      const m = e.metric === undefined || e.value === undefined ? undefined : classifyMetric(e.metric);
      if (!m) break;
      const v = e.value! * m.scale;
      if (m.kind === 'requests') t.requests += v;
      else if (m.kind === 'errors') t.httpErrors += v;
      else if (m.kind === 'latencyMs') {
        t.latencySum += v;
        t.latencyReports++;
      }
      break;
    }
    default:
      break;
  }
}

/** The signal (if any) whose canary rate exceeds factor x the baseline's. */
export function naiveViolation(canary: Totals, baseline: Totals, minutes: number, factor: number): string | null {
  const perInstanceMinute = (n: number, t: Totals): number => n / Math.max(1, t.instances.size) / minutes;
  const rates: [string, number | null, number | null][] = [
    ['error_log_rate', perInstanceMinute(canary.errorLines, canary), perInstanceMinute(baseline.errorLines, baseline)],
    ['crashes', perInstanceMinute(canary.crashes, canary), perInstanceMinute(baseline.crashes, baseline)],
    ['http_error_ratio', canary.requests > 0 ? canary.httpErrors / canary.requests : null, baseline.requests > 0 ? baseline.httpErrors / baseline.requests : null],
    ['failed_probes', canary.probes > 0 ? canary.failedProbes / canary.probes : null, baseline.probes > 0 ? baseline.failedProbes / baseline.probes : null],
    ['latency', canary.latencyReports > 0 ? canary.latencySum / canary.latencyReports : null, baseline.latencyReports > 0 ? baseline.latencySum / baseline.latencyReports : null],
  ];
  for (const [name, c, b] of rates) if (c !== null && b !== null && c > 0 && c > factor * b) return name;
  return null;
}

export class NaiveRatioJudge implements BaselineJudge {
  readonly name = 'naive-ratio';
  constructor(private readonly options: NaiveRatioOptions = NAIVE_RATIO_DEFAULTS) {
    if (!(options.factor > 0) || !(options.intervalMs > 0)) throw new RangeError('naive-ratio: factor > 0 and intervalMs > 0 required');
  }

  judge(events: readonly RollwatchEvent[]): BaselineVerdict {
    const sorted = [...events].sort((a, b) => timeOf(a) - timeOf(b));
    if (sorted.length === 0) return { flagged: false, detectedAtMs: null, checks: 0, reason: 'no events' };
    const origin = timeOf(sorted[0]!);
    const last = timeOf(sorted[sorted.length - 1]!);
    const canary = empty();
    const baseline = empty();
    let i = 0;
    let checks = 0;
    for (let at = origin + this.options.intervalMs; at <= last + this.options.intervalMs; at += this.options.intervalMs) {
      for (; i < sorted.length && timeOf(sorted[i]!) < at; i++) {
        const e = sorted[i]!;
        if (e.group === 'canary') add(canary, e);
        else if (e.group === 'baseline' || e.group === 'stable') add(baseline, e);
      }
      checks++;
      const hit = naiveViolation(canary, baseline, (at - origin) / 60_000, this.options.factor);
      if (hit) return { flagged: true, detectedAtMs: at, checks, reason: `${hit}: canary > ${this.options.factor}x baseline` };
    }
    return { flagged: false, detectedAtMs: null, checks, reason: `no canary rate above ${this.options.factor}x the baseline in ${checks} checks` };
  }
}
