import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { ingestConfigSchema } from '@rollwatch/ingest';
import { detectorConfigSchema } from '@rollwatch/detector';
import { alertsConfigSchema } from '@rollwatch/alerts';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const composeFile = `${root}docker-compose.yml`;

function composeCommand(): string[] | undefined {
  if (spawnSync('docker', ['compose', 'version'], { encoding: 'utf8' }).status === 0) return ['docker', 'compose'];
  if (spawnSync('docker-compose', ['version'], { encoding: 'utf8' }).status === 0) return ['docker-compose'];
  return undefined;
}

test('docker-compose.yml passes `docker compose config`', (t) => {
  const command = composeCommand();
  if (!command) {
    // CI installs docker-compose (scripts/ci-install.sh): there a missing client is a failure.
    assert.notEqual(process.env.CI, 'true', 'no docker compose client found; scripts/ci-install.sh installs docker-compose');
    t.skip('no docker compose client on this machine (install docker-compose to run this check)');
    return;
  }
  const [bin, ...args] = command;
  const env = { ...process.env, ROLLWATCH_API_TOKEN: 'compose-test-token' };
  const result = spawnSync(bin!, [...args, '-f', composeFile, 'config', '-q'], { cwd: root, encoding: 'utf8', env });
  assert.equal(result.status, 0, `${command.join(' ')} config failed:\n${result.stderr}`);
  // Secure by default: without the token the stack does not even render.
  const { ROLLWATCH_API_TOKEN: _unset, ...noToken } = process.env;
  const refused = spawnSync(bin!, [...args, '-f', composeFile, 'config', '-q'], { cwd: root, encoding: 'utf8', env: noToken });
  assert.notEqual(refused.status, 0, 'docker compose config must fail without ROLLWATCH_API_TOKEN');
  assert.match(refused.stderr, /ROLLWATCH_API_TOKEN/);
});

test('the compose stack requires a token and publishes ports on 127.0.0.1 unless ROLLWATCH_BIND says otherwise', () => {
  const compose = parse(readFileSync(composeFile, 'utf8')) as { 'x-rollwatch-env': Record<string, string>; services: Record<string, { ports?: string[] }> };
  assert.match(compose['x-rollwatch-env'].ROLLWATCH_API_TOKEN!, /^\$\{ROLLWATCH_API_TOKEN:\?/);
  const published = Object.entries(compose.services).flatMap(([name, s]) => (s.ports ?? []).map((p) => [name, p] as const));
  assert.ok(published.length >= 3);
  for (const [name, port] of published) assert.match(port, /^\$\{ROLLWATCH_BIND:-127\.0\.0\.1\}:/, `${name} publishes ${port}`);
});

test('the compose stack configures the services only with variables they read', () => {
  const compose = parse(readFileSync(composeFile, 'utf8')) as { services: Record<string, { environment?: Record<string, unknown>; build?: unknown }> };
  const schemas = { ingest: ingestConfigSchema, detector: detectorConfigSchema, alerts: alertsConfigSchema };
  for (const [service, schema] of Object.entries(schemas)) {
    const definition = compose.services[service];
    assert.ok(definition?.build, `${service} is built from the repository`);
    const keys = Object.keys(definition.environment ?? {}).filter((k) => k !== '<<' && k !== 'SERVICE');
    const unknown = keys.filter((k) => !(k in schema.shape));
    assert.deepEqual(unknown, [], `${service} sets variables it does not read`);
  }
  for (const backend of ['kafka', 'elasticsearch', 'kibana', 'prometheus', 'grafana']) assert.ok(compose.services[backend], `${backend} is in the stack`);
});
