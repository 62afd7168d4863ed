import { EVENT_GROUPS, type EventGroup } from '@rollwatch/core';
import type { SourceEvent } from '../sources/interface.js';
import { LABELS } from './labels.js';

export { LABELS };

/** One user rule: every `match` entry must match (full match) for the rule to apply. */
export interface MappingRule {
  /** Label name (or `$service`, `$host`, `$instance`, `$source`, `$type` for event fields) → regex. */
  match: Record<string, RegExp>;
  /** Template: `${label name}` or `${named capture group}` is substituted. */
  rollout: string;
  /** A group, or a template resolving to one; unset: `rollwatch.io/group` label, else built-in hints, else `other`. */
  group?: string;
}

export interface MappingRules {
  /** Tried first, in order; the first rule whose matches all hold and whose rollout is non-empty wins. */
  custom: MappingRule[];
  /** Built-in conventions (plain labels, Argo Rollouts, Docker Compose, Flagger); on unless disabled. */
  builtins: boolean;
  /**
   * Group for an event whose only hint is `rollwatch.io/workload=<name>` (a plain Deployment,
   * StatefulSet, ...). `other` by default: only explicit markers (Argo Rollouts labels, Flagger's
   * canary/primary pair, `rollwatch.io/group`) make a canary, so an ordinary workload's OOM kill is
   * never judged as a failed canary.
   */
  workloadGroup: EventGroup;
  /** `ROLLWATCH_CLUSTER`: prefixes the ids of Kubernetes workloads, `<cluster>/<namespace>/<name>`. */
  cluster?: string;
}

export const DEFAULT_MAPPING_RULES: MappingRules = { custom: [], builtins: true, workloadGroup: 'other' };

export interface ResolvedTarget {
  rollout: string;
  group: EventGroup;
}

/**
 * The event's revision: its own `revision` field, else the `rollwatch.io/revision` label (Docker
 * containers, pushed events, and what the Kubernetes source derived). Undefined: not revisioned.
 */
export function resolveRevision(event: SourceEvent): string | undefined {
  return nonEmpty(event.revision) ?? nonEmpty(stringLabels(event)[LABELS.revision]);
}

const FIELD_KEYS = ['service', 'host', 'instance', 'source', 'type'] as const;

export function isEventGroup(value: unknown): value is EventGroup {
  return typeof value === 'string' && (EVENT_GROUPS as readonly string[]).includes(value);
}

/** Reads a label, or an event field when the key is `$<field>`. */
function lookup(event: SourceEvent, key: string): string | undefined {
  if (key.startsWith('$')) {
    const field = key.slice(1) as (typeof FIELD_KEYS)[number];
    if (!(FIELD_KEYS as readonly string[]).includes(field)) return undefined;
    const value = event[field];
    return typeof value === 'string' ? value : undefined;
  }
  const labels: unknown = event.labels;
  if (labels === null || typeof labels !== 'object') return undefined;
  const value = (labels as Record<string, unknown>)[key];
  return typeof value === 'string' ? value : undefined;
}

/** Defensive: sources and HTTP bodies are untrusted, so a non-string here must not throw. */
function nonEmpty(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  const trimmed = value.trim();
  return trimmed ? trimmed : undefined;
}

/** String-valued labels only (the rest is the validator's business, not the mapper's). */
function stringLabels(event: SourceEvent): Record<string, string> {
  const labels: unknown = event.labels;
  if (labels === null || typeof labels !== 'object' || Array.isArray(labels)) return {};
  return Object.fromEntries(Object.entries(labels as Record<string, unknown>).filter((e): e is [string, string] => typeof e[1] === 'string'));
}

/**
 * Derives `rollout` and `group` for an event. Explicit fields win, then user rules, then the
 * built-in conventions. Returns undefined when no rollout can be derived (the caller counts and
 * drops it, or sends it to the catch-all rollout). Pure: no I/O, no state.
 */
export function resolveRolloutAndGroup(event: SourceEvent, rules: MappingRules): ResolvedTarget | undefined {
  const explicitRollout = nonEmpty(event.rollout);
  const explicitGroup = isEventGroup(event.group) ? event.group : undefined;
  if (explicitRollout && explicitGroup) return { rollout: explicitRollout, group: explicitGroup };

  const derived = applyCustomRules(event, rules.custom) ?? (rules.builtins ? applyBuiltins(event, rules) : undefined);
  if (explicitRollout) {
    // The producer named the rollout; only the group is missing. Take the derived group only when
    // it belongs to the same rollout, otherwise the label hints describe something else.
    const group = explicitGroup ?? groupHint(event) ?? (derived?.rollout === explicitRollout ? derived.group : undefined) ?? 'other';
    return { rollout: explicitRollout, group };
  }
  if (!derived) return undefined;
  return explicitGroup ? { rollout: derived.rollout, group: explicitGroup } : derived;
}

function applyCustomRules(event: SourceEvent, custom: MappingRule[]): ResolvedTarget | undefined {
  for (const rule of custom) {
    const captures: Record<string, string> = {};
    let matched = true;
    for (const [key, regex] of Object.entries(rule.match)) {
      const value = lookup(event, key);
      const result = value === undefined ? null : regex.exec(value);
      if (!result) {
        matched = false;
        break;
      }
      Object.assign(captures, result.groups ?? {});
    }
    if (!matched) continue;
    const rollout = nonEmpty(renderTemplate(rule.rollout, event, captures));
    if (!rollout) continue;
    const renderedGroup = rule.group === undefined ? undefined : renderTemplate(rule.group, event, captures).trim();
    const group = isEventGroup(renderedGroup) ? renderedGroup : (groupHint(event) ?? 'other');
    return { rollout, group };
  }
  return undefined;
}

/** `${name}`: a named capture group first, then a label (or `$field`); missing → empty string. */
export function renderTemplate(template: string, event: SourceEvent, captures: Record<string, string> = {}): string {
  return template.replace(/\$\{([^}]+)\}/g, (_all, name: string) => captures[name] ?? lookup(event, name) ?? '');
}

/** Group from the labels alone: explicit label, then Argo Rollouts hints. */
function groupHint(event: SourceEvent): EventGroup | undefined {
  const labels = stringLabels(event);
  const explicit = labels[LABELS.group];
  if (isEventGroup(explicit)) return explicit;
  return argoGroup(labels);
}

function argoGroup(labels: Record<string, string>): EventGroup | undefined {
  const podHash = labels[LABELS.argoPodTemplateHash];
  const stableHash = labels[LABELS.argoStableHash];
  if (podHash && stableHash) return podHash === stableHash ? 'stable' : 'canary';
  // canaryMetadata/stableMetadata (canary strategy) or previewMetadata/activeMetadata (blue/green).
  switch (labels[LABELS.role]?.trim().toLowerCase()) {
    case 'canary':
    case 'preview':
      return 'canary';
    case 'stable':
    case 'active':
      return 'stable';
    case 'baseline':
      return 'baseline';
    default:
      return undefined;
  }
}

const FLAGGER_PRIMARY_SUFFIX = '-primary';

/**
 * Kubernetes names are unique per namespace only (and per cluster), so the id of a workload seen
 * through the Kubernetes source is `[<cluster>/]<namespace>/<name>`: `prod/checkout` and
 * `staging/checkout` are two rollouts.
 */
function scoped(name: string, labels: Record<string, string>, rules: MappingRules): string {
  const namespace = nonEmpty(labels[LABELS.namespace]);
  if (!namespace) return name;
  const cluster = nonEmpty(rules.cluster);
  return cluster ? `${cluster}/${namespace}/${name}` : `${namespace}/${name}`;
}

function applyBuiltins(event: SourceEvent, rules: MappingRules): ResolvedTarget | undefined {
  const labels = stringLabels(event);

  const plain = nonEmpty(labels[LABELS.rollout]);
  if (plain) return { rollout: scoped(plain, labels, rules), group: groupHint(event) ?? 'other' };

  const argoRollout = nonEmpty(labels[LABELS.argoRollout]);
  if (argoRollout) {
    const explicit = labels[LABELS.group];
    return { rollout: scoped(argoRollout, labels, rules), group: isEventGroup(explicit) ? explicit : (argoGroup(labels) ?? 'other') };
  }

  const project = nonEmpty(labels[LABELS.composeProject]);
  const service = nonEmpty(labels[LABELS.composeService]);
  if (project && service) return { rollout: `${project}/${service}`, group: groupHint(event) ?? 'other' };

  const workload = nonEmpty(labels[LABELS.workload]);
  if (workload) {
    const explicit = labels[LABELS.group];
    if (workload.endsWith(FLAGGER_PRIMARY_SUFFIX) && workload.length > FLAGGER_PRIMARY_SUFFIX.length) {
      return { rollout: scoped(workload.slice(0, -FLAGGER_PRIMARY_SUFFIX.length), labels, rules), group: isEventGroup(explicit) ? explicit : 'baseline' };
    }
    // Flagger's target is the canary only while its `-primary` exists (the Kubernetes source marks it).
    const flaggerCanary = labels[LABELS.flagger] === 'canary';
    return { rollout: scoped(workload, labels, rules), group: isEventGroup(explicit) ? explicit : flaggerCanary ? 'canary' : rules.workloadGroup };
  }
  return undefined;
}
