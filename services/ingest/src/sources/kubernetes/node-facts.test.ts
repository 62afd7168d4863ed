import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { nodeHostAttributes, parseContainerRuntimeVersion } from './node-facts.js';
import { node } from './testing/fixtures.js';

describe('node facts', () => {
  it('splits containerRuntimeVersion into engine name and version', () => {
    assert.deepEqual(parseContainerRuntimeVersion('containerd://1.7.2'), { engine: 'containerd', version: '1.7.2' });
    assert.deepEqual(parseContainerRuntimeVersion('cri-o://1.28.1'), { engine: 'cri-o', version: '1.28.1' });
    assert.deepEqual(parseContainerRuntimeVersion('docker://24.0.7'), { engine: 'docker', version: '24.0.7' });
    assert.deepEqual(parseContainerRuntimeVersion('weird'), { engine: 'weird' });
    assert.equal(parseContainerRuntimeVersion(undefined), undefined);
  });

  it('turns nodeInfo and selected labels into hostAttributes', () => {
    const attrs = nodeHostAttributes(node('worker-1', { runtime: 'containerd://1.7.2', kernel: '6.1.0-18-amd64' }), ['topology.kubernetes.io/zone', 'absent/label']);
    assert.deepEqual(attrs, {
      kernel: '6.1.0-18-amd64',
      os: 'Debian GNU/Linux 12 (bookworm)',
      arch: 'amd64',
      kubeletVersion: 'v1.29.2',
      containerRuntimeVersion: 'containerd://1.7.2',
      engine: 'containerd',
      engineVersion: '1.7.2',
      containerdVersion: '1.7.2',
      'topology.kubernetes.io/zone': 'eu-west-1a',
    });
  });

  it('names the engine version key after the runtime', () => {
    const attrs = nodeHostAttributes(node('n', { runtime: 'cri-o://1.28.1' }), []);
    assert.equal(attrs.crioVersion, '1.28.1');
    assert.equal(attrs.engineVersion, '1.28.1');
    assert.equal(attrs.containerdVersion, undefined);
  });

  it('copes with a node without status', () => {
    assert.deepEqual(nodeHostAttributes({ metadata: { name: 'bare' } }, ['kubernetes.io/os']), {});
  });
});
