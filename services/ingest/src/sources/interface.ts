import type { RollwatchEventInput } from '@rollwatch/core';
/** What a source emits: an event-schema-v1 input; `rollout`/`group` may be omitted when the
 *  pipeline should derive them from `labels` with the mapping rules (services/ingest/src/mapping/). */
export type SourceEvent = Omit<RollwatchEventInput, 'rollout' | 'group'> & { rollout?: string; group?: RollwatchEventInput['group'] };
export interface EventSink {
  /** Validates, maps, and durably accepts (Kafka or the on-disk spool) before resolving. */
  emit(events: SourceEvent[]): Promise<void>;
}
export interface SourceStatus { name: string; connected: boolean; lastEventAt?: string; lastError?: string; reconnects: number; }
export interface Source {
  readonly name: string;
  start(sink: EventSink): Promise<void>;
  stop(): Promise<void>;
  status(): SourceStatus;
}
