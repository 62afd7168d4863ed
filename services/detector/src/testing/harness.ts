import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { MemoryBus, MemoryStore, closeServer, createLogger, createRegistry, listen, loadConfig, TOPICS, type Bus, type ConsumedMessage, type RollwatchEventInput, type Store, type Subscription } from '@rollwatch/core';
import type { AnalysisEngine } from '@rollwatch/analysis';
import { detectorConfigSchema, type DetectorConfig } from '../config.js';
import { createDetector, type Detector } from '../detector.js';
import { crashLoopEvents } from '@rollwatch/testkit';
import { FakeEngine } from './fake-engine.js';

export interface Harness {
  detector: Detector;
  engine: AnalysisEngine;
  bus: Bus;
  store: Store;
  config: DetectorConfig;
  url: string;
  server: Server;
  close(): Promise<void>;
}

export function testConfig(overrides: Record<string, unknown> = {}): DetectorConfig {
  return loadConfig(detectorConfigSchema, { env: {}, overrides: { LOG_LEVEL: 'silent', DETECTOR_PORT: 0, DETECTOR_EVALUATION_INTERVAL_MS: 60_000, ...overrides } });
}

/** A started detector on an ephemeral port with MemoryBus/MemoryStore (or the given ones). */
export async function startHarness(options: { bus?: Bus; store?: Store; engine?: AnalysisEngine; config?: Record<string, unknown>; now?: () => number } = {}): Promise<Harness> {
  const config = testConfig(options.config);
  const bus = options.bus ?? new MemoryBus(2);
  const store = options.store ?? new MemoryStore();
  const engine = options.engine ?? new FakeEngine();
  const detector = createDetector({ config, bus, store, engine, logger: createLogger('detector-test', 'silent'), registry: createRegistry('detector'), ...(options.now ? { now: options.now } : {}) });
  await detector.start();
  const { server } = await listen(detector.app, 0, '127.0.0.1');
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    detector,
    engine,
    bus,
    store,
    config,
    url,
    server,
    close: async () => {
      await detector.stop();
      await closeServer(server);
    },
  };
}

let counter = 0;
/** A valid event-v1 body; `time` defaults to a few seconds ago so the schema's skew checks pass. */
export function event(overrides: Partial<RollwatchEventInput> & { rollout: string }): RollwatchEventInput {
  counter++;
  return {
    time: new Date(Date.now() - 60_000 + counter).toISOString(),
    group: 'canary',
    type: 'container_start',
    instance: `i-${counter % 3}`,
    service: 'checkout',
    ...overrides,
  };
}

export async function publishEvents(bus: Bus, events: unknown[]): Promise<void> {
  await bus.publish(
    TOPICS.events,
    events.map((e) => ({ key: (e as { rollout?: string }).rollout ?? 'x', value: typeof e === 'string' ? e : JSON.stringify(e) })),
  );
}

/** A crash-looping canary: starts, then `crashes` restarts, plus a quiet baseline. */
export function crashLoop(rollout: string, crashes = 4): RollwatchEventInput[] {
  return crashLoopEvents(rollout, crashes);
}

/** Collects messages of a topic in a throwaway consumer group. */
export async function collect(bus: Bus, topic: string): Promise<{ messages: ConsumedMessage[]; stop: () => Promise<void> }> {
  const messages: ConsumedMessage[] = [];
  const sub: Subscription = await bus.subscribe({ topics: [topic], groupId: `collector-${topic}-${Math.random()}`, fromBeginning: true, handler: async (batch) => void messages.push(...batch) });
  return { messages, stop: () => sub.stop() };
}

export async function waitUntil<T>(what: string, probe: () => Promise<T | undefined | false> | T | undefined | false, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await probe();
      if (value) return value;
    } catch (error) {
      last = error;
    }
    await sleep(50);
  }
  throw new Error(`timed out waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`);
}

export function authHeaders(token?: string): Record<string, string> {
  return token ? { authorization: `Bearer ${token}` } : {};
}
