import { Counter, Gauge, errorMessage, type Bus, type Registry, type Logger, type Store, type Subscription, type Verdict } from '@rollwatch/core';
import type { DetectorConfig } from '../config.js';
import { createForwarder, type Forwarder } from '../http/forward.js';
import { encodeMemberCard, OwnerDirectory } from './owners.js';
import { lastStoredVerdict } from './rebuild.js';
import { subscribeVerdictView, VerdictView } from './verdict-view.js';

/**
 * How a replica answers for rollouts it does not own: verdicts from the view of rollwatch.verdicts
 * (the store only on a miss), engine-backed reads forwarded to the owner the consumer group names.
 */
export interface RemoteReads {
  readonly view: VerdictView;
  readonly forwarder: Forwarder;
  /** What this replica publishes to the consumer group (its advertised URL), if it has one. */
  readonly memberData: string | undefined;
  /** The latest verdict another replica published for the key. */
  verdict(key: string): Promise<Verdict | undefined>;
  start(): Promise<void>;
  stop(): Promise<void>;
}

export function createRemoteReads(deps: { config: DetectorConfig; bus: Bus; store: Store; logger: Logger; registry: Registry }): RemoteReads {
  const { config, bus, store, logger } = deps;
  const registers = [deps.registry];
  const reads = new Counter({ name: 'rollwatch_detector_remote_reads_total', help: 'Answers about rollouts another replica owns, by source (verdict view, store on a view miss, forwarded to the owner, owner unreachable).', labelNames: ['source'], registers });
  const self = config.DETECTOR_ADVERTISED_URL;
  const view = new VerdictView(config.DETECTOR_VERDICT_VIEW_MAX);
  new Gauge({
    name: 'rollwatch_detector_verdict_view_keys',
    help: 'Rollout keys in the verdict view materialised from rollwatch.verdicts.',
    registers,
    collect() {
      this.set(view.size);
    },
  });
  const owners = new OwnerDirectory({ bus, store, group: config.DETECTOR_CONSUMER_GROUP, self, logger });
  const forwarder = createForwarder({
    self,
    timeoutMs: config.DETECTOR_FORWARD_TIMEOUT_MS,
    ownerOf: (id) => owners.ownerOf(id),
    answered: () => reads.inc({ source: 'owner' }),
    unreachable: (url, error) => {
      reads.inc({ source: 'owner-unreachable' });
      owners.invalidate();
      logger.warn({ owner: url, err: errorMessage(error) }, 'the replica owning the rollout did not answer; answering from its checkpoint');
    },
  });
  let subscription: Subscription | undefined;
  return {
    view,
    forwarder,
    memberData: self ? encodeMemberCard({ url: self }) : undefined,
    async verdict(key) {
      const held = view.get(key);
      reads.inc({ source: held ? 'view' : 'store' });
      return held ?? (await lastStoredVerdict(store, key));
    },
    async start() {
      if (config.DETECTOR_VERDICT_VIEW_MAX > 0) subscription = await subscribeVerdictView({ bus, view, groupPrefix: config.DETECTOR_CONSUMER_GROUP, logger });
    },
    async stop() {
      await subscription?.stop();
      subscription = undefined;
    },
  };
}
