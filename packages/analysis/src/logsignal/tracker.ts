// Online log-template mining: one Drain miner per service (so canary and baseline lines share
// template ids), and per rollout and group a bounded table of template counts, the instances that
// logged each template, and one example line. `logTemplates.maxTemplates` bounds both: the tables
// per rollout and group, and the live templates of each service's miner (the largest bound among
// the rollouts that fed it, so one rollout's smaller bound does not evict another's templates).
import type { EventGroup, RollwatchEvent } from '@rollwatch/core';
import { TemplateMiner } from '@rollwatch/logtemplates';
import { RING, type RolloutState } from '../state/types.js';

const LEVELS = { debug: 0, info: 1, warn: 2, error: 3, fatal: 4 } as const;

/** Serialisable miner state: enough to rebuild equivalent templates after a restore. */
export interface MinerSnapshot {
  service: string;
  templates: { id: string; seq: number; firstExample: string }[];
}

export class TemplateTracker {
  private readonly miners = new Map<string, TemplateMiner>();
  /** Miner id -> id used in rollout state (differs only for templates rebuilt after a restore). */
  private readonly aliases = new Map<string, string>();

  constructor(private readonly maxTemplatesPerRollout: (state: RolloutState) => number) {}

  /** Mines one log line into the rollout's counts. */
  record(state: RolloutState, group: EventGroup, instance: string, event: RollwatchEvent): void {
    if (event.message === undefined) return;
    const service = state.service ?? event.service ?? state.id;
    const maxTemplates = this.maxTemplatesPerRollout(state);
    const result = this.miner(service, maxTemplates).add(event.message);
    const id = this.aliases.get(result.templateId) ?? result.templateId;
    const table = (state.templates[group] ??= {});
    state.templateLines[group] = (state.templateLines[group] ?? 0) + 1;
    let entry = table[id];
    if (!entry) {
      if (Object.keys(table).length >= maxTemplates) return;
      entry = { count: 0, instances: [], example: event.message.slice(0, 512), template: result.template };
      table[id] = entry;
    }
    entry.count++;
    entry.template = result.template;
    // The first occurrences' times: when a new error template's evidence was complete is an event
    // time, so the live detector and a replay report the same no-go time.
    const times = (entry.times ??= []);
    const t = Date.parse(event.time);
    if (times.length < RING.templateTimes || t < times[times.length - 1]!) {
      let i = times.length;
      while (i > 0 && times[i - 1]! > t) i--;
      times.splice(i, 0, t);
      if (times.length > RING.templateTimes) times.pop();
    }
    const level = event.level ?? 'info';
    if (entry.level === undefined || LEVELS[level] > LEVELS[entry.level]) entry.level = level;
    if (!entry.instances.includes(instance) && entry.instances.length < RING.instanceTemplateIds) entry.instances.push(instance);
  }

  /** Current template text for an id (templates generalise as lines arrive). */
  snapshot(): MinerSnapshot[] {
    return [...this.miners.entries()]
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([service, miner]) => ({
        service,
        templates: miner
          .templates()
          .sort((a, b) => a.seq - b.seq)
          .map((t) => ({ id: this.aliases.get(t.id) ?? t.id, seq: t.seq, firstExample: t.firstExample })),
      }));
  }

  /** Re-seeds miners with each template's first example, in creation order, aliasing new ids. */
  restore(snapshots: readonly MinerSnapshot[]): void {
    for (const s of snapshots) {
      // Room for every saved template; the first recorded line raises the bound to the policy's.
      const miner = this.miner(s.service, Math.max(1, s.templates.length));
      for (const t of s.templates) {
        const r = miner.add(t.firstExample);
        if (r.templateId !== t.id) this.aliases.set(r.templateId, t.id);
      }
    }
  }

  /** The service's miner, holding at most `maxTemplates` live templates (raised, never lowered). */
  private miner(service: string, maxTemplates: number): TemplateMiner {
    let m = this.miners.get(service);
    if (!m) {
      m = new TemplateMiner({ maxClusters: maxTemplates });
      this.miners.set(service, m);
    } else if (m.maxClusters < maxTemplates) m.setMaxClusters(maxTemplates);
    return m;
  }

  /** Live templates of a service's miner (for tests and diagnostics). */
  minerSize(service: string): number {
    return this.miners.get(service)?.size ?? 0;
  }
}
