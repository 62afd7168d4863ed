// Host/environment attribution. When the canary's failing instances all sit on hosts sharing an
// attribute value (kernel, engine, runtime, storage driver, node label ...) and baseline instances
// on those hosts fail too, the likely cause is the environment, not the release. Evidence is a
// one-sided Fisher exact test on (on value / elsewhere) x (failing / fine) over all instances,
// Bonferroni-corrected over the attribute values tested. In a small fleet that test cannot reach
// alpha (2 failing of 6 instances: p = 1/15), and when every host runs the value there is no
// contrast at all; then the direct evidence decides: the baseline (the old release) fails the same
// way on the same value, nothing fails elsewhere, and on that value the canary does not fail
// significantly more often than the baseline (so the release explains nothing the hosts do not).
import type { Reason } from '@rollwatch/core';
import type { HostAttributeRow } from '../engine-api.js';
import type { Policy } from '../policy/schema.js';
import type { InstanceState, RolloutState } from '../state/types.js';
import { comparedGroup, hasBaselineGroup } from '../state/types.js';
import { fisherExact } from '../stats/fisher.js';
import { fmtP } from '../judge/compare.js';
import { failureOf, type InstanceFailure } from './failing.js';

/** Preferred attribute when several explain the same instances (most specific cause first). */
export const ATTRIBUTE_PREFERENCE = ['kernel', 'runcVersion', 'containerdVersion', 'engineVersion', 'storageDriver', 'cgroupVersion', 'os'];

/** Most attributes (besides host) tried per rollout: the known ones first, then alphabetical. */
export const MAX_CANDIDATE_ATTRIBUTES = 32;

export interface Attribution {
  attribute: string;
  value: string;
  pValue: number;
  /**
   * `concentration`: failures concentrate on the value (Fisher, on value vs elsewhere).
   * `shared-failure`: baseline instances on the value fail the same way as the canary's, nothing
   * fails elsewhere, and the canary fails no more than the baseline on it (Fisher within the value).
   */
  basis: 'concentration' | 'shared-failure';
  failingOn: number;
  totalOn: number;
  failingElsewhere: number;
  totalElsewhere: number;
  canaryFailing: string[];
  baselineFailing: string[];
  /** When the last of the attributed failures happened (the evidence was complete). */
  at: number;
  /** Every failing instance on the attributed value (canary and baseline). */
  instances: string[];
  /** Other attributes splitting the instances the same way. */
  alsoExplainedBy: { attribute: string; value: string }[];
  reason: Reason;
}

interface Member {
  inst: InstanceState;
  group: 'canary' | 'baseline';
  failure: InstanceFailure | null;
}

export function attributeValue(inst: InstanceState, attribute: string): string | undefined {
  return attribute === 'host' ? inst.host : inst.hostAttributes[attribute];
}

function members(state: RolloutState, policy: Policy, horizon: number): Member[] {
  const hasBaseline = hasBaselineGroup(state);
  const out: Member[] = [];
  for (const inst of Object.values(state.instances)) {
    if (inst.firstSeen > horizon) continue;
    const group = comparedGroup(inst.group, hasBaseline);
    if (group === null) continue;
    out.push({ inst, group, failure: failureOf(inst, policy, horizon) });
  }
  return out.sort((a, b) => (a.inst.id < b.inst.id ? -1 : 1));
}

export function candidateAttributes(state: RolloutState, policy: Policy): string[] {
  if (policy.attribution.attributes.length > 0) return [...policy.attribution.attributes];
  const keys = new Set<string>();
  for (const inst of Object.values(state.instances)) for (const k of Object.keys(inst.hostAttributes)) keys.add(k);
  const rank = (a: string): number => {
    const i = ATTRIBUTE_PREFERENCE.indexOf(a);
    return i === -1 ? ATTRIBUTE_PREFERENCE.length : i;
  };
  // Bounded: producers choose attribute keys, and each candidate costs one pass over the instances.
  return [...[...keys].sort((a, b) => rank(a) - rank(b) || (a < b ? -1 : 1)).slice(0, MAX_CANDIDATE_ATTRIBUTES), 'host'];
}

/**
 * Whether the baseline instance runs on a candidate attribute value every one of the canaries runs.
 * `attributes` is candidateAttributes(state, policy), computed once by the caller (it walks every
 * instance).
 */
export function sharedHostValue(state: RolloutState, policy: Policy, attributes: readonly string[], canaries: readonly string[], baseline: string): boolean {
  if (!policy.attribution.enabled || canaries.length === 0) return false;
  const b = state.instances[baseline];
  if (!b) return false;
  return attributes.some((attr) => {
    const value = attributeValue(b, attr);
    return value !== undefined && canaries.every((id) => {
      const c = state.instances[id];
      return c !== undefined && attributeValue(c, attr) === value;
    });
  });
}

/** Failure times tried when dating an attribution (bounds its cost in a fleet with many failures). */
export const MAX_ATTRIBUTION_DATING_STEPS = 32;

/**
 * Attribution at `horizon`, dated when its evidence first held. The latest failure on the value
 * moves later as more instances on it fail, so dating by it would give the same no-go a later time
 * the later it is evaluated (the live detector and a replay look at different moments); instead the
 * failure times on the value are tried from the earliest, and the first horizon at which the same
 * attribute value is attributed dates it.
 */
export function attribute(state: RolloutState, policy: Policy, horizon: number): Attribution | null {
  const evidence = attributeAt(state, policy, horizon);
  if (!evidence) return null;
  const { failureTimes, ...found } = evidence;
  const times = [...new Set(failureTimes)].sort((a, b) => a - b).slice(0, MAX_ATTRIBUTION_DATING_STEPS);
  for (const t of times) {
    if (t >= found.at) break;
    const earlier = attributeAt(state, policy, t);
    if (earlier && earlier.attribute === found.attribute && earlier.value === found.value) return { ...found, at: earlier.at };
  }
  return found;
}

function attributeAt(state: RolloutState, policy: Policy, horizon: number): (Attribution & { failureTimes: number[] }) | null {
  if (!policy.attribution.enabled) return null;
  const all = members(state, policy, horizon);
  const canaryFailing = all.filter((m) => m.group === 'canary' && m.failure !== null);
  if (canaryFailing.length === 0) return null;
  const canaryKinds = new Set(canaryFailing.map((m) => m.failure!.kind));
  const candidates: { attribute: string; value: string; a: number; b: number; c: number; d: number; onIds: string; shared: boolean }[] = [];
  // One pass per attribute (never values x instances): the canary's failures must all sit on one
  // value, so that value is the only candidate; one sweep over every instance then counts the table.
  for (const attr of candidateAttributes(state, policy)) {
    let value: string | undefined;
    let single = true;
    for (const m of canaryFailing) {
      const v = attributeValue(m.inst, attr);
      if (v === undefined || (value !== undefined && v !== value)) {
        single = false;
        break;
      }
      value = v;
    }
    if (!single || value === undefined) continue;
    let a = 0;
    let onCount = 0;
    let c = 0;
    let offCount = 0;
    let baselineSuffersOn = false;
    let baselineSameWayOn = false;
    const onGroup = { canary: { n: 0, failing: 0 }, baseline: { n: 0, failing: 0 } };
    const onIds: string[] = [];
    for (const m of all) {
      const failing = m.failure !== null;
      if (attributeValue(m.inst, attr) === value) {
        onCount++;
        onIds.push(m.inst.id);
        onGroup[m.group].n++;
        if (failing) {
          a++;
          onGroup[m.group].failing++;
        }
        if (failing && m.group === 'baseline') {
          baselineSuffersOn = true;
          if (canaryKinds.has(m.failure!.kind)) baselineSameWayOn = true;
        }
      } else {
        offCount++;
        if (failing) c++;
      }
    }
    // The baseline must suffer on the value too.
    if (!baselineSuffersOn) continue;
    // Direct evidence: on this value the old release fails the same way as the new one, nothing
    // fails elsewhere, and the canary does not fail significantly more often than the baseline on
    // the same hosts (one-sided Fisher, canary vs baseline, within the value).
    const releaseOnValue = fisherExact(
      { a: onGroup.canary.failing, b: onGroup.canary.n - onGroup.canary.failing, c: onGroup.baseline.failing, d: onGroup.baseline.n - onGroup.baseline.failing },
      'greater',
    ).pValue;
    const shared = baselineSameWayOn && c === 0 && releaseOnValue > policy.attribution.alpha;
    // Otherwise a value every instance shares contrasts with nothing: not a candidate (and not
    // counted in the Bonferroni correction).
    if (offCount === 0 && !shared) continue;
    candidates.push({ attribute: attr, value, a, b: onCount - a, c, d: offCount - c, onIds: onIds.join(','), shared });
  }
  if (candidates.length === 0) return null;
  // Bonferroni over the values the concentration test can speak about (some instance elsewhere);
  // a value every instance runs is a shared-failure candidate only and has no concentration p.
  const contrasted = candidates.filter((k) => k.c + k.d > 0).length;
  const tested = candidates.map((k) => ({ ...k, p: k.c + k.d === 0 ? 1 : Math.min(1, fisherExact({ a: k.a, b: k.b, c: k.c, d: k.d }, 'greater').pValue * contrasted) }));
  const alpha = policy.attribution.alpha;
  // Concentration evidence (lowest p at or below alpha) wins; then shared-failure evidence. Ties
  // keep the preference order of candidateAttributes (the most specific attribute first).
  let best: (typeof tested)[number] | undefined;
  for (const k of tested) if (k.p <= alpha && (best === undefined || k.p < best.p)) best = k;
  if (best === undefined) best = tested.find((k) => k.shared);
  if (best === undefined) return null;
  const basis: Attribution['basis'] = best.p <= alpha ? 'concentration' : 'shared-failure';
  const on = all.filter((m) => attributeValue(m.inst, best.attribute) === best.value);
  const canaryF = on.filter((m) => m.group === 'canary' && m.failure !== null).map((m) => m.inst.id);
  const baselineF = on.filter((m) => m.group === 'baseline' && m.failure !== null).map((m) => m.inst.id);
  const chosen = best;
  const also = tested.filter((k) => k !== chosen && k.onIds === chosen.onIds).map((k) => ({ attribute: k.attribute, value: k.value }));
  const label = best.attribute === 'host' ? `host ${best.value}` : `hosts with ${best.attribute} ${best.value}`;
  const evidence =
    basis === 'concentration'
      ? `Fisher exact p=${fmtP(best.p)}${contrasted > 1 ? ` (Bonferroni over ${contrasted} values)` : ''}`
      : `the baseline fails the same way on the same value and the canary no more often (concentration alone: Fisher exact p=${fmtP(best.p)}${best.c + best.d === 0 ? ', every instance runs it' : ''})`;
  const message =
    `failures on ${best.a}/${best.a + best.b} instances on ${label} (canary and baseline alike: ${[...canaryF, ...baselineF].join(', ')}), ` +
    `${best.c}/${best.c + best.d} elsewhere; ${evidence}: likely the environment, not the release` +
    (also.length > 0 ? `; same split by ${also.map((x) => `${x.attribute}=${x.value}`).join(', ')}` : '');
  const failures = on.filter((m) => m.failure !== null);
  return {
    attribute: best.attribute,
    value: best.value,
    at: failures.reduce((latest, m) => Math.max(latest, m.failure!.at), -Infinity),
    failureTimes: failures.map((m) => m.failure!.at),
    instances: failures.map((m) => m.inst.id),
    pValue: best.p,
    basis,
    failingOn: best.a,
    totalOn: best.a + best.b,
    failingElsewhere: best.c,
    totalElsewhere: best.c + best.d,
    canaryFailing: canaryF,
    baselineFailing: baselineF,
    alsoExplainedBy: also,
    reason: {
      signal: 'environment',
      severity: policy.attribution.onEnvironment === 'go' ? 'warn' : 'fail',
      message,
      canary: canaryF.length,
      baseline: baselineF.length,
      pValue: best.p,
      threshold: policy.attribution.alpha,
      cause: 'environment',
      attribute: { name: best.attribute, value: best.value },
    },
  };
}

/** Instances per attribute value and group, with how many of them failed. */
export function inventoryRows(state: RolloutState, policy: Policy, horizon: number): HostAttributeRow[] {
  const all = members(state, policy, horizon);
  const rows = new Map<string, HostAttributeRow>();
  for (const attr of candidateAttributes(state, policy)) {
    for (const m of all) {
      const value = attributeValue(m.inst, attr);
      if (value === undefined) continue;
      const key = `${attr}\u0000${value}`;
      const row = rows.get(key) ?? { attribute: attr, value, canaryInstances: 0, baselineInstances: 0, failingCanary: 0, failingBaseline: 0 };
      if (m.group === 'canary') {
        row.canaryInstances++;
        if (m.failure) row.failingCanary++;
      } else {
        row.baselineInstances++;
        if (m.failure) row.failingBaseline++;
      }
      rows.set(key, row);
    }
  }
  return [...rows.values()];
}
