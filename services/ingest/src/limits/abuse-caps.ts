import { RollwatchError, type RollwatchEvent } from '@rollwatch/core';

/**
 * Caps that keep one client or one rollout from making the detector's state (and its per-rollout
 * analysis) arbitrarily large. Checked per request before anything is accepted; a request over a
 * cap is refused whole with 429 naming the setting. Counts are per ingest replica (an approximation
 * when several run behind a load balancer; the detector's own bounds still apply).
 */
export interface AbuseCapsOptions {
  /** Distinct instances per rollout (INGEST_MAX_INSTANCES_PER_ROLLOUT); 0 disables. */
  maxInstancesPerRollout: number;
  /** Distinct hosts per rollout (INGEST_MAX_HOSTS_PER_ROLLOUT); 0 disables. */
  maxHostsPerRollout: number;
  /** Distinct host-attribute key=value pairs per rollout (INGEST_MAX_ATTRIBUTE_VALUES_PER_ROLLOUT); 0 disables. */
  maxAttributeValuesPerRollout: number;
  /** Rollout ids this replica has not seen, per client per minute (INGEST_MAX_NEW_ROLLOUTS_PER_MINUTE); 0 disables. */
  maxNewRolloutsPerMinute: number;
  /** Rollouts remembered (least recently used forgotten first; a forgotten one counts as new again). */
  trackedRollouts?: number;
}

export class LimitExceededError extends RollwatchError {
  constructor(
    /** The setting that was exceeded (the 429 body's `field`). */
    readonly limit: string,
    message: string,
    readonly retryAfterSeconds: number,
  ) {
    super(message, { retriable: true, code: 'LIMIT_EXCEEDED' });
  }
}

interface RolloutSets {
  instances: Set<string>;
  hosts: Set<string>;
  attributeValues: Set<string>;
}

const WINDOW_MS = 60_000;

export class AbuseCaps {
  private readonly rollouts = new Map<string, RolloutSets>();
  private readonly clients = new Map<string, { windowStart: number; count: number }>();
  private readonly tracked: number;

  constructor(
    private readonly options: AbuseCapsOptions,
    private readonly now: () => number = Date.now,
  ) {
    this.tracked = options.trackedRollouts ?? 20_000;
  }

  /** Throws LimitExceededError (nothing recorded) or records the request's rollouts, instances, hosts and attributes. */
  admit(events: readonly RollwatchEvent[], client: string): void {
    const o = this.options;
    const additions = new Map<string, RolloutSets>();
    let newRollouts = 0;
    for (const event of events) {
      let add = additions.get(event.rollout);
      if (!add) {
        add = { instances: new Set(), hosts: new Set(), attributeValues: new Set() };
        additions.set(event.rollout, add);
        if (!this.rollouts.has(event.rollout)) newRollouts++;
      }
      const known = this.rollouts.get(event.rollout);
      if (!known?.instances.has(event.instance)) add.instances.add(event.instance);
      if (event.host !== undefined && !known?.hosts.has(event.host)) add.hosts.add(event.host);
      for (const [key, value] of Object.entries(event.hostAttributes ?? {})) {
        const pair = `${key}=${value}`;
        if (!known?.attributeValues.has(pair)) add.attributeValues.add(pair);
      }
    }
    const at = this.now();
    const window = this.clients.get(client);
    const used = window && at - window.windowStart < WINDOW_MS ? window.count : 0;
    if (o.maxNewRolloutsPerMinute > 0 && newRollouts > 0 && used + newRollouts > o.maxNewRolloutsPerMinute) {
      const retry = window && used > 0 ? Math.max(1, Math.ceil((window.windowStart + WINDOW_MS - at) / 1000)) : 60;
      throw new LimitExceededError(
        'INGEST_MAX_NEW_ROLLOUTS_PER_MINUTE',
        `INGEST_MAX_NEW_ROLLOUTS_PER_MINUTE exceeded: this request starts ${newRollouts} new rollout id(s) and this client already started ${used} this minute (limit ${o.maxNewRolloutsPerMinute})`,
        retry,
      );
    }
    for (const [rollout, add] of additions) {
      const known = this.rollouts.get(rollout);
      check('INGEST_MAX_INSTANCES_PER_ROLLOUT', 'instances', rollout, (known?.instances.size ?? 0) + add.instances.size, o.maxInstancesPerRollout);
      check('INGEST_MAX_HOSTS_PER_ROLLOUT', 'hosts', rollout, (known?.hosts.size ?? 0) + add.hosts.size, o.maxHostsPerRollout);
      check('INGEST_MAX_ATTRIBUTE_VALUES_PER_ROLLOUT', 'distinct host attribute values', rollout, (known?.attributeValues.size ?? 0) + add.attributeValues.size, o.maxAttributeValuesPerRollout);
    }
    // Everything passed: record.
    if (newRollouts > 0) {
      if (window && at - window.windowStart < WINDOW_MS) window.count += newRollouts;
      else this.clients.set(client, { windowStart: at, count: newRollouts });
      if (this.clients.size > this.tracked) this.clients.delete(this.clients.keys().next().value as string);
    }
    for (const [rollout, add] of additions) {
      const known = this.rollouts.get(rollout) ?? { instances: new Set<string>(), hosts: new Set<string>(), attributeValues: new Set<string>() };
      for (const v of add.instances) known.instances.add(v);
      for (const v of add.hosts) known.hosts.add(v);
      for (const v of add.attributeValues) known.attributeValues.add(v);
      // Re-inserting keeps the map in least-recently-used order.
      this.rollouts.delete(rollout);
      this.rollouts.set(rollout, known);
    }
    while (this.rollouts.size > this.tracked) this.rollouts.delete(this.rollouts.keys().next().value as string);
  }
}

function check(limit: string, what: string, rollout: string, count: number, max: number): void {
  if (max > 0 && count > max) {
    const shown = rollout.length > 128 ? `${rollout.slice(0, 128)}…` : rollout;
    throw new LimitExceededError(limit, `${limit} exceeded: rollout "${shown}" would have ${count} ${what} (limit ${max})`, 60);
  }
}
