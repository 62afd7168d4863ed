import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { ingestConfigSchema } from '@rollwatch/ingest';
import { detectorConfigSchema } from '@rollwatch/detector';
import { alertsConfigSchema } from '@rollwatch/alerts';

const root = fileURLToPath(new URL('../../../', import.meta.url));
// `docker compose config` itself runs in compose.host.test.ts (it needs the docker-compose package).
const composeFile = `${root}docker-compose.yml`;

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
