// A rollout as ingest would see it from Docker/Kubernetes: two canary and three baseline instances
// serving traffic. `healthy` is the first minutes, where both groups behave the same; `bad` is the
// canary going wrong: HTTP errors and latency up, a new error log template (a read-only volume on
// the canaries' new kernel), restarts and one OOM kill.

export interface ScenarioEvent {
  time: string;
  rollout: string;
  group: 'canary' | 'baseline';
  type: string;
  instance: string;
  host: string;
  service: string;
  version: string;
  level?: string;
  message?: string;
  metric?: string;
  value?: number;
  exitCode?: number;
  hostAttributes: Record<string, string>;
}

const CANARY = [
  { instance: 'shop-canary-1', host: 'node-7' },
  { instance: 'shop-canary-2', host: 'node-8' },
];
const BASELINE = [
  { instance: 'shop-stable-1', host: 'node-1' },
  { instance: 'shop-stable-2', host: 'node-2' },
  { instance: 'shop-stable-3', host: 'node-3' },
];
const STEP_MS = 15_000;
export const NEW_TEMPLATE_LINE = 'failed to open /var/lib/shop/cache.db: read-only file system';

/** Small deterministic jitter so the groups' samples are not ties (rank tests need spread). */
function jitter(seed: number): number {
  const x = Math.sin(seed * 12.9898) * 43758.5453;
  return x - Math.floor(x);
}

function attributes(group: 'canary' | 'baseline'): Record<string, string> {
  return group === 'canary'
    ? { kernel: '6.8.0-45-generic', engine: 'docker 27.3.1', storage_driver: 'overlay2' }
    : { kernel: '6.1.0-26-amd64', engine: 'docker 27.3.1', storage_driver: 'overlay2' };
}

export function scenario(rollout: string, startMs: number, endMs: number, phase: 'healthy' | 'bad'): ScenarioEvent[] {
  const events: ScenarioEvent[] = [];
  let seed = phase === 'bad' ? 1000 : 1;
  for (let step = 0, t = startMs; t < endMs; step++, t += STEP_MS) {
    for (const [group, members] of [['canary', CANARY], ['baseline', BASELINE]] as const) {
      for (const m of members) {
        const bad = phase === 'bad' && group === 'canary';
        const base = { time: new Date(t).toISOString(), rollout, group, instance: m.instance, host: m.host, service: 'shop', version: group === 'canary' ? '2.4.0' : '2.3.1', hostAttributes: attributes(group) };
        const requests = 100;
        events.push({ ...base, type: 'metric', metric: 'http_requests_total', value: requests });
        events.push({ ...base, type: 'metric', metric: 'http_errors_total', value: bad ? 25 + Math.round(jitter(seed++) * 10) : Math.round(jitter(seed++) * 2) });
        events.push({ ...base, type: 'metric', metric: 'latency_ms', value: (bad ? 180 : 40) + jitter(seed++) * 10 });
        events.push({ ...base, type: 'log', level: 'info', message: `GET /api/cart/${Math.floor(jitter(seed++) * 1000)} 200` });
        if (bad) {
          for (let i = 0; i < 3; i++) events.push({ ...base, type: 'log', level: 'error', message: NEW_TEMPLATE_LINE.replace('cache.db', `cache-${i}.db`) });
          if (step % 4 === 0) events.push({ ...base, type: 'container_restart', exitCode: 137 });
        }
      }
    }
  }
  if (phase === 'bad') {
    const last = CANARY[0]!;
    events.push({ time: new Date(endMs - 5_000).toISOString(), rollout, group: 'canary', type: 'oom_killed', instance: last.instance, host: last.host, service: 'shop', version: '2.4.0', exitCode: 137, hostAttributes: attributes('canary') });
  }
  return events;
}
