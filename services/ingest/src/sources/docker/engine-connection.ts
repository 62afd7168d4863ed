import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';
import { ValidationError } from '@rollwatch/core';
import type { DockerOptions } from 'dockerode';
import type { DockerSourceConfig } from './config.js';

/** Where and how to reach the engine, decided from DOCKER_HOST (the Docker CLI convention). */
export type EngineEndpoint =
  | { kind: 'unix'; socketPath: string }
  | { kind: 'tcp'; host: string; port: number; tls: boolean }
  | { kind: 'ssh'; host: string; port: number; username?: string };

export function parseDockerHost(dockerHost: string, tlsVerify: boolean): EngineEndpoint {
  const value = dockerHost.trim();
  if (value.startsWith('/')) return { kind: 'unix', socketPath: value };
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ValidationError('DOCKER_HOST', `"${value}" is not an address such as unix:///var/run/docker.sock or tcp://host:2376`);
  }
  switch (url.protocol) {
    case 'unix:': {
      const socketPath = decodeURIComponent(url.pathname);
      if (!socketPath) throw new ValidationError('DOCKER_HOST', 'unix:// needs a socket path, e.g. unix:///var/run/docker.sock');
      return { kind: 'unix', socketPath };
    }
    case 'tcp:':
    case 'http:':
    case 'https:': {
      if (!url.hostname) throw new ValidationError('DOCKER_HOST', `"${value}" has no host`);
      const tls = tlsVerify || url.protocol === 'https:';
      // Docker CLI defaults: 2376 with TLS, 2375 without.
      const port = url.port ? Number(url.port) : tls ? 2376 : 2375;
      return { kind: 'tcp', host: url.hostname, port, tls };
    }
    case 'ssh:': {
      if (!url.hostname) throw new ValidationError('DOCKER_HOST', `"${value}" has no host`);
      const endpoint: EngineEndpoint = { kind: 'ssh', host: url.hostname, port: url.port ? Number(url.port) : 22 };
      if (url.username) endpoint.username = decodeURIComponent(url.username);
      return endpoint;
    }
    default:
      throw new ValidationError('DOCKER_HOST', `unsupported scheme "${url.protocol}" (use unix://, tcp://, https:// or ssh://)`);
  }
}

/** Describes the endpoint for logs and status without secrets. */
export function describeEndpoint(e: EngineEndpoint): string {
  switch (e.kind) {
    case 'unix':
      return `unix://${e.socketPath}`;
    case 'tcp':
      return `${e.tls ? 'https' : 'tcp'}://${e.host}:${e.port}`;
    case 'ssh':
      return `ssh://${e.username ? `${e.username}@` : ''}${e.host}:${e.port}`;
    default: {
      const unreachable: never = e;
      return String(unreachable);
    }
  }
}

function readCert(dir: string, file: string): Buffer {
  const p = path.join(dir, file);
  try {
    return readFileSync(p);
  } catch (error) {
    throw new ValidationError('DOCKER_CERT_PATH', `cannot read ${p}: ${(error as Error).message}`);
  }
}

/** dockerode options for the configured engine. */
export function dockerodeOptions(config: Pick<DockerSourceConfig, 'DOCKER_HOST' | 'DOCKER_TLS_VERIFY' | 'DOCKER_CERT_PATH' | 'DOCKER_API_VERSION'>): DockerOptions {
  const endpoint = parseDockerHost(config.DOCKER_HOST, config.DOCKER_TLS_VERIFY);
  const common: DockerOptions = config.DOCKER_API_VERSION ? { version: `v${config.DOCKER_API_VERSION.replace(/^v/, '')}` } : {};
  switch (endpoint.kind) {
    case 'unix':
      return { ...common, socketPath: endpoint.socketPath };
    case 'tcp': {
      if (!endpoint.tls) return { ...common, protocol: 'http', host: endpoint.host, port: endpoint.port };
      const certDir = config.DOCKER_CERT_PATH || path.join(homedir(), '.docker');
      return {
        ...common, protocol: 'https', host: endpoint.host, port: endpoint.port,
        ca: readCert(certDir, 'ca.pem'), cert: readCert(certDir, 'cert.pem'), key: readCert(certDir, 'key.pem'),
      };
    }
    case 'ssh':
      return { ...common, protocol: 'ssh', host: endpoint.host, port: endpoint.port, ...(endpoint.username ? { username: endpoint.username } : {}) };
    default: {
      const unreachable: never = endpoint;
      throw new Error(`unknown endpoint ${String(unreachable)}`);
    }
  }
}
