import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseEventsIds } from './testing/helpers.js';
import { parseEngineEventLine, toContainerSnapshot, type EngineEvent } from './engine-types.js';
import { dockerEventId, holdsNewerHealthCheck, onDie, onHealth, onOom, onStart, trackFromEvent, trackFromSnapshot, versionOf, type TrackedContainer } from './event-mapping.js';
import { engineFacts } from './host-attributes.js';
import * as rec from './testing/recorded.js';

const facts = engineFacts(rec.PODMAN_INFO, rec.PODMAN_VERSION);
const ev = (line: string): EngineEvent => parseEngineEventLine(line)!;
const at = (e: EngineEvent, timeNano: bigint, extra: Partial<EngineEvent> = {}): EngineEvent => ({ ...e, timeNano, ...extra });

function container(overrides: Partial<TrackedContainer> = {}): TrackedContainer {
  return {
    id: 'c1', name: 'api-canary-1', image: 'registry:5000/api:2.0.1', labels: { 'rollwatch.io/rollout': 'demo', 'rollwatch.io/group': 'canary' },
    tty: false, memoryLimit: 0, restartCount: 0, lastStartNs: 0n, lastDieNs: 0n, hasDied: false, oomReported: false, ...overrides,
  };
}

describe('engine event parsing (recorded payloads)', () => {
  it('keeps nanosecond times exact and reads Podman attributes', () => {
    const e = ev(rec.PODMAN_DIE_137);
    assert.equal(e.action, 'die');
    assert.equal(e.timeNano, 1795563408319452370n);
    assert.equal(e.attributes.exitCode, '137');
    assert.equal(e.containerId, '5de3131f407069d7039d7ebea8d6edd0d17fa56eddbef765080bbe640453290f');
  });

  it('reads the health status from Docker\'s action and from Podman\'s HealthStatus field', () => {
    assert.deepEqual([ev(rec.DOCKER_HEALTH_UNHEALTHY).action, ev(rec.DOCKER_HEALTH_UNHEALTHY).healthStatus, ev(rec.DOCKER_HEALTH_UNHEALTHY).healthStatusFrom], ['health_status', 'unhealthy', 'action']);
    assert.deepEqual([ev(rec.PODMAN_HEALTH_STARTING).healthStatus, ev(rec.PODMAN_HEALTH_STARTING).healthStatusFrom], ['starting', 'field']);
  });

  it('ignores non-container events and garbage', () => {
    assert.equal(parseEngineEventLine(rec.DOCKER_IMAGE_EVENT), undefined);
    assert.equal(parseEngineEventLine('{"Type":"container"'), undefined);
    assert.equal(parseEngineEventLine(''), undefined);
  });
});

describe('event mapping', () => {
  it('start → container_start, with labels, workload, rollout/group from labels, version from the tag, host attributes', () => {
    const c = trackFromEvent(ev(rec.PODMAN_START_LABELLED));
    const [e] = onStart(c, ev(rec.PODMAN_START_LABELLED), facts);
    assert.deepEqual(e, {
      instance: 'ex1', service: 'ex1', host: 'vm', source: 'docker', hostAttributes: facts.hostAttributes,
      labels: { 'rollwatch.io/group': 'canary', 'rollwatch.io/rollout': 'demo', 'rollwatch.io/workload': 'ex1' },
      version: 'test', rollout: 'demo', group: 'canary', type: 'container_start',
      time: 1795563406080, id: dockerEventId('4b5103fd45d0228cba072ce3cca867bb5c2565faeb91442c75bc0a43f4042f19', 'container_start', '1795563406080884775'),
    });
  });

  it('leaves rollout/group unset without the labels, and uses the compose service as workload', () => {
    const c = container({ labels: { 'com.docker.compose.service': 'web', 'rollwatch.io/group': 'blue' } });
    const [e] = onStart(c, at(ev(rec.PODMAN_START_LABELLED), 1n), facts);
    assert.equal(e!.rollout, undefined);
    assert.equal(e!.group, undefined, 'an unknown group value is left to the mapping rules');
    assert.equal(e!.service, 'web');
    assert.equal(e!.labels!['rollwatch.io/workload'], 'web');
  });

  it('a start after a die is a restart; exit codes come from the die event', () => {
    const c = container();
    const start = ev(rec.PODMAN_START_LABELLED);
    const die = at(ev(rec.PODMAN_DIE_137), 0n, { attributes: { exitCode: '2' } });
    const types = [
      ...onStart(c, at(start, 1_000n), facts),
      ...onDie(c, at(die, 2_000n), facts),
      ...onStart(c, at(start, 3_000n), facts),
      ...onDie(c, at(die, 4_000n), facts),
      ...onStart(c, at(start, 5_000n), facts),
    ].map((e) => `${e.type}${e.exitCode !== undefined ? `:${e.exitCode}` : ''}`);
    assert.deepEqual(types, ['container_start', 'container_exit:2', 'container_restart', 'container_exit:2', 'container_restart']);
    assert.equal(c.restartCount, 2);
  });

  it('infers an OOM kill from exit 137 under a memory limit (Podman sends no oom event nor flag)', () => {
    const c = trackFromEvent(ev(rec.PODMAN_DIE_137));
    const snap = toContainerSnapshot({ Id: c.id, Name: 'oom1', HostConfig: { Memory: 20 * 1024 * 1024 }, State: { ExitCode: 137, OOMKilled: false } });
    const events = onDie(c, ev(rec.PODMAN_DIE_137), facts, snap);
    assert.deepEqual(events.map((e) => [e.type, e.exitCode]), [['container_exit', 137], ['oom_killed', 137]]);
    assert.match(events[1]!.message!, /inferred: exit code 137 .* 20971520 bytes/);
    assert.notEqual(events[0]!.id, events[1]!.id);
  });

  it('does not call exit 137 without a memory limit an OOM kill (docker kill, timeouts)', () => {
    const c = trackFromEvent(ev(rec.PODMAN_DIE_137));
    assert.deepEqual(onDie(c, ev(rec.PODMAN_DIE_137), facts, toContainerSnapshot({ HostConfig: { Memory: 0 } })).map((e) => e.type), ['container_exit']);
  });

  it('trusts State.OOMKilled whatever the exit code', () => {
    const c = container();
    const die = at(ev(rec.PODMAN_DIE_137), 10n, { attributes: { exitCode: '1' } });
    assert.deepEqual(onDie(c, die, facts, toContainerSnapshot({ State: { OOMKilled: true } })).map((e) => e.type), ['container_exit', 'oom_killed']);
  });

  it('reports a Docker oom event once: the die that follows does not repeat it', () => {
    const c = container({ memoryLimit: 64 * 1024 * 1024 });
    const events = [...onOom(c, ev(rec.DOCKER_OOM), facts), ...onDie(c, ev(rec.DOCKER_DIE_137), facts, toContainerSnapshot({ State: { OOMKilled: true } }))];
    assert.deepEqual(events.map((e) => e.type), ['oom_killed', 'container_exit']);
    // The next run's OOM is reported again.
    onStart(c, at(ev(rec.PODMAN_START_LABELLED), 1795563502000000000n), facts);
    assert.deepEqual(onDie(c, at(ev(rec.DOCKER_DIE_137), 1795563503000000000n), facts).map((e) => e.type), ['container_exit', 'oom_killed']);
  });

  it('health: Docker transitions map directly; repeats of the same status are not re-sent', () => {
    const c = container();
    const unhealthy = ev(rec.DOCKER_HEALTH_UNHEALTHY);
    assert.deepEqual(onHealth(c, unhealthy, facts).map((e) => e.type), ['health_check_failed']);
    assert.deepEqual(onHealth(c, at(unhealthy, unhealthy.timeNano + 1n), facts), []);
    const healthy = at(unhealthy, unhealthy.timeNano + 2n, { healthStatus: 'healthy' });
    assert.deepEqual(onHealth(c, healthy, facts).map((e) => e.type), ['health_check_passed']);
  });

  it('health: Podman\'s stale "starting" is replaced by the inspected status of the newer check', () => {
    const c = container({ health: 'starting' });
    const snap = toContainerSnapshot(rec.PODMAN_INSPECT_UNHEALTHY);
    const [e] = onHealth(c, ev(rec.PODMAN_HEALTH_STARTING), facts, snap);
    assert.equal(e!.type, 'health_check_failed');
    assert.equal(e!.message, 'probe failed');
    assert.equal(e!.exitCode, 1);
    // The same check seen again (no newer log entry) changes nothing.
    assert.deepEqual(onHealth(c, at(ev(rec.PODMAN_HEALTH_STARTING), 5n), facts, snap), []);
  });

  it('health: a Podman first check counts only once it is stored (the event precedes its result)', () => {
    const stored = toContainerSnapshot(rec.PODMAN_INSPECT_UNHEALTHY);
    const end = stored.health!.lastCheckEndNs!;
    const unstored = { ...stored, health: { status: 'starting', failingStreak: 0 } };
    const fresh = container({ health: 'starting' });
    assert.equal(holdsNewerHealthCheck(fresh, unstored), false, 'no check stored yet: keep polling');
    assert.equal(holdsNewerHealthCheck(fresh, stored), true);
    assert.equal(holdsNewerHealthCheck(container({ lastHealthCheckEndNs: end }), stored), false, 'the same check again');
    assert.equal(holdsNewerHealthCheck(container({ lastHealthCheckEndNs: end - 1n }), stored), true);
    assert.equal(holdsNewerHealthCheck(fresh, undefined), true, 'gone: nothing to wait for');
    assert.equal(holdsNewerHealthCheck(fresh, { ...stored, health: undefined }), true, 'no health check configured');
    // The stale first read would have made no transition; the stored one is the failure.
    assert.deepEqual(onHealth(container({ health: 'starting' }), ev(rec.PODMAN_HEALTH_STARTING), facts, unstored), []);
    assert.equal(onHealth(fresh, ev(rec.PODMAN_HEALTH_STARTING), facts, stored)[0]!.type, 'health_check_failed');
  });

  it('derives the version from labels or the image tag', () => {
    assert.equal(versionOf({ labels: {}, image: 'registry:5000/team/api:2.0.1' }), '2.0.1');
    assert.equal(versionOf({ labels: {}, image: 'registry:5000/team/api' }), undefined);
    assert.equal(versionOf({ labels: {}, image: 'api@sha256:abc' }), undefined);
    assert.equal(versionOf({ labels: { 'rollwatch.io/version': 'v7' }, image: 'api:1' }), 'v7');
  });

  it('learns tracking state from an inspect snapshot', () => {
    const t = trackFromSnapshot(toContainerSnapshot(rec.PODMAN_INSPECT_UNHEALTHY));
    assert.equal(t.name, 'hc1');
    assert.equal(t.hasDied, false);
    assert.equal(t.lastStartNs, 1795563418641425906n);
    assert.equal(t.health, 'unhealthy');
  });

  it('gives every event a schema-valid shape', () => {
    const c = container();
    const ids = parseEventsIds([...onStart(c, at(ev(rec.PODMAN_START_LABELLED), 1795563406080884775n), facts), ...onDie(c, ev(rec.PODMAN_DIE_137), facts)]);
    assert.equal(ids.length, 2);
  });
});
