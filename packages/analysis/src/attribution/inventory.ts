// Pre-flight environment checks: mixed environments between canary and baseline (a confounder for
// every comparison), version skew, and known-bad combinations (containerd too old for the engine,
// a storage driver the kernel cannot run or that is deprecated, runc with a known container escape).
import type { Reason } from '@rollwatch/core';
import type { Policy } from '../policy/schema.js';
import type { InstanceState, RolloutState } from '../state/types.js';
import { comparedGroup, hasBaselineGroup } from '../state/types.js';
import { compareVersions, versionAtLeast, versionParts } from './versions.js';

// Runtime components should match across a fleet; kernels often differ legitimately (rolling OS
// patching), so kernel skew is informational unless it separates canary from baseline.
const VERSIONED: Record<string, 'warn' | 'info'> = { engineVersion: 'warn', containerdVersion: 'warn', runcVersion: 'warn', kernel: 'info' };

const cache = new WeakMap<RolloutState, { version: number; policy: Policy; reasons: Reason[] }>();

/** Cached per rollout until an instance, its group or host attributes change. */
export function inventoryWarnings(state: RolloutState, policy: Policy): Reason[] {
  const version = state.inventoryVersion ?? 0;
  const hit = cache.get(state);
  if (hit && hit.version === version && hit.policy === policy) return hit.reasons;
  const reasons = computeInventoryWarnings(state, policy);
  cache.set(state, { version, policy, reasons });
  return reasons;
}

function computeInventoryWarnings(state: RolloutState, policy: Policy): Reason[] {
  const instances = Object.values(state.instances).sort((a, b) => (a.id < b.id ? -1 : 1));
  const hasBaseline = hasBaselineGroup(state);
  const out: Reason[] = [];
  const seen = new Set<string>();
  const warn = (message: string, attribute?: { name: string; value: string }, severity: 'warn' | 'info' = 'warn'): void => {
    if (seen.has(message)) return;
    seen.add(message);
    out.push({ signal: 'host_inventory', severity, message, cause: 'environment', ...(attribute ? { attribute } : {}) });
  };

  // Canary and baseline on disjoint values of an attribute: differences may be the hosts'.
  const keys = new Set<string>();
  for (const i of instances) for (const k of Object.keys(i.hostAttributes)) keys.add(k);
  for (const key of [...keys].sort()) {
    const values = (g: 'canary' | 'baseline'): Set<string> =>
      new Set(instances.filter((i) => comparedGroup(i.group, hasBaseline) === g && i.hostAttributes[key] !== undefined).map((i) => i.hostAttributes[key]!));
    const c = values('canary');
    const b = values('baseline');
    if (c.size > 0 && b.size > 0 && [...c].every((v) => !b.has(v))) {
      warn(`mixed environment: canary runs on ${key} ${[...c].sort().join(', ')} but baseline on ${[...b].sort().join(', ')}; differences may come from the hosts`);
    }
  }

  // Version skew across the fleet.
  for (const [key, severity] of Object.entries(VERSIONED)) {
    const counts = new Map<string, number>();
    for (const i of instances) {
      const v = i.hostAttributes[key];
      if (v !== undefined) counts.set(v, (counts.get(v) ?? 0) + 1);
    }
    if (counts.size > 1) {
      const list = [...counts.entries()].sort((a, b) => compareVersions(b[0], a[0])).map(([v, n]) => `${v} (${n})`);
      warn(`version skew: ${key} differs across instances: ${list.join(', ')}`, undefined, severity);
    }
  }

  for (const inst of instances) for (const message of hostProblems(inst, policy)) warn(message.text, message.attribute);
  return out;
}

function hostProblems(inst: InstanceState, policy: Policy): { text: string; attribute: { name: string; value: string } }[] {
  const a = inst.hostAttributes;
  const where = inst.host ?? inst.id;
  const out: { text: string; attribute: { name: string; value: string } }[] = [];
  const inv = policy.inventory;
  if (a.storageDriver !== undefined) {
    if (inv.deprecatedStorageDrivers.includes(a.storageDriver)) {
      out.push({ text: `storage driver ${a.storageDriver} is deprecated (host ${where}); migrate to overlay2`, attribute: { name: 'storageDriver', value: a.storageDriver } });
    }
    if (a.storageDriver === 'overlay2' && a.kernel !== undefined && !versionAtLeast(a.kernel, inv.overlay2MinKernel)) {
      out.push({ text: `storage driver overlay2 needs kernel >= ${inv.overlay2MinKernel} but host ${where} runs ${a.kernel}`, attribute: { name: 'kernel', value: a.kernel } });
    }
  }
  if (a.engineVersion !== undefined && a.containerdVersion !== undefined) {
    const min = containerdFloor(a.engineVersion, inv.containerdMinForEngine);
    if (min !== undefined && compareVersions(a.containerdVersion, min) < 0) {
      out.push({
        text: `containerd ${a.containerdVersion} is too old for Docker engine ${a.engineVersion} (needs >= ${min}) on host ${where}`,
        attribute: { name: 'containerdVersion', value: a.containerdVersion },
      });
    }
  }
  if (a.runcVersion !== undefined && versionParts(a.runcVersion).length > 0 && compareVersions(a.runcVersion, inv.minRuncVersion) < 0) {
    out.push({ text: `runc ${a.runcVersion} on host ${where} is older than ${inv.minRuncVersion} (CVE-2024-21626 container escape)`, attribute: { name: 'runcVersion', value: a.runcVersion } });
  }
  return out;
}

/** The floor for the highest engine line <= the engine's major.minor. */
export function containerdFloor(engine: string, table: Record<string, string>): string | undefined {
  const [major = 0, minor = 0] = versionParts(engine);
  let best: { line: string; min: string } | undefined;
  for (const [line, min] of Object.entries(table)) {
    if (compareVersions(line, `${major}.${minor}`) <= 0 && (!best || compareVersions(line, best.line) > 0)) best = { line, min };
  }
  return best?.min;
}
