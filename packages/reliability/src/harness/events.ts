import type { RollwatchEventInput } from '@rollwatch/core';
import { crashLoopEvents as sharedCrashLoopEvents } from '@rollwatch/testkit';

/** A short random tag so concurrent runs against one Kafka/Elasticsearch never see each other's data. */
export function runTag(): string {
  return Math.random().toString(36).slice(2, 10);
}

/**
 * Valid, explicitly identified events for a healthy rollout: starts, health checks, info logs and
 * a latency metric, spread over the canary and baseline groups. Ids are deterministic from
 * (rollout, n) so the expected set is known exactly.
 */
export function healthyEvent(rollout: string, n: number, now = Date.now()): RollwatchEventInput {
  const group = n % 2 === 0 ? 'canary' : 'baseline';
  const instance = `${group}-${n % 4}`;
  const base = { id: `${rollout}#${n}`, time: new Date(now - 1000 + (n % 1000)).toISOString(), rollout, group, instance, service: 'checkout' } as const;
  switch (n % 4) {
    case 0:
      return { ...base, type: 'metric', metric: 'latency_ms', value: 40 + (n % 7) };
    case 1:
      return { ...base, type: 'log', level: 'info', message: `served request ${n % 13} in ${10 + (n % 5)} ms` };
    case 2:
      return { ...base, type: 'health_check_passed' };
    default:
      return { ...base, type: 'metric', metric: 'error_rate', value: 0 };
  }
}

/** A canary crash loop that every policy calls no-go (baseline healthy, canary restarting). */
export function crashLoopEvents(rollout: string, crashes = 5, now = Date.now()): RollwatchEventInput[] {
  return sharedCrashLoopEvents(rollout, crashes, now);
}

export interface PushResult {
  status: number;
  body: string;
}

/** POST a batch to ingest's push API (JSON array). Network errors come back as status 0. */
export async function pushEvents(ingestUrl: string, events: RollwatchEventInput[], token?: string, timeoutMs = 15_000): Promise<PushResult> {
  try {
    const res = await fetch(`${ingestUrl}/api/v1/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify(events),
      signal: AbortSignal.timeout(timeoutMs),
    });
    return { status: res.status, body: await res.text() };
  } catch (error) {
    return { status: 0, body: (error as Error).message };
  }
}
