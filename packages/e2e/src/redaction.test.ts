import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { createLogger, loadConfig, SECRET_KEYS } from '@rollwatch/core';
import { ingestConfigSchema } from '@rollwatch/ingest';
import { detectorConfigSchema } from '@rollwatch/detector';
import { alertsConfigSchema } from '@rollwatch/alerts';

/** Settings that hold a secret, found by name so a new one cannot be forgotten in SECRET_KEYS. */
const SECRET_NAME = /(TOKEN|SECRET|PASSWORD|API_KEY|SLACK_WEBHOOK_URL)$/;

test('logging each service\'s whole configuration, with every secret setting set, shows no secret value', () => {
  const schemas = { ingest: ingestConfigSchema, detector: detectorConfigSchema, alerts: alertsConfigSchema };
  let checked = 0;
  for (const [service, schema] of Object.entries(schemas)) {
    const names = Object.keys(schema.shape).filter((k) => SECRET_NAME.test(k));
    assert.ok(names.length >= 8, `${service}: found only ${names.join(', ')}`);
    for (const name of names) assert.ok((SECRET_KEYS as readonly string[]).includes(name), `${name} is a secret setting missing from SECRET_KEYS`);
    const values: Record<string, string> = {};
    for (const name of names) {
      values[name] = name === 'ALERTS_WEBHOOK_SECRET' ? `whsec_${Buffer.from(`${service}-${name}-value`).toString('base64')}` : name.endsWith('_URL') ? `https://hooks.example/services/${service}-${name}-value` : `${service}-${name}-value`;
    }
    const config = loadConfig(schema, { env: values });
    let out = '';
    const logger = createLogger(service, 'info', new Writable({ write: (chunk: Buffer, _e, done) => ((out += chunk.toString('utf8')), done()) }));
    logger.info(config, 'config at the top level');
    logger.info({ config }, 'config nested');
    logger.info({ service: { config } }, 'config nested twice');
    for (const [name, value] of Object.entries(values)) {
      assert.ok(!out.includes(value.replace(/^whsec_/, '')), `${service} ${name} leaked`);
      checked++;
    }
    assert.match(out, /"ROLLWATCH_API_TOKEN":"\[redacted\]"/);
  }
  console.log(`# ${checked} secret settings logged three ways each: none visible`);
});
