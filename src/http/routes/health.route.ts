import type { FastifyPluginAsync } from 'fastify';
import type { Context } from '../../context.js';
import { DATABASE_RETRY_AFTER_SECONDS } from '../../db/availability.js';
import { readinessAnswer } from '../../health/process-health.js';
import * as schemas from '../schemas/health.js';

/**
 * Health probes, no authentication (docs/operations.md "Health checks"): `/livez` — the process
 * runs; `/readyz` — it should receive traffic (src/health/process-health.ts); `/health` — an alias
 * of `/readyz` (the probe of earlier versions).
 */
export const healthRoutes =
  (ctx: Context): FastifyPluginAsync =>
  async (fastify) => {
    fastify.get('/livez', { schema: schemas.livez }, async () => ({ status: 'ok' as const }));
    for (const [url, schema] of [['/readyz', schemas.readyz], ['/health', schemas.health]] as const) {
      fastify.get(url, { schema }, async (_request, reply) => {
        const { ready, body } = await readinessAnswer(ctx.health, ctx.db);
        if (ready) return body;
        return reply.code(503).header('retry-after', String(DATABASE_RETRY_AFTER_SECONDS)).send(body);
      });
    }
  };
