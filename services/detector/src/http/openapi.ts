/** OpenAPI 3.1 description of the detector API, served at /api/v1/openapi.json. */

const json = (schema: Record<string, unknown>, description: string) => ({ description, content: { 'application/json': { schema } } });
/** The engine-backed reads: on a replica that does not own the rollout, the owner's answer (forwarded) or the checkpoint's. */
const servedFrom = {
  'X-Rollwatch-Served-From': {
    description: 'Set when another detector replica owns the rollout: `owner <url>` (forwarded to it, live) or `checkpoint <time>` (from its partition\'s last checkpoint, when the owner could not be asked).',
    schema: { type: 'string' },
  },
};
const engineRead = (schema: Record<string, unknown>, description: string) => ({ ...json(schema, description), headers: servedFrom });
const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const errors = {
  '400': json(ref('Error'), 'Bad input; `field` names it.'),
  '401': json(ref('Error'), 'Missing bearer token.'),
  '403': json(ref('Error'), 'Wrong token (or a read token on a write).'),
};
const retryAfter = { 'Retry-After': { description: 'Seconds until the verdict is worth asking for again.', schema: { type: 'integer', minimum: 1 } } };
const notFound = { '404': json(ref('Error'), 'Unknown rollout.') };
const batchParam = { name: 'batch', in: 'query', description: 'Gate one batch of a batched upgrade.', schema: { type: 'integer', minimum: 0 } };
/** The gate fails safe: only go is 2xx; pending is 425 Too Early with Retry-After. */
const gateResponses = {
  '200': json(ref('Verdict'), 'go'),
  '409': json(ref('Verdict'), 'no-go'),
  '425': { ...json(ref('Verdict'), 'pending (Too Early): not decided yet; ask again after Retry-After seconds.'), headers: retryAfter },
  ...errors,
  ...notFound,
};
const idParam = { name: 'id', in: 'path', required: true, description: 'Rollout id, e.g. `prod/checkout` (URL-encode `/` as %2F), or a rollout key `<id>@<revision>`. Without a revision: the newest revision seen.', schema: { type: 'string' } };
const revisionParam = { name: 'revision', in: 'query', description: 'The revision to answer for (Argo `rollouts-pod-template-hash`, `pod-template-hash`, `rollwatch.io/revision`).', schema: { type: 'string', pattern: '^[^@\\s]{1,128}$' } };
const pathParam = { name: 'path', in: 'path', required: true, description: 'The rollout id as plain path segments, e.g. `prod/checkout` (for clients that cannot encode `/`).', schema: { type: 'string' } };
const page = [
  { name: 'from', in: 'query', schema: { type: 'integer', minimum: 0, default: 0 } },
  { name: 'size', in: 'query', schema: { type: 'integer', minimum: 1, maximum: 1000, default: 50 } },
];
const list = (item: Record<string, unknown>) => ({ type: 'object', properties: { total: { type: 'integer' }, from: { type: 'integer' }, size: { type: 'integer' }, items: { type: 'array', items: item } } });
const flaggerOp = (summary: string, ok: string) => ({
  post: {
    summary,
    tags: ['flagger'],
    parameters: [{ name: 'access_token', in: 'query', description: 'Read token (Flagger webhooks cannot set headers).', schema: { type: 'string' } }],
    requestBody: { required: true, content: { 'application/json': { schema: ref('FlaggerPayload') } } },
    responses: {
      '200': json(ref('Verdict'), ok),
      '409': json(ref('Verdict'), 'no-go (gate webhooks).'),
      '412': json(ref('Verdict'), 'Not no-go (rollback webhook only): do not roll back.'),
      '425': { ...json(ref('Verdict'), 'pending: Flagger retries on its next interval.'), headers: retryAfter },
      ...errors,
      '404': json(ref('Error'), 'No rollout matches the canary.'),
    },
  },
});

export const OPENAPI_DOCUMENT = {
  openapi: '3.1.0',
  info: {
    title: 'rollwatch detector API',
    version: '1.0.0',
    description: 'Go/no-go verdicts for canary, blue/green and batched rollouts, plus the data behind them.',
  },
  servers: [{ url: '/' }],
  security: [{ bearer: [] }],
  tags: [{ name: 'rollouts' }, { name: 'events' }, { name: 'flagger' }, { name: 'stream' }, { name: 'meta' }],
  paths: {
    '/api/v1/rollouts': {
      get: { summary: 'List the rollouts of every detector replica with decision, score, instance counts and lastEventAt (the latter three null for a rollout another replica holds, `location: remote`).', tags: ['rollouts'], responses: { '200': json({ type: 'object', properties: { total: { type: 'integer' }, items: { type: 'array', items: ref('RolloutSummary') } } }, 'Rollouts, most recently judged first (by the latest published verdict; the same order on every replica).'), ...errors } },
      post: {
        summary: 'Register (or update) a rollout.',
        tags: ['rollouts'],
        requestBody: { required: true, content: { 'application/json': { schema: ref('RolloutSpec') } } },
        responses: { '201': json(ref('Registration'), 'Registered.'), '200': json(ref('Registration'), 'Updated an existing registration.'), ...errors },
      },
    },
    '/api/v1/rollouts/{id}': { get: { summary: 'One rollout: summary, registration and current verdict.', tags: ['rollouts'], parameters: [idParam], responses: { '200': json(ref('RolloutSummary'), 'The rollout.'), ...errors, ...notFound } } },
    '/api/v1/rollouts/{id}/verdict': {
      get: {
        summary: 'Current verdict (always 200; the decision is in the body, e.g. for Argo Rollouts `jsonPath: "{$.decision}"`).',
        tags: ['rollouts'],
        parameters: [idParam, revisionParam, { name: 'batch', in: 'query', description: 'Answer for one batch of a batched upgrade.', schema: { type: 'integer', minimum: 0 } }],
        responses: { '200': json(ref('Verdict'), 'The verdict; `pending` for a rollout or revision not seen yet (Argo: Inconclusive, never an Error).'), ...errors },
      },
    },
    '/api/v1/rollouts/{path}/verdict': {
      get: {
        summary: 'Same as /rollouts/{id}/verdict with the id as path segments (`/rollouts/prod/checkout/verdict`).',
        tags: ['rollouts'],
        parameters: [pathParam, revisionParam],
        responses: { '200': json(ref('Verdict'), 'The verdict, or pending.'), ...errors },
      },
    },
    '/api/v1/rollouts/{id}/gate': {
      get: {
        summary: 'Gate for scripts and CI: 200 go, 409 no-go, 425 pending with Retry-After (fails safe: `curl --fail` and any 2xx check pass only on go).',
        description: 'Argo Rollouts\' web provider counts every non-2xx as an Error, so Argo should use `/verdict` with `jsonPath: "{$.decision}"`; Flagger webhooks should use `/api/v1/flagger/*`. `rollwatch gate --wait` follows this verdict until it is decided.',
        tags: ['rollouts'],
        parameters: [idParam, revisionParam, batchParam],
        responses: gateResponses,
      },
    },
    '/api/v1/rollouts/{path}/gate': {
      get: {
        summary: 'Same as /rollouts/{id}/gate with the id as path segments.',
        tags: ['rollouts'],
        parameters: [pathParam, revisionParam, batchParam],
        responses: gateResponses,
      },
    },
    '/api/v1/rollouts/{id}/series': { get: { summary: 'Per-signal canary/baseline time series (dashboard charts).', tags: ['rollouts'], parameters: [idParam], responses: { '200': engineRead({ type: 'object' }, 'Series.'), ...errors, ...notFound } } },
    '/api/v1/rollouts/{id}/hosts': { get: { summary: 'Host attribute inventory with failing counts, plus mixed-environment warnings.', tags: ['rollouts'], parameters: [idParam], responses: { '200': engineRead({ type: 'object', properties: { attributes: { type: 'array', items: { type: 'object' } }, warnings: { type: 'array', items: { type: 'string' } } } }, 'Inventory.'), ...errors, ...notFound } } },
    '/api/v1/rollouts/{id}/templates': { get: { summary: 'Log templates by group with counts, rates, first/last seen, examples and canary-only flags.', tags: ['rollouts'], parameters: [idParam], responses: { '200': engineRead({ type: 'object' }, 'Templates.'), ...errors, ...notFound } } },
    '/api/v1/rollouts/{id}/anomalies': { get: { summary: 'Anomalies (non-info reasons) found for the rollout, newest first.', tags: ['rollouts'], parameters: [idParam, ...page], responses: { '200': json(list({ type: 'object' }), 'Anomalies.'), ...errors, ...notFound } } },
    '/api/v1/rollouts/{id}/verdicts': { get: { summary: 'Verdict history (every published change), newest first.', tags: ['rollouts'], parameters: [idParam, ...page], responses: { '200': json(list(ref('Verdict')), 'Verdicts.'), ...errors, ...notFound } } },
    '/api/v1/rollouts/{id}/actions': { get: { summary: 'Audit of actions taken on the rollout (notifications, pauses, rollbacks; written by the alerts service), newest first.', tags: ['rollouts'], parameters: [idParam, ...page], responses: { '200': json(list({ type: 'object' }), 'Actions.'), ...errors } } },
    '/api/v1/rollouts/{id}/override': {
      post: {
        summary: 'A person forces the decision (audited by the alerts service as an `override` action). Routed over rollwatch.events to the replica that owns the rollout, which numbers the forced verdict like every other: the detector is the one writer of verdicts.',
        tags: ['rollouts'],
        parameters: [idParam],
        requestBody: { required: true, content: { 'application/json': { schema: { type: 'object', required: ['decision', 'reason', 'by'], additionalProperties: false, properties: { decision: { type: 'string', enum: ['go', 'no-go'] }, reason: { type: 'string', maxLength: 4096 }, by: { type: 'string', maxLength: 256 } } } } } },
        responses: {
          '202': json({ type: 'object', properties: { verdict: ref('Verdict'), queued: { type: 'boolean' } } }, '`{verdict}` once the owner applied it (within DETECTOR_OVERRIDE_TIMEOUT_MS), else `{queued: true}` (it will be applied).'),
          ...errors,
          ...notFound,
        },
      },
    },
    '/api/v1/actions': {
      get: {
        summary: 'Audit of actions across rollouts, newest first.',
        tags: ['rollouts'],
        parameters: [{ name: 'rollout', in: 'query', schema: { type: 'string' } }, { name: 'kind', in: 'query', schema: { type: 'string' } }, { name: 'status', in: 'query', schema: { type: 'string' } }, { name: 'target', in: 'query', schema: { type: 'string' } }, ...page],
        responses: { '200': json(list({ type: 'object' }), 'Actions.'), ...errors },
      },
    },
    '/api/v1/events': {
      get: {
        summary: 'Search stored events, newest first.',
        tags: ['events'],
        parameters: [
          { name: 'rollout', in: 'query', schema: { type: 'string' } },
          { name: 'group', in: 'query', schema: { type: 'string', enum: ['canary', 'baseline', 'stable', 'other'] } },
          { name: 'type', in: 'query', schema: { type: 'string' } },
          { name: 'host', in: 'query', schema: { type: 'string' } },
          { name: 'instance', in: 'query', schema: { type: 'string' } },
          { name: 'level', in: 'query', schema: { type: 'string' } },
          { name: 'service', in: 'query', schema: { type: 'string' } },
          { name: 'q', in: 'query', description: 'Full-text search on the message.', schema: { type: 'string' } },
          { name: 'since', in: 'query', description: 'RFC 3339 or epoch ms.', schema: { type: 'string' } },
          { name: 'until', in: 'query', description: 'RFC 3339 or epoch ms.', schema: { type: 'string' } },
          ...page,
        ],
        responses: { '200': json(list({ type: 'object' }), 'Events.'), ...errors },
      },
    },
    '/api/v1/stream': {
      get: {
        summary: 'Server-Sent Events: `event: verdict` for the current verdicts, then for every change, of every replica\'s rollouts.',
        tags: ['stream'],
        parameters: [
          { name: 'rollout', in: 'query', schema: { type: 'string' } },
          { name: 'access_token', in: 'query', description: 'Read token (EventSource cannot set headers).', schema: { type: 'string' } },
        ],
        responses: { '200': { description: 'text/event-stream', content: { 'text/event-stream': { schema: { type: 'string' } } } }, '401': errors['401'], '403': errors['403'] },
      },
    },
    '/api/v1/flagger/gate': flaggerOp('Flagger webhook gate (pre-rollout, rollout, confirm-rollout): 2xx only on go.', 'go'),
    '/api/v1/flagger/rollout': flaggerOp('Alias of /flagger/gate for `type: rollout` webhooks.', 'go'),
    '/api/v1/flagger/confirm-promotion': flaggerOp('Alias of /flagger/gate for `type: confirm-promotion` webhooks.', 'go'),
    '/api/v1/flagger/confirm-rollout': flaggerOp('Flagger `type: confirm-rollout` webhook: 200 on go and pending (the canary cannot have data before it is scaled up), 409 on no-go.', 'go or pending'),
    '/api/v1/flagger/event': {
      post: {
        summary: 'Flagger `type: event` webhook: the event is published to rollwatch.events as a `log` event (group other) of the rollout, under the revision its checksum is tied to (its timeline).',
        tags: ['flagger'],
        parameters: [{ name: 'access_token', in: 'query', description: 'Read token (Flagger webhooks cannot set headers).', schema: { type: 'string' } }],
        requestBody: { required: true, content: { 'application/json': { schema: ref('FlaggerPayload') } } },
        responses: { '202': json({ type: 'object', properties: { accepted: { type: 'integer' }, id: { type: 'string' }, rollout: { type: 'string' }, revision: { type: ['string', 'null'] } } }, 'Accepted.'), ...errors },
      },
    },
    '/api/v1/flagger/rollback': flaggerOp('Flagger `type: rollback` webhook: 200 (roll back) only on no-go.', 'no-go: roll back'),
    '/api/v1/openapi.json': { get: { summary: 'This document.', tags: ['meta'], security: [], responses: { '200': json({ type: 'object' }, 'OpenAPI 3.1') } } },
  },
  components: {
    securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'Scoped bearer tokens: ROLLWATCH_API_TOKEN (every scope), ROLLWATCH_READ_TOKEN (read), ROLLWATCH_PUSH_TOKEN (push), ROLLWATCH_OPERATE_TOKEN (operate + read), ROLLWATCH_ADMIN_TOKEN (admin + operate + read). ?access_token= is accepted only on /api/v1/stream and /api/v1/flagger/*. No token configured: no auth (loopback or ROLLWATCH_INSECURE=true only).' } },
    schemas: {
      Error: { type: 'object', required: ['error'], properties: { error: { type: 'string' }, field: { type: 'string' }, errors: { type: 'array', items: { type: 'object', properties: { field: { type: 'string' }, message: { type: 'string' } } } } } },
      Reason: {
        type: 'object',
        required: ['signal', 'severity', 'message'],
        properties: {
          signal: { type: 'string' },
          severity: { type: 'string', enum: ['critical', 'fail', 'warn', 'info'] },
          message: { type: 'string' },
          canary: { type: ['number', 'null'] },
          baseline: { type: ['number', 'null'] },
          pValue: { type: ['number', 'null'] },
          effectSize: { type: ['number', 'null'] },
          threshold: { type: ['number', 'null'] },
          cause: { type: 'string', enum: ['release', 'environment', 'unknown'] },
          attribute: { type: 'object', properties: { name: { type: 'string' }, value: { type: 'string' } } },
          template: { type: 'string' },
          example: { type: 'string' },
          batch: { type: 'integer' },
        },
      },
      Verdict: {
        type: 'object',
        required: ['rollout', 'decision', 'score', 'reasons', 'evaluatedAt', 'sequence'],
        properties: {
          rollout: { type: 'string', description: 'Rollout key: the id, or `<id>@<revision>`.' },
          revision: { type: 'string' },
          service: { type: 'string' },
          decision: { type: 'string', enum: ['go', 'no-go', 'pending'] },
          score: { type: ['number', 'null'], minimum: 0, maximum: 100 },
          reasons: { type: 'array', items: ref('Reason') },
          evaluatedAt: { type: 'string', format: 'date-time' },
          noGoAt: { type: ['string', 'null'], format: 'date-time' },
          cause: { type: ['string', 'null'], enum: ['release', 'environment', 'unknown', null] },
          sequence: { type: 'integer', minimum: 0, description: 'Monotonic per rollout; 0 = nothing published yet.' },
          batch: { type: 'integer' },
          labels: { type: 'object', additionalProperties: { type: 'string' } },
        },
      },
      RolloutSpec: {
        type: 'object',
        required: ['id'],
        additionalProperties: false,
        properties: {
          id: { type: 'string', maxLength: 256 },
          service: { type: 'string' },
          policy: { oneOf: [{ type: 'string', description: 'Policy name.' }, { type: 'object', description: 'Inline policy.' }] },
          expectedInstances: { oneOf: [{ type: 'integer', minimum: 0, description: 'Total.' }, { type: 'object', properties: { canary: { type: 'integer' }, baseline: { type: 'integer' }, total: { type: 'integer' } }, additionalProperties: false }] },
          targetVersion: { type: 'string' },
          labels: { type: 'object', additionalProperties: { type: 'string' } },
        },
      },
      Registration: { type: 'object', properties: { rollout: { type: 'string' }, created: { type: 'boolean' }, spec: ref('RolloutSpec'), verdict: { oneOf: [ref('Verdict'), { type: 'null' }] } } },
      RolloutSummary: {
        type: 'object',
        properties: {
          rollout: { type: 'string' },
          service: { type: ['string', 'null'] },
          decision: { type: 'string', enum: ['go', 'no-go', 'pending'] },
          score: { type: ['number', 'null'] },
          sequence: { type: 'integer' },
          noGoAt: { type: ['string', 'null'] },
          evaluatedAt: { type: ['string', 'null'] },
          instances: { type: ['object', 'null'], properties: { canary: { type: 'integer' }, baseline: { type: 'integer' }, other: { type: 'integer' } } },
          events: { type: ['integer', 'null'] },
          firstEventAt: { type: ['string', 'null'] },
          lastEventAt: { type: ['string', 'null'] },
          registered: { type: 'boolean' },
          labels: { type: 'object', additionalProperties: { type: 'string' } },
          location: { type: 'string', enum: ['local', 'remote'] },
        },
      },
      FlaggerPayload: {
        type: 'object',
        required: ['name', 'namespace'],
        properties: { name: { type: 'string' }, namespace: { type: 'string' }, phase: { type: 'string' }, checksum: { type: 'string' }, metadata: { type: 'object', additionalProperties: { type: 'string' }, description: '`rollout` overrides the <namespace>/<name> mapping.' } },
      },
    },
  },
} as const;
