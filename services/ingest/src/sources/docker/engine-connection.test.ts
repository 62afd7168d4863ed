import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { dockerSourceConfigSchema } from './config.js';
import { describeEndpoint, dockerodeOptions, parseDockerHost } from './engine-connection.js';

describe('DOCKER_HOST', () => {
  it('parses the Docker CLI conventions', () => {
    assert.deepEqual(parseDockerHost('unix:///run/podman/podman.sock', false), { kind: 'unix', socketPath: '/run/podman/podman.sock' });
    assert.deepEqual(parseDockerHost('/var/run/docker.sock', false), { kind: 'unix', socketPath: '/var/run/docker.sock' });
    assert.deepEqual(parseDockerHost('tcp://10.0.0.5', false), { kind: 'tcp', host: '10.0.0.5', port: 2375, tls: false });
    assert.deepEqual(parseDockerHost('tcp://10.0.0.5', true), { kind: 'tcp', host: '10.0.0.5', port: 2376, tls: true });
    assert.deepEqual(parseDockerHost('https://engine:3000', false), { kind: 'tcp', host: 'engine', port: 3000, tls: true });
    assert.deepEqual(parseDockerHost('ssh://ops@build-7', false), { kind: 'ssh', host: 'build-7', port: 22, username: 'ops' });
    assert.equal(describeEndpoint(parseDockerHost('tcp://h:2376', true)), 'https://h:2376');
  });

  it('names DOCKER_HOST in errors', () => {
    assert.throws(() => parseDockerHost('npipe:////./pipe/docker_engine', false), (e: Error & { field?: string }) => e.field === 'DOCKER_HOST' && /unsupported scheme/.test(e.message));
    assert.throws(() => parseDockerHost('not a url', false), /DOCKER_HOST/);
  });

  it('loads TLS material from DOCKER_CERT_PATH', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'certs-'));
    for (const f of ['ca.pem', 'cert.pem', 'key.pem']) writeFileSync(path.join(dir, f), `-- ${f} --`);
    const config = dockerSourceConfigSchema.parse({ DOCKER_HOST: 'tcp://engine:2376', DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: dir, DOCKER_API_VERSION: '1.41' });
    const opts = dockerodeOptions(config);
    assert.equal(opts.protocol, 'https');
    assert.equal(opts.version, 'v1.41');
    assert.equal(String(opts.ca), '-- ca.pem --');
    assert.equal(String(opts.key), '-- key.pem --');
    assert.throws(() => dockerodeOptions({ ...config, DOCKER_CERT_PATH: path.join(dir, 'missing') }), /DOCKER_CERT_PATH/);
  });

  it('defaults to the local Docker socket', () => {
    assert.deepEqual(dockerodeOptions(dockerSourceConfigSchema.parse({})), { socketPath: '/var/run/docker.sock' });
  });
});
