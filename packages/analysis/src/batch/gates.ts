// Gates for batched upgrades. Batch membership comes from the event label `batch` ("1", "2", ...):
// an instance belongs to the batch of its latest labelled event, and a batch starts at the first
// event carrying its label. Instance ids are logical replicas (e.g. container or pod name) that
// stay the same across the upgrade; the version field says what they run.
//
//   pre    at the batch start: >= thresholds.instancesOnlineMin of the expected instances online
//          (an event within two intervals before the start) and healthy.
//   during from the start for batch.interval: fleet CPU not above thresholds.cpu.max for
//          thresholds.cpu.sustainedFor; the batch's error rate not above thresholds.errorRate;
//          no OOM kill or crash loop in the batch.
//   post   by start + batch.timeout every instance of the batch reports the target version
//          (spec.targetVersion, else policy batch.targetVersion, else the newest version seen).
import type { Decision, Reason } from '@rollwatch/core';
import type { RolloutSpec } from '../engine-api.js';
import type { Policy } from '../policy/schema.js';
import { formatDuration } from '../policy/duration.js';
import type { InstanceState, RolloutState } from '../state/types.js';
import { crashLoopAt } from '../judge/critical.js';
import { windowsBetween } from '../judge/samples.js';
import { cpuTrigger, errorRateTrigger, healthyAt } from '../judge/thresholds.js';
import type { Trigger } from '../judge/triggers.js';

export interface BatchEvaluation {
  batch: number;
  decision: Decision;
  reasons: Reason[];
  /** Earliest failing gate (event time), if any. */
  noGoAt: number | null;
  gatesPassed: number;
  gatesTotal: number;
}

export function batchNumbers(state: RolloutState): number[] {
  return Object.keys(state.batchStarts).map(Number).sort((a, b) => a - b);
}

export function targetVersion(state: RolloutState, policy: Policy, spec?: RolloutSpec): string | undefined {
  if (spec?.targetVersion) return spec.targetVersion;
  if (policy.batch.targetVersion) return policy.batch.targetVersion;
  let newest: { v: string; t: number } | undefined;
  for (const [v, t] of Object.entries(state.versionsFirstSeen)) if (!newest || t > newest.t || (t === newest.t && v > newest.v)) newest = { v, t };
  return newest?.v;
}

export function evaluateBatchGates(state: RolloutState, policy: Policy, batch: number, horizon: number, spec?: RolloutSpec): BatchEvaluation {
  const tag = (r: Reason): Reason => ({ ...r, batch });
  const start = state.batchStarts[String(batch)];
  if (start === undefined || start > horizon) {
    return { batch, decision: 'pending', reasons: [tag({ signal: 'batch', severity: 'info', message: `batch ${batch} has not started (no event labelled batch=${batch})` })], noGoAt: null, gatesPassed: 0, gatesTotal: 3 };
  }
  const interval = policy.analysis.interval;
  const members = Object.values(state.instances).filter((i) => i.batch === batch);
  const memberIds = new Set(members.map((i) => i.id));
  const reasons: Reason[] = [];
  const fails: Trigger[] = [];
  let passed = 0;
  let pending = false;

  // Pre-check gate.
  const fleet = Object.values(state.instances).filter((i) => i.firstSeen < start);
  const expected = spec?.expectedInstances?.total ?? Object.keys(state.instances).length;
  // Just before the batch's first event: that event is often the upgrade taking an instance down.
  const online = fleet.filter((i) => lastSeenBefore(state, i, start) >= start - 2 * interval && healthyAt(i, start - 1)).length;
  const share = expected > 0 ? online / expected : 0;
  const pre = `${online}/${expected} instances online and healthy before batch ${batch} (${pct(share)}; need ${pct(policy.thresholds.instancesOnlineMin)})`;
  if (share + 1e-9 < policy.thresholds.instancesOnlineMin) {
    fails.push({ at: start, kind: 'threshold', instances: [], reason: tag({ signal: 'batch_precheck', severity: 'fail', message: pre, canary: share, threshold: policy.thresholds.instancesOnlineMin, cause: 'environment' }) });
  } else {
    passed++;
    reasons.push(tag({ signal: 'batch_precheck', severity: 'info', message: pre, canary: share, threshold: policy.thresholds.instancesOnlineMin }));
  }

  // During gate.
  const duringEnd = Math.min(horizon, start + policy.batch.interval);
  const windows = windowsBetween(state, Math.floor(start / interval) * interval, duringEnd);
  const duringFails: Trigger[] = [];
  const cpu = cpuTrigger(state, policy, windows, duringEnd, () => true, `fleet (batch ${batch})`);
  if (cpu) duringFails.push(cpu);
  const errors = errorRateTrigger(state, policy, windows, duringEnd, (id) => memberIds.has(id), `batch ${batch}`);
  if (errors) duringFails.push(errors);
  for (const inst of members) {
    const oom = inst.oomTimes.find((t) => t >= start && t <= duringEnd);
    if (oom !== undefined) duringFails.push(critical(inst, oom, `OOM killed during batch ${batch}`, 'oom_kills'));
    const loop = crashLoopAt({ ...inst, restartTimes: inst.restartTimes.filter((t) => t >= start), nonZeroExitTimes: inst.nonZeroExitTimes.filter((t) => t >= start) }, policy.critical.crashLoop.restarts, policy.critical.crashLoop.within, duringEnd);
    if (loop !== null) duringFails.push(critical(inst, loop, `crash loop during batch ${batch}`, 'crash_loop'));
  }
  if (duringFails.length > 0) {
    for (const t of duringFails) fails.push({ ...t, reason: tag(t.reason) });
  } else if (horizon < start + policy.batch.interval) {
    pending = true;
    reasons.push(tag({ signal: 'batch_during', severity: 'info', message: `batch ${batch} in progress: CPU, error rate and critical signals fine so far (soak ${formatDuration(policy.batch.interval)})` }));
  } else {
    passed++;
    reasons.push(tag({ signal: 'batch_during', severity: 'info', message: `batch ${batch}: CPU below ${pct(policy.thresholds.cpu.max)}, error rate within ${pct(policy.thresholds.errorRate)}, no OOM kill or crash loop` }));
  }

  // Post gate.
  const target = targetVersion(state, policy, spec);
  const behind = members.filter((i) => target !== undefined && i.version !== target);
  const deadline = start + policy.batch.timeout;
  if (target === undefined) {
    pending = true;
    reasons.push(tag({ signal: 'batch_post', severity: 'warn', message: `batch ${batch}: no version reported, cannot check the target version` }));
  } else if (members.length > 0 && behind.length === 0) {
    passed++;
    reasons.push(tag({ signal: 'batch_post', severity: 'info', message: `batch ${batch}: all ${members.length} instance(s) on ${target}` }));
  } else {
    const versions = new Map<string, string[]>();
    for (const i of members) {
      const v = i.version ?? 'unknown';
      versions.set(v, [...(versions.get(v) ?? []), i.id]);
    }
    const skew = [...versions.entries()].map(([v, ids]) => `${ids.length} on ${v}${v === target ? '' : ` (${ids.join(', ')})`}`).join(', ');
    const message = `version skew in batch ${batch}: ${skew}; target ${target}`;
    if (horizon >= deadline) {
      fails.push({ at: deadline, kind: 'threshold', instances: behind.map((i) => i.id), reason: tag({ signal: 'version_skew', severity: 'fail', message: `${message}; not done within ${formatDuration(policy.batch.timeout)}`, cause: 'release' }) });
    } else {
      pending = true;
      reasons.push(tag({ signal: 'version_skew', severity: 'info', message: `${message}; timeout at ${new Date(deadline).toISOString()}` }));
    }
  }

  fails.sort((a, b) => a.at - b.at);
  const decision: Decision = fails.length > 0 ? 'no-go' : pending ? 'pending' : 'go';
  const out = [...fails.map((f) => f.reason), ...reasons];
  if (decision === 'no-go') {
    out.push(tag({ signal: 'batch', severity: 'info', message: policy.batch.rollbackOnFailure ? `batch ${batch} failed: roll it back (rollbackOnFailure)` : `batch ${batch} failed: stop the upgrade (rollbackOnFailure is off)` }));
  }
  return { batch, decision, reasons: out, noGoAt: fails[0]?.at ?? null, gatesPassed: passed, gatesTotal: 3 };
}

function critical(inst: InstanceState, at: number, text: string, signal: string): Trigger {
  return { at, kind: 'critical', instances: [inst.id], reason: { signal, severity: 'critical', message: `${inst.id}: ${text}`, cause: 'release' } };
}

function lastSeenBefore(state: RolloutState, inst: InstanceState, t: number): number {
  // Instance-level lastSeen may be after t; the windows tell whether it was reporting before t.
  if (inst.firstSeen >= t) return -Infinity;
  if (inst.lastSeen < t) return inst.lastSeen;
  let latest = inst.firstSeen;
  for (const w of Object.values(state.windows)) if (w.start < t && w.instances[inst.id] && w.start > latest) latest = w.start;
  return latest;
}

function pct(v: number): string {
  return `${Math.round(v * 1000) / 10}%`;
}
