import { timingSafeEqual } from 'node:crypto';
import type { FastifyPluginAsync } from 'fastify';
import type { Context } from '../../context.js';
import * as schemas from '../schemas/metrics.js';

/** Whether an Authorization header carries the bearer token (constant time). */
export function metricsAuthorized(token: string | null, authorization: string | undefined): boolean {
  if (token === null) return true;
  const given = /^Bearer (.+)$/i.exec(authorization ?? '')?.[1]?.trim() ?? '';
  const a = Buffer.from(given);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** `GET /metrics`: Prometheus text format (src/metrics/metrics.ts); with METRICS_TOKEN, bearer only. */
export const metricsRoutes =
  (ctx: Context): FastifyPluginAsync =>
  async (fastify) => {
    fastify.get('/metrics', { schema: schemas.metrics }, async (request, reply) => {
      if (!metricsAuthorized(ctx.config.metrics.token, request.headers.authorization)) {
        return reply.code(401).header('www-authenticate', 'Bearer realm="metrics"').type('text/plain; charset=utf-8').send('metrics need Authorization: Bearer <METRICS_TOKEN>\n');
      }
      const body = await ctx.metrics.registry.metrics();
      return reply.type(ctx.metrics.registry.contentType).send(body);
    });
  };
