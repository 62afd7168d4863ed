/**
 * Test support (not shipped behaviour): runs alerts from env like main.ts, but SIGKILLs itself the
 * moment the first action intent is durable — the "killed between deciding and acting" case.
 * IT_ES_PREFIX isolates the test's indices in a shared Elasticsearch.
 */
import { createBus, createLogger, createRegistry, ElasticsearchStore, loadConfig } from '@rollwatch/core';
import { alertsConfigSchema } from '../config.js';
import { createAlerts } from '../service.js';

const config = loadConfig(alertsConfigSchema);
const logger = createLogger('alerts-crash-child', config.LOG_LEVEL);
const store = new ElasticsearchStore({ url: config.ELASTICSEARCH_URL!, prefix: process.env.IT_ES_PREFIX });
const service = createAlerts({
  config,
  bus: createBus(config, 'alerts-crash-child', logger),
  store,
  logger,
  registry: createRegistry('alerts'),
  hooks: {
    afterIntent: (doc) => {
      process.stdout.write(`INTENT ${doc.kind} ${doc.target}\n`);
      process.kill(process.pid, 'SIGKILL');
    },
  },
});
await service.start();
process.stdout.write('STARTED\n');
