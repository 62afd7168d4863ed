import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ensureElasticsearch, ensureKafka, type ElasticsearchServer, type KafkaServer } from '@rollwatch/testkit';
import { runTag } from '../harness/events.js';
import type { ServiceProcess } from '../harness/service-process.js';
import { killAll, serviceProcess } from '../harness/stack.js';
import { formatSamples, runLoad, type LoadReport } from './load.js';

/**
 * CI subset of the load test (`npm run test:chaos` runs 5 minutes): sustained push through ingest
 * into the detector for 1,000 concurrent rollouts. No loss (Elasticsearch and Kafka counts equal
 * the accepted events), bounded RSS, and consumer lag back to 0 after the load stops.
 */
const DURATION_MS = Number(process.env.ROLLWATCH_LOAD_DURATION_MS ?? 20_000);
const RATE = Number(process.env.ROLLWATCH_LOAD_RATE ?? 1000);
const ROLLOUTS = Number(process.env.ROLLWATCH_LOAD_ROLLOUTS ?? 1000);
/** Generous ceilings: a leak at this rate grows far past them within the run. */
const MAX_INGEST_MB = 400;
const MAX_DETECTOR_MB = 1200;

describe(`load: ${RATE} events/s for ${DURATION_MS / 1000} s over ${ROLLOUTS} rollouts`, { timeout: 900_000 }, () => {
  let kafka: KafkaServer;
  let es: ElasticsearchServer;
  let ingest: ServiceProcess;
  let detector: ServiceProcess;
  const run = runTag();

  before(async () => {
    // Private servers: the 5-minute run leaves millions of events behind, which a shared Kafka would
    // make later suites' consumers read from the beginning and a shared Elasticsearch would make
    // later detectors rebuild from (the security suite timed out behind them in the chaos run).
    [kafka, es] = await Promise.all([ensureKafka({ fresh: true }), ensureElasticsearch({ fresh: true })]);
    const backends = { kafkaBootstrap: kafka.bootstrap, elasticsearchUrl: es.url };
    // One generator process stands in for a whole fleet of pushers, all from 127.0.0.1: the per-IP
    // push rate limit (100 requests/s by default) and the cap on new rollout ids per client (600/min)
    // would otherwise throttle the fleet as one client.
    ingest = serviceProcess('ingest', backends, run, { LOG_LEVEL: 'warn', INGEST_RATE_LIMIT: '0', INGEST_MAX_NEW_ROLLOUTS_PER_MINUTE: '0' });
    // The load's own group, starting at the end: lag measures this run only.
    detector = serviceProcess('detector', backends, run, { LOG_LEVEL: 'warn', DETECTOR_FROM_BEGINNING: 'false', DETECTOR_EVALUATION_INTERVAL_MS: '5000' });
    await Promise.all([ingest.start(), detector.start()]);
    await Promise.all([ingest.ready(90_000), detector.ready(90_000)]);
    await new Promise((r) => setTimeout(r, 3000)); // consumer group joined
  });

  after(async () => {
    await killAll([ingest, detector]);
    await kafka?.stop();
    await es?.stop();
  });

  let report: LoadReport | undefined;

  it('no loss, bounded memory', async () => {
    report = await runLoad({
      ingest,
      detector,
      detectorGroup: `rel-detector-${run}`,
      kafkaBrokers: kafka.brokers,
      elasticsearchUrl: es.url,
      rolloutPrefix: `load-${run}-`,
      durationMs: DURATION_MS,
      ratePerSecond: RATE,
      rollouts: ROLLOUTS,
      sampleEveryMs: 2000,
      recoverTimeoutMs: Number(process.env.ROLLWATCH_LOAD_RECOVER_MS ?? 60_000),
    });
    const { samples, ...summary } = report;
    console.log(`# load: ${JSON.stringify(summary)}\n# ${formatSamples(samples).split('\n').join('\n# ')}`);
    assert.ok(report.accepted > 0);
    assert.deepEqual(Object.keys(report.statuses), ['202'], `every push accepted: ${JSON.stringify(report.statuses)}`);
    assert.ok(report.achievedRate >= RATE * 0.8, `achieved ${report.achievedRate} events/s of ${RATE}`);
    assert.equal(report.matchedIds, report.accepted, 'every accepted event stored in Elasticsearch');
    assert.equal(report.storedInEs, report.accepted, 'stored exactly once');
    assert.equal(report.kafkaGrowth, report.accepted, 'rollwatch.events grew by exactly the accepted events');
    assert.ok(report.peakIngestMb < MAX_INGEST_MB, `ingest RSS peaked at ${report.peakIngestMb} MB`);
    assert.ok(report.peakDetectorMb < MAX_DETECTOR_MB, `detector RSS peaked at ${report.peakDetectorMb} MB`);
    assert.deepEqual(ingest.crashes, []);
    assert.deepEqual(detector.crashes, []);
  });

  // Lag is read from the group's committed offsets (kafkajs admin), which KafkaBus commits only
  // after the handler's work is durable: 0 means every event is stored, not merely fetched.
  it('consumer lag (committed offsets) returns to 0 after the load stops', () => {
    assert.ok(report, 'the load ran');
    assert.notEqual(report.lagRecoveredMs, null, `consumer lag did not return to 0 (stayed at ${report.lagAtStop}, max ${report.maxLag})`);
  });
});
