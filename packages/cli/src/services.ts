// The services `rollwatch start` can run. Apart from embedded.ts so the CLI's other commands (analyze,
// templates, ...) start without loading the services and their dependencies (express, kafkajs, ...).
export type ServiceName = 'ingest' | 'detector' | 'alerts';
export const ALL_SERVICES: ServiceName[] = ['ingest', 'detector', 'alerts'];
