// The contract (schemas, topics, indices, DLQ envelope, errors) is @rollwatch/contract; re-exported so
// `import ... from '@rollwatch/core'` keeps working. What follows here is the runtime (Node) side.
export * from '@rollwatch/contract';
export { parseEvent, deriveEventId } from './schema/parse-event.js';
export * from './retry.js';
export * from './config.js';
export * from './logger.js';
export * from './metrics.js';
export * from './backends.js';
export type * from './bus/interface.js';
export { MemoryBus } from './bus/memory-bus.js';
export { KafkaBus, type KafkaBusOptions } from './bus/kafka-bus.js';
export { partitionFor } from './bus/partition.js';
export { deadLetterMessage, deadLetterDocument, consumeWithDeadLetters, type ConsumeOptions } from './bus/dead-letter.js';
export * from './bus/topic-settings.js';
export type * from './store/interface.js';
export { MemoryStore, matches } from './store/memory-store.js';
export { ElasticsearchStore, storeDocumentId, MAX_DOCUMENT_ID_BYTES, toEsQuery, type ElasticsearchStoreOptions } from './store/elasticsearch-store.js';
export { MAPPINGS } from './store/mappings.js';
export * from './store/storage-settings.js';
export { FAMILIES, familyOf, isDataStream, legacyIndexName, type FamilyName, type IndexFamily } from './store/families.js';
export * from './http/app.js';
export * from './http/auth.js';
export * from './http/exposure.js';
export * from './http/browser-guard.js';
export * from './lifecycle.js';
export { Pacer, yieldToEventLoop, DEFAULT_SLICE_MS } from './runtime/pacer.js';
