import { Type } from 'typebox';

const CHECK = Type.Union([Type.Literal('ok'), Type.Literal('failed'), Type.Literal('pending'), Type.Literal('stalled'), Type.Literal('stopping')]);
const READINESS = {
  status: Type.Union([Type.Literal('ok'), Type.Literal('unavailable')]),
  database: Type.Union([Type.Literal('sqlite'), Type.Literal('postgres')]),
  checks: Type.Record(Type.String(), CHECK, {
    description:
      '`database` (answers), `migrations` (the schema is at this code\'s latest: `pending` while another process migrates), `shutdown` (`stopping` from SIGTERM on), and one per loop this process runs (`worker`: the delivery worker; `stalled` when it has not turned within twice its longest sleep).',
  }),
};

export const livez = {
  summary: 'Whether the process runs (no authentication, no database)',
  description: 'For a supervisor\'s liveness probe: 200 while the event loop answers. A database outage does not fail it (the process recovers by itself).',
  tags: ['Service'],
  response: { 200: Type.Object({ status: Type.Literal('ok') }, { additionalProperties: false, description: 'Live' }) },
};

export const readyz = {
  summary: 'Whether this process should receive traffic (no authentication)',
  description:
    'For a load balancer\'s readiness probe: 200 when every check is `ok`; 503 (with Retry-After) when the database does not answer, migrations are pending, a loop is stalled, or the process is shutting down (from SIGTERM, for SHUTDOWN_DRAIN_SECONDS before the server closes).',
  tags: ['Service'],
  response: {
    200: Type.Object(READINESS, { additionalProperties: false, description: 'Ready' }),
    503: Type.Object(READINESS, { additionalProperties: false, description: 'Not ready' }),
  },
};

export const health = { ...readyz, summary: 'Alias of `/readyz`' };
