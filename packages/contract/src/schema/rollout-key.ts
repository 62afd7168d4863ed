/**
 * A rollout is judged per revision: `prod/checkout` at pod-template hash `5b4a3c2d1` and the same
 * workload at the next hash are two analyses, each with its own verdicts, latch, overrides and
 * actions. Inside rollwatch (engine, verdict topic key, alerts state, API paths) the pair travels as
 * one string, the rollout key `<rollout>@<revision>`; a rollout without a revision is keyed by its id.
 */
export const REVISION_SEPARATOR = '@';

/** A revision never contains the separator, so a key splits back unambiguously at its last `@`. */
export const REVISION_PATTERN = /^[^@\s]{1,128}$/;

export function rolloutKey(rollout: string, revision?: string | null): string {
  return revision ? `${rollout}${REVISION_SEPARATOR}${revision}` : rollout;
}

/**
 * Splits a key made by `rolloutKey`. Only an id known to carry a revision should be split: a pushed
 * id that itself contains `@` (and no revision) is its own key, which is why callers that know the
 * pair (the detector's revision index) keep it instead of re-parsing.
 */
export function splitRolloutKey(key: string): { rollout: string; revision?: string } {
  const at = key.lastIndexOf(REVISION_SEPARATOR);
  if (at <= 0 || at === key.length - 1) return { rollout: key };
  const revision = key.slice(at + 1);
  return REVISION_PATTERN.test(revision) ? { rollout: key.slice(0, at), revision } : { rollout: key };
}
