import type { Request, Response } from 'express';
import type { Store, Verdict } from '@rollwatch/core';
import type { AnalysisEngine, RolloutSpec } from '@rollwatch/analysis';
import type { RevisionIndex } from '../state/revisions.js';
import type { OverridePort } from './override.js';
import type { SpecRegistry } from '../state/specs.js';
import type { VerdictTracker } from '../verdicts/tracker.js';

/**
 * Where a rollout's state lives: in this replica's engine, being restored into it (its partition was
 * just assigned here), or only as stored verdicts (another replica's).
 */
export type RolloutLocation = 'local' | 'restoring' | 'remote';

/** Every replica's latest published verdicts: the view of the compacted `rollwatch.verdicts` topic. */
export interface FleetVerdicts {
  all(): Iterable<Verdict>;
  get(key: string): Verdict | undefined;
  /** Each verdict new to this replica (a key's first, or a higher sequence), own ones included. */
  onChange(listener: (verdict: Verdict) => void): () => void;
}

/** What the HTTP layer needs from the running detector (keeps routes free of wiring). */
export interface DetectorPort extends OverridePort {
  readonly engine: AnalysisEngine;
  readonly store: Store;
  readonly specs: SpecRegistry;
  readonly tracker: VerdictTracker;
  /** The (rollout, revision) pairs seen: resolves API ids to rollout keys, binds Flagger checksums. */
  readonly revisions: RevisionIndex;
  /** How long before a Flagger checksum first appears its revision may have started (DETECTOR_FLAGGER_REVISION_WINDOW_MS). */
  readonly flaggerWindowMs: number;
  /** ROLLWATCH_CLUSTER: Flagger webhooks try `<cluster>/<namespace>/<name>` first. */
  readonly cluster?: string | undefined;
  /** Undefined when the verdict view is off (DETECTOR_VERDICT_VIEW_MAX=0): the list and stream are then this replica's own. */
  readonly fleet?: FleetVerdicts | undefined;
  /** The earliest `evaluatedAt` (ms) of another replica's verdict that GET /rollouts still lists (now - DETECTOR_RETENTION_MS). */
  listedSinceMs?(): number;
  locate(rollout: string): Promise<RolloutLocation | undefined>;
  /** Latest verdict: local evaluation, else the last one stored by whichever replica owns it. */
  verdict(rollout: string): Promise<Verdict | undefined>;
  /** Validates an event v1 and publishes it to rollwatch.events (stored and analysed like any other); returns its id. */
  publishEvent(event: Record<string, unknown>): Promise<string>;
  /** An engine holding only this rollout, restored from its partition's last checkpoint (for a rollout another replica owns). */
  checkpointEngine?(rollout: string): Promise<{ engine: AnalysisEngine; at: string } | undefined>;
  /**
   * Replays a read about a rollout another replica owns on that replica and sends its answer; false
   * (nothing sent) when there is no owner to ask or it did not answer.
   */
  forward?(key: string, req: Request, res: Response): Promise<boolean>;
  /** For an id whose events this replica has not seen: its newest rollout key among the verdicts of other replicas. */
  remoteKey?(id: string): string | undefined;
  /** Validates with the engine, persists, evaluates. Throws ValidationError on a bad spec. */
  register(spec: RolloutSpec): Promise<{ created: boolean; verdict: Verdict | undefined }>;
}
