import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { verdict } from '../testing/fixtures.js';
import { TestReceiver } from '../testing/receiver.js';
import { DockerSwarmActuator, swarmRollbackPath } from './docker-swarm.js';

describe('DockerSwarmActuator against a fake Docker Engine', () => {
  const engine = new TestReceiver();
  const spec = { Name: 'checkout', TaskTemplate: { ContainerSpec: { Image: 'checkout:3' } } };
  const request = { rollout: 'checkout-v2', target: { namespace: 'default', name: 'svc123' }, verdict: verdict(), reason: 'no-go', idempotencyKey: 'act_1' };
  before(() => engine.start());
  after(() => engine.stop());

  it('reads Version.Index, then POSTs update?version=N&rollback=previous with the current spec', async () => {
    engine.reply({ status: 200, body: JSON.stringify({ ID: 'svc123', Version: { Index: 57 }, Spec: spec, PreviousSpec: { Name: 'checkout' } }) }, { status: 200, body: '{"Warnings":[]}' });
    const result = await new DockerSwarmActuator({ url: engine.url, timeoutMs: 1000 }).rollback(request);
    assert.deepEqual(result, { status: 'success', value: { responseCode: 200, detail: 'rolled back service svc123 from version 57' } });
    const [get, post] = engine.requests;
    assert.equal(get!.method, 'GET');
    assert.equal(get!.path, '/services/svc123');
    assert.equal(post!.method, 'POST');
    assert.equal(post!.path, '/services/svc123/update?version=57&rollback=previous');
    assert.equal(swarmRollbackPath('svc123', 57), post!.path);
    assert.deepEqual(JSON.parse(post!.body), spec);
  });

  it('refuses a service without a previous spec; cannot pause', async () => {
    engine.requests.length = 0;
    engine.reply({ status: 200, body: JSON.stringify({ ID: 'svc123', Version: { Index: 3 }, Spec: spec }) });
    const actuator = new DockerSwarmActuator({ url: engine.url, timeoutMs: 1000 });
    const result = await actuator.rollback(request);
    assert.match(result.status === 'failure' ? result.error : '', /no previous spec/);
    assert.equal(engine.requests.length, 1, 'no update was sent');
    assert.equal((await actuator.pause()).status, 'failure');
  });

  it('an out-of-sequence update (someone else updated it) is retryable', async () => {
    engine.reply({ status: 200, body: JSON.stringify({ ID: 'svc123', Version: { Index: 3 }, Spec: spec, PreviousSpec: spec }) }, { status: 400, body: '{"message":"update out of sequence"}' });
    const result = await new DockerSwarmActuator({ url: engine.url, timeoutMs: 1000 }).rollback(request);
    assert.equal(result.status, 'retryable');
  });
});
