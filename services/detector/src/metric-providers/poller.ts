import { createHash } from 'node:crypto';
import { TOPICS, retry, rolloutKey, type Bus, type Logger, type RollwatchEvent } from '@rollwatch/core';
import type { DetectorMetrics } from '../metrics.js';
import type { MetricProvider, MetricSample, SampleGroup } from '@rollwatch/analysis';

export interface PolledRollout {
  /** The rollout id (what PromQL's {{rollout}} becomes). */
  rollout: string;
  /** The revision analysed: samples are published under it, so they join that revision's analysis. */
  revision?: string;
  service?: string;
}

export interface MetricPollerOptions {
  provider: MetricProvider;
  bus: Bus;
  logger: Logger;
  metrics: DetectorMetrics;
  stepSeconds: number;
  lookbackMs: number;
  /** Rollouts to poll right now (those this replica analyses). */
  rollouts: () => PolledRollout[];
  now?: () => number;
}

const GROUPS: SampleGroup[] = ['canary', 'baseline'];

/**
 * Samples become `metric` events named after the policy signal (the engine treats such events as
 * samples of that signal, like engine.ingestSamples). Going through `rollwatch.events` makes them
 * durable: stored, replayed after a restart, and analysed in event-time order with everything else.
 * Ids are content-derived (not value-derived), so re-polling an overlap never stores a sample twice.
 */
export function samplesToEvents(samples: MetricSample[], ctx: { rollout: string; revision?: string; group: SampleGroup; signal: string; service?: string }): RollwatchEvent[] {
  return samples.map((sample) => {
    const instance = sample.instance ?? `prometheus-${ctx.group}`;
    const id = createHash('sha256').update(['provider', rolloutKey(ctx.rollout, ctx.revision), ctx.group, ctx.signal, instance, sample.t].join('\u0000')).digest('hex').slice(0, 32);
    const event: RollwatchEvent = {
      id,
      time: new Date(sample.t).toISOString(),
      rollout: ctx.rollout,
      group: ctx.group,
      type: 'metric',
      instance,
      source: 'prometheus',
      metric: ctx.signal,
      value: sample.value,
    };
    if (ctx.service !== undefined) event.service = ctx.service;
    if (ctx.revision !== undefined) event.revision = ctx.revision;
    return event;
  });
}

/** Polls the metric provider for every tracked rollout and publishes the samples to rollwatch.events. */
export class MetricPoller {
  /** `rollout|group|signal` → first ms not yet fetched. */
  private readonly cursors = new Map<string, number>();
  private readonly now: () => number;
  private running: Promise<void> | undefined;

  constructor(private readonly options: MetricPollerOptions) {
    this.now = options.now ?? Date.now;
  }

  get enabled(): boolean {
    return this.options.provider.signals.length > 0;
  }

  /** One polling round; overlapping calls share the round in flight. */
  poll(signal?: AbortSignal): Promise<void> {
    this.running ??= this.pollOnce(signal).finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  forget(rollout: string): void {
    for (const key of this.cursors.keys()) if (key.startsWith(`${rollout}|`)) this.cursors.delete(key);
  }

  private async pollOnce(abort?: AbortSignal): Promise<void> {
    const { provider, bus, logger, metrics, stepSeconds } = this.options;
    const end = this.now();
    const stepMs = stepSeconds * 1000;
    for (const { rollout, revision, service } of this.options.rollouts()) {
      for (const group of GROUPS) {
        for (const signal of provider.signals) {
          if (abort?.aborted) return;
          const key = `${rolloutKey(rollout, revision)}|${group}|${signal}`;
          const start = this.cursors.get(key) ?? end - this.options.lookbackMs;
          if (end - start < stepMs) continue;
          const query = { rollout, group, signal, startMs: start, endMs: end, stepMs, ...(service !== undefined ? { service } : {}) };
          const outcome = await retry(() => provider.fetch(query, abort), { maxAttempts: 3, initialDelayMs: 250, maxDelayMs: 2000, deadlineMs: 10_000, ...(abort ? { signal: abort } : {}) });
          if (outcome.result.status !== 'success') {
            metrics.metricProviderQueries.inc({ provider: provider.kind, result: 'error' });
            logger.warn({ rollout, group, signal, err: outcome.result.error, attempts: outcome.attempts }, 'metric query failed');
            continue;
          }
          metrics.metricProviderQueries.inc({ provider: provider.kind, result: 'ok' });
          const samples = outcome.result.value;
          const events = samplesToEvents(samples, { rollout, group, signal, ...(revision !== undefined ? { revision } : {}), ...(service !== undefined ? { service } : {}) });
          if (events.length > 0) await bus.publish(TOPICS.events, events.map((e) => ({ key: rollout, value: JSON.stringify(e) })));
          // Continue after the newest sample; with no data yet the window simply slides with the clock.
          const newest = samples.reduce((max, s) => Math.max(max, s.t), -Infinity);
          if (Number.isFinite(newest)) this.cursors.set(key, newest + 1);
        }
      }
    }
  }
}
