// @rollwatch/contract: what services, tools and the dashboard agree on. Data and pure functions only
// (zod schemas, names, error classes): no Kafka, Elasticsearch, HTTP server or Node-only module, so a
// browser bundle can import it. The runtime adapters live in @rollwatch/core, which re-exports this.
export * from './schema/event.js';
export * from './schema/verdict.js';
export * from './schema/rollout-key.js';
export * from './topics.js';
export * from './errors.js';
export * from './dlq.js';
export type * from './api.js';
