import { compilePattern, type NamePattern } from '../routing/pattern.js';

/**
 * Which workloads rollwatch may pause or roll back. Operators set it (ALERTS_ACTUATION_TARGETS,
 * read only from the alerts service's own environment: no API and no token can change it); event
 * labels, registrations and routes only *select* among the workloads it allows. Empty means
 * actuation is off: every route notifies only.
 */
export interface TargetAllowlist {
  /** The entries as written, e.g. `payments/checkout-*`. */
  readonly entries: readonly string[];
  allows(workload: { namespace: string; name: string }): boolean;
}

/** Names as Kubernetes allows them, plus glob wildcards: no `/`, no spaces, no control characters. */
const ENTRY_PART = /^[A-Za-z0-9*?._-]{1,253}$/;

export class AllowlistError extends Error {
  constructor(
    readonly entry: string,
    message: string,
  ) {
    super(message);
  }
}

/**
 * Parses `namespace/name-glob` entries separated by commas or whitespace, e.g.
 * `payments/checkout-*, shop/*`. `*` and `?` are globs (not regular expressions).
 */
export function parseTargetAllowlist(raw: string | undefined): TargetAllowlist {
  const entries = (raw ?? '')
    .split(/[\s,]+/)
    .map((e) => e.trim())
    .filter(Boolean);
  const compiled: [NamePattern, NamePattern][] = entries.map((entry) => {
    const parts = entry.split('/');
    if (parts.length !== 2 || !ENTRY_PART.test(parts[0]!) || !ENTRY_PART.test(parts[1]!)) {
      throw new AllowlistError(entry, `"${entry}" is not namespace/name (globs * and ? allowed, e.g. payments/checkout-*)`);
    }
    return [compilePattern(parts[0]!), compilePattern(parts[1]!)];
  });
  return {
    entries,
    allows: (workload) => compiled.some(([ns, name]) => ns(workload.namespace) && name(workload.name)),
  };
}

/** Why an actuation of this workload is refused, or undefined when the allow-list permits it. */
export function targetRefusal(list: TargetAllowlist, workload: { namespace: string; name: string } | undefined): string | undefined {
  if (!workload) return 'the actuation names no workload';
  if (list.entries.length === 0) return 'actuation is disabled: ALERTS_ACTUATION_TARGETS lists no workload';
  if (list.allows(workload)) return undefined;
  return `target ${workload.namespace}/${workload.name} is not in ALERTS_ACTUATION_TARGETS (${list.entries.join(', ')}); only operators may add targets`;
}
