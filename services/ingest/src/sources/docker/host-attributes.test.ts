import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { engineFacts } from './host-attributes.js';
import * as rec from './testing/recorded.js';

describe('engineFacts', () => {
  it('Podman: versions from /version Components, no containerd', () => {
    assert.deepEqual(engineFacts(rec.PODMAN_INFO, rec.PODMAN_VERSION), {
      host: 'vm', engine: 'podman',
      hostAttributes: { kernel: '6.18.44-fc-v769', engine: 'podman', engineVersion: '4.3.1', runcVersion: '1.1.5+ds1', storageDriver: 'overlay', cgroupVersion: '1', os: 'debian 12', arch: 'amd64' },
    });
  });

  it('Docker: containerd and runc versions from Components, OS name kept whole', () => {
    assert.deepEqual(engineFacts(rec.DOCKER_INFO, rec.DOCKER_VERSION), {
      host: 'node-7', engine: 'docker',
      hostAttributes: {
        kernel: '5.15.0-91-generic', engine: 'docker', engineVersion: '24.0.7', containerdVersion: '1.6.26', runcVersion: '1.1.10',
        storageDriver: 'overlay2', cgroupVersion: '2', os: 'Ubuntu 22.04.3 LTS', arch: 'x86_64',
      },
    });
  });

  it('falls back to the commits of /info when /version has no Components', () => {
    const f = engineFacts(rec.DOCKER_INFO, { Version: '24.0.7' });
    assert.equal(f.hostAttributes.containerdVersion, '091922f03c2762540fd057fba91260237ff86acb');
    assert.equal(f.hostAttributes.runcVersion, 'v1.1.10-0-g18a0cb0');
  });

  it('copes with empty payloads', () => {
    assert.deepEqual(engineFacts({}, {}), { host: 'unknown', engine: 'docker', hostAttributes: { engine: 'docker' } });
  });
});
