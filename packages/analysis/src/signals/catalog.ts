// How each built-in signal is read from an instance's window aggregate. A sample is one value per
// (instance, window) (series, providers, continuous judging). Count and ratio signals are judged as
// pooled rates instead: a count over an exposure (requests, log lines, probes, instance-minutes),
// see `rate`. Per-minute samples keep thresholds independent of the window size.
import type { InstanceWindow } from '../state/types.js';

export interface SampleContext {
  intervalMs: number;
  minRequestsPerSample: number;
}

export interface SignalDefinition {
  name: string;
  unit: string;
  /** The sample for one instance-window, or null when that window says nothing about the signal. */
  sample(w: InstanceWindow, ctx: SampleContext): number | null;
  /** True when the window carries any raw data for the signal (distinguishes "no traffic" from "absent"). */
  present(w: InstanceWindow): boolean;
  /** Count signals: judged as canary count vs baseline count given exposure (a rate ratio). */
  rate?: RateDefinition;
}

/**
 * `lines` and `probes` fall back to instance-minutes when the baseline's reports do not carry the
 * denominator (only error lines shipped, or only failed probes reported): see judge/cells.ts.
 */
export type ExposureKind = 'requests' | 'lines' | 'probes' | 'instance-minutes';

export interface RateDefinition {
  count(w: InstanceWindow): number;
  exposure: ExposureKind;
  /** What the count is called in reasons ("error lines", "failed probes"). */
  noun: string;
}

const perMinute = (count: number, ctx: SampleContext): number => (count * 60_000) / ctx.intervalMs;
const countSignal = (name: string, unit: string, pick: (w: InstanceWindow) => number, exposure: ExposureKind, noun: string): SignalDefinition => ({
  name,
  unit,
  sample: (w, ctx) => (w.events > 0 ? perMinute(pick(w), ctx) : null),
  present: (w) => w.events > 0,
  rate: { count: pick, exposure, noun },
});

export const BUILTIN_SIGNALS: Readonly<Record<string, SignalDefinition>> = Object.freeze({
  http_error_rate: {
    name: 'http_error_rate',
    unit: 'ratio',
    // A rate from a handful of requests is noise; such windows are skipped (and the signal stays
    // pending when too few windows qualify), never read as 0% or 100%.
    sample: (w, ctx) => (w.requests >= Math.max(1, ctx.minRequestsPerSample) ? Math.min(1, w.httpErrors / w.requests) : null),
    present: (w) => w.requests > 0 || w.httpErrors > 0,
    rate: { count: (w) => w.httpErrors, exposure: 'requests', noun: 'errors' },
  },
  latency: {
    name: 'latency',
    unit: 'ms',
    sample: (w) => (w.latencyCount > 0 ? w.latencySumMs / w.latencyCount : null),
    present: (w) => w.latencyCount > 0,
  },
  cpu_ratio: {
    name: 'cpu_ratio',
    unit: 'ratio',
    sample: (w) => (w.cpuCount > 0 ? w.cpuSum / w.cpuCount : null),
    present: (w) => w.cpuCount > 0,
  },
  error_log_rate: countSignal('error_log_rate', 'lines/min', (w) => w.errorLogs, 'lines', 'error lines'),
  fatal_log_rate: countSignal('fatal_log_rate', 'lines/min', (w) => w.fatalLogs, 'lines', 'fatal lines'),
  restarts: countSignal('restarts', 'restarts/min', (w) => w.restarts, 'instance-minutes', 'restarts'),
  nonzero_exits: countSignal('nonzero_exits', 'exits/min', (w) => w.nonZeroExits, 'instance-minutes', 'non-zero exits'),
  health_check_failures: countSignal('health_check_failures', 'failures/min', (w) => w.healthFailures, 'probes', 'failed probes'),
});

/** Signals judged by comparing template counts rather than per-window samples. */
export const TEMPLATE_SIGNAL = 'log_templates';
