import { z } from 'zod';
import type { Verdict } from '@rollwatch/core';
import { compilePattern, patternError } from '../routing/pattern.js';

const pattern = z.string().min(1).max(512).superRefine((value, ctx) => {
  // Silences come over the API (operate scope): globs only, no regular expressions.
  const problem = patternError(value, { allowRegex: false });
  if (problem) ctx.addIssue({ code: 'custom', message: problem });
});

const MAX_DURATION_MS = 90 * 24 * 60 * 60 * 1000;

/** `30m`, `2h`, `1d`, `90s` or plain seconds. */
export function parseDuration(text: string): number | undefined {
  const match = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)?$/.exec(text.trim());
  if (!match) return undefined;
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[match[2] ?? 's']!;
  return Number(match[1]) * unit;
}

/** POST /api/v1/silences body. */
export const silenceInputSchema = z
  .strictObject({
    matchers: z
      .strictObject({ rollout: pattern.optional(), service: pattern.optional(), labels: z.record(z.string().min(1), pattern).optional() })
      .refine((m) => m.rollout !== undefined || m.service !== undefined || Object.keys(m.labels ?? {}).length > 0, 'needs at least one of rollout, service, labels'),
    startsAt: z.iso.datetime({ offset: true }).optional(),
    endsAt: z.iso.datetime({ offset: true }).optional(),
    duration: z.union([z.string(), z.number().positive()]).optional(),
    createdBy: z.string().min(1).max(256),
    comment: z.string().min(1).max(4096),
  })
  .superRefine((input, ctx) => {
    if ((input.endsAt === undefined) === (input.duration === undefined)) {
      ctx.addIssue({ code: 'custom', path: ['endsAt'], message: 'give exactly one of endsAt or duration' });
    }
    if (typeof input.duration === 'string' && parseDuration(input.duration) === undefined) {
      ctx.addIssue({ code: 'custom', path: ['duration'], message: 'must look like 90s, 30m, 2h or 1d' });
    }
  });
export type SilenceInput = z.output<typeof silenceInputSchema>;

export interface Silence {
  id: string;
  matchers: { rollout?: string; service?: string; labels?: Record<string, string> };
  startsAt: string;
  endsAt: string;
  createdBy: string;
  comment: string;
  createdAt: string;
  /** Set by DELETE: the silence was expired early (kept for the record). */
  expiredAt?: string;
}

/** Pure: turns validated input into a silence; returns a field error when the window is wrong. */
export function buildSilence(input: SilenceInput, id: string, now: Date): Silence | { field: string; message: string } {
  const startsAt = input.startsAt ? new Date(input.startsAt) : now;
  const durationMs = typeof input.duration === 'number' ? input.duration * 1000 : input.duration ? parseDuration(input.duration)! : undefined;
  const endsAt = input.endsAt ? new Date(input.endsAt) : new Date(startsAt.getTime() + durationMs!);
  const field = input.endsAt ? 'endsAt' : 'duration';
  if (endsAt.getTime() <= now.getTime()) return { field, message: 'the silence would already be over' };
  if (endsAt.getTime() <= startsAt.getTime()) return { field, message: 'must end after it starts' };
  if (endsAt.getTime() - startsAt.getTime() > MAX_DURATION_MS) return { field, message: 'silences last at most 90 days' };
  return {
    id,
    matchers: input.matchers,
    startsAt: startsAt.toISOString(),
    endsAt: endsAt.toISOString(),
    createdBy: input.createdBy,
    comment: input.comment,
    createdAt: now.toISOString(),
  };
}

export function silenceActive(silence: Silence, now: Date): boolean {
  if (silence.expiredAt) return false;
  const t = now.getTime();
  return Date.parse(silence.startsAt) <= t && t < Date.parse(silence.endsAt);
}

export function silenceMatches(silence: Silence, verdict: Pick<Verdict, 'rollout' | 'service' | 'labels'>): boolean {
  const m = silence.matchers;
  if (m.rollout !== undefined && !globMatches(m.rollout, verdict.rollout)) return false;
  if (m.service !== undefined && (verdict.service === undefined || !globMatches(m.service, verdict.service))) return false;
  for (const [key, want] of Object.entries(m.labels ?? {})) {
    const value = verdict.labels?.[key];
    if (value === undefined || !globMatches(want, value)) return false;
  }
  return true;
}

/** The first active silence covering this verdict, if any. */
export function findSilence(silences: readonly Silence[], verdict: Pick<Verdict, 'rollout' | 'service' | 'labels'>, now: Date): Silence | undefined {
  return silences.find((s) => silenceActive(s, now) && silenceMatches(s, verdict));
}

/**
 * A silence stored before regular expressions were refused (or edited in the store) matches
 * nothing rather than running an unbounded regex: failing open here means people get notified.
 */
function globMatches(pattern: string, value: string): boolean {
  try {
    return compilePattern(pattern, { allowRegex: false })(value);
  } catch {
    return false;
  }
}
