import type { FastifyInstance, FastifyReply } from 'fastify';
import type { Context } from '../context.js';
import { createApiRateLimiter, type ApiRateLimiter } from '../limits/api-rate-limiter.js';

/**
 * API credits and concurrency for every authenticated request under `/crm/{version}/`
 * (docs/zoho-contract.md §15). Registered after `registerCrmAuth` in the same scope, so it runs once the
 * caller's org is known; unauthenticated requests are refused before and cost nothing.
 * `API_RATE_LIMITS=false` registers nothing: no counting, no headers.
 */
export function registerCrmRateLimit(fastify: FastifyInstance, ctx: Context, given?: ApiRateLimiter): void {
  if (!ctx.config.apiRateLimits) return;
  const limiter = given ?? createApiRateLimiter(ctx);
  fastify.addHook('onRequest', async (request, reply) => {
    const principal = request.principal;
    if (!principal) return;
    const admission = await limiter.admit(principal);
    setWireHeaders(reply, admission.headers);
    if (!admission.ok) throw admission.error;
    // 'close' fires when the answer is written or the connection dropped, whichever comes first.
    reply.raw.once('close', admission.release);
  });
}

/**
 * Set on the raw response so the names go out in upper case, as Zoho sends them: the legacy
 * Python SDK compares header names case-sensitively (`reply.header` would lower-case them).
 */
function setWireHeaders(reply: FastifyReply, headers: Record<string, string>): void {
  for (const [name, value] of Object.entries(headers)) reply.raw.setHeader(name, value);
}
