import type { RollwatchEvent } from '@rollwatch/core';
import { FLAGGER_DEFAULTS, FlaggerStyleJudge } from './flagger.js';
import type { BaselineJudge, BaselineVerdict } from './interface.js';
import { KAYENTA_DEFAULTS, KayentaStyleJudge } from './kayenta.js';
import { NAIVE_RATIO_DEFAULTS, NaiveRatioJudge } from './naive-ratio.js';

export const BASELINE_KINDS = ['none', 'naive', 'flagger', 'kayenta'] as const;
export type BaselineKind = (typeof BASELINE_KINDS)[number];

/** Never rolls back: the "no analysis at all" reference. */
class NoBaseline implements BaselineJudge {
  readonly name = 'none';
  judge(_events: readonly RollwatchEvent[]): BaselineVerdict {
    return { flagged: false, detectedAtMs: null, checks: 0, reason: 'no analysis' };
  }
}

export function createBaseline(kind: BaselineKind | undefined): BaselineJudge {
  const k = kind ?? 'none';
  switch (k) {
    case 'none':
      return new NoBaseline();
    case 'naive':
      return new NaiveRatioJudge(NAIVE_RATIO_DEFAULTS);
    case 'flagger':
      return new FlaggerStyleJudge(FLAGGER_DEFAULTS);
    case 'kayenta':
      return new KayentaStyleJudge(KAYENTA_DEFAULTS);
    default: {
      const unreachable: never = k;
      throw new Error(`unknown baseline ${String(unreachable)}`);
    }
  }
}
