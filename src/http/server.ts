import { randomUUID } from 'node:crypto';
import Fastify, { type FastifyBaseLogger, type FastifyError, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import FindMyWay from 'find-my-way';
import type { Config } from '../config.js';
import type { Context } from '../context.js';
import { AppError } from '../errors.js';
import { answerClientError, answerExpectation, prepareErrorReply, toAppError } from './http-errors.js';
import { registerCrmAuth } from './auth-hooks.js';
import { registerCrmRateLimit } from './rate-limit.js';
import { registerOpenApi } from './openapi.js';
import { registerRouteAccess } from './route-access.js';
import { addSharedSchemas } from './schemas/common.js';
import { parseJsonBody } from '../wire/json-body.js';
import { errorStatus, zohoError } from '../wire/zoho-envelope.js';
import { emailLimitRoutes } from './routes/email-limits.route.js';
import { emailTemplateRoutes } from './routes/email-templates.route.js';
import { healthRoutes } from './routes/health.route.js';
import { metricsRoutes } from './routes/metrics.route.js';
import { dkimKeyRoutes } from './routes/dkim-keys.route.js';
import { inventoryTemplateRoutes } from './routes/inventory-templates.route.js';
import { mailboxRoutes } from './routes/mailbox.route.js';
import { mailRoutes } from './routes/mail.route.js';
import { fileRoutes, inlineImageRoutes } from './routes/files.route.js';
import { oauthRoutes } from './routes/oauth-token.route.js';
import { orgRoutes } from './routes/org.route.js';
import { complianceRoutes } from './routes/compliance.route.js';
import { consentRoutes } from './routes/consent.route.js';
import { unsubscribeRoutes } from './routes/unsubscribe.route.js';
import { trackingRoutes } from './routes/tracking.route.js';
import { webhookRoutes } from './routes/webhooks.route.js';
import { recordRoutes } from './routes/records.route.js';
import { settingsMetadataRoutes } from './routes/settings-metadata.route.js';
import { userRoutes } from './routes/users.route.js';
import { uiRoutes } from './routes/ui.route.js';
import { createWebAuth } from './web-auth.js';

const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] as const;

declare module 'fastify' {
  interface FastifyInstance {
    /** Every route the server answers (method and URL pattern), but the HEAD routes Fastify adds for GET. */
    readonly routeTable: readonly { method: string; url: string }[];
  }
}

/**
 * Builds the HTTP API (never listens: `serve` does that, tests use `inject`). Every error leaves
 * through `setErrorHandler` as a Zoho envelope; nothing else writes error bodies.
 */
export async function buildServer(ctx: Context): Promise<FastifyInstance> {
  const fastify = Fastify({
    loggerInstance: ctx.log as FastifyBaseLogger,
    bodyLimit: ctx.config.bodyLimitBytes,
    // `{"__proto__": …}` and `constructor.prototype` keys are dropped, never applied.
    onProtoPoisoning: 'remove',
    onConstructorPoisoning: 'remove',
    genReqId: () => randomUUID(),
    requestTimeout: 120_000,
    // Fastify's and Node's own answers (raw JSON or empty bodies) become Zoho envelopes: the
    // router's through `frameworkErrors`, Node's parser's through `clientErrorHandler`, a missing
    // Host and a request arriving while the server closes in the onRequest hook below.
    frameworkErrors: (error, request, reply) => sendError(error, request, reply),
    clientErrorHandler: answerClientError,
    return503OnClosing: false,
    http: { requireHostHeader: false },
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: 200 },
    trustProxy: trustProxyOption(ctx.config.trustProxy),
    // Route schemas validate without changing the request: no coercion (a query value stays the
    // string or array it arrived as), no defaults filled in, no property removed. Request schemas
    // are permissive where the use-case answers Zoho's own error (schemas/common.ts); the form and
    // multipart bodies' schemas name their fields without `type: object` on purpose (a request
    // without a body is validated as null), which Ajv's strictTypes would report.
    ajv: { customOptions: { coerceTypes: false, useDefaults: false, removeAdditional: false, strictTypes: false } },
  });
  // Response schemas document answers (OpenAPI) and never write them: every body is serialised as
  // without a schema (JSON.stringify), so open records keep every key and nothing is coerced;
  // fast-json-stringify is never compiled.
  fastify.setReplySerializer((payload) => JSON.stringify(payload));
  fastify.setSerializerCompiler(() => (data) => JSON.stringify(data));
  addSharedSchemas(fastify);
  fastify.server.on('checkExpectation', answerExpectation);

  let closing = false;
  fastify.addHook('preClose', (done) => {
    closing = true;
    done();
  });
  fastify.addHook('onRequest', async (request) => {
    if (closing) throw new AppError('SERVICE_UNAVAILABLE');
    if (request.raw.httpVersion === '1.1' && request.headers.host === undefined) {
      throw new AppError('MALFORMED_REQUEST', { details: { header: 'host' } });
    }
  });

  // Zoho parses a JSON body whatever its Content-Type (its SDK sends none): every type without
  // a dedicated parser is read as JSON. An empty body is "no body", for the handler to judge.
  // `parseJsonBody` bounds the depth, keeps 19-digit ids sent as numbers exact and drops
  // `__proto__` / `constructor.prototype` (wire/json-body.ts).
  fastify.removeContentTypeParser(['application/json', 'text/plain']);
  fastify.addContentTypeParser('*', { parseAs: 'string' }, (_request, body, done) => {
    if (typeof body !== 'string' || body.trim() === '') return done(null, undefined);
    let parsed: unknown;
    try {
      parsed = parseJsonBody(body);
    } catch (error) {
      return done(error as AppError, undefined);
    }
    done(null, parsed);
  });

  // An API process records that it is alive while it serves: Idempotency-Keys held by requests
  // of a process that stopped beating are released (src/mail/idempotency.ts).
  fastify.addHook('onReady', () => ctx.heartbeat.start());
  fastify.addHook('onClose', () => ctx.heartbeat.stop());

  // Metrics (src/metrics/metrics.ts): by route template, never the URL itself (ids stay out of labels).
  fastify.addHook('onResponse', async (request, reply) => {
    ctx.metrics.httpRequest(request.method, request.routeOptions.url ?? 'unmatched', reply.statusCode, reply.elapsedTime / 1000);
  });

  fastify.addHook('onSend', async (request, reply) => {
    reply.header('x-request-id', request.id);
    reply.header('x-content-type-options', 'nosniff');
  });

  // Remember every route so an unknown method on a known URL answers INVALID_REQUEST_METHOD, and
  // list them (`routeTable`: what the OpenAPI document must cover).
  const known = FindMyWay({ ignoreTrailingSlash: true });
  const routeTable: { method: string; url: string }[] = [];
  fastify.decorate('routeTable', routeTable);
  fastify.addHook('onRoute', (route) => {
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    for (const method of methods) {
      if (method === 'HEAD') continue;
      known.on(method as 'GET', route.url, () => undefined);
      routeTable.push({ method, url: route.url });
    }
  });

  fastify.setErrorHandler(sendError);

  fastify.setNotFoundHandler((request, reply) => {
    const path = request.url.split('?')[0] ?? '/';
    const otherMethod = METHODS.some((method) => method !== request.method && known.find(method, path) !== null);
    const error = new AppError(otherMethod ? 'INVALID_REQUEST_METHOD' : 'INVALID_URL_PATTERN');
    return reply.status(errorStatus(error.code)).send(zohoError(error));
  });

  await registerOpenApi(fastify);
  await fastify.register(healthRoutes(ctx));
  await fastify.register(metricsRoutes(ctx));
  await fastify.register(oauthRoutes(ctx));
  await fastify.register(inlineImageRoutes(ctx));
  // One browser sign-in (session cookie, failure counter) for the web UI and the local mailbox.
  const webAuth = createWebAuth(ctx);
  await fastify.register(mailboxRoutes(ctx, webAuth));
  await fastify.register(uiRoutes(ctx, webAuth));
  await fastify.register(consentRoutes(ctx));
  await fastify.register(unsubscribeRoutes(ctx));
  await fastify.register(trackingRoutes(ctx));
  await fastify.register(webhookRoutes(ctx));
  await fastify.register(async (crm) => {
    registerCrmAuth(crm, ctx);
    registerCrmRateLimit(crm, ctx);
    registerRouteAccess(crm, ctx);
    await crm.register(orgRoutes(ctx));
    await crm.register(userRoutes(ctx));
    await crm.register(settingsMetadataRoutes(ctx));
    await crm.register(emailTemplateRoutes(ctx));
    await crm.register(emailLimitRoutes(ctx));
    await crm.register(inventoryTemplateRoutes(ctx));
    await crm.register(complianceRoutes(ctx));
    await crm.register(dkimKeyRoutes(ctx));
    await crm.register(recordRoutes(ctx));
    await crm.register(mailRoutes(ctx));
    await crm.register(fileRoutes(ctx));
  });
  return fastify;
}

/**
 * `request.ip` is the client's address from X-Forwarded-For only behind the proxies TRUST_PROXY
 * names. A hop count trusts that many nearest hops whatever their address (Fastify 5 refuses a
 * bare number, since a client that reaches the server directly can then forge the header): it is
 * given as the equivalent function, for deployments where nothing but the proxy reaches Mailroom.
 */
function trustProxyOption(trust: Config['trustProxy']): boolean | string[] | ((address: string, hop: number) => boolean) {
  if (typeof trust === 'number') return (_address, hop) => hop < trust;
  return typeof trust === 'boolean' ? trust : [...trust];
}

/** The one way an error leaves as an answer: a catalogue error as a Zoho envelope. */
function sendError(error: FastifyError | AppError, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  const appError = toAppError(error);
  prepareErrorReply(reply, appError);
  if (appError.code === 'INTERNAL_ERROR') {
    request.log.error({ err: error, event: 'http.internal_error' }, 'unexpected error');
    appError.details.request_id = request.id;
  }
  // Set here too: the router's own errors (`frameworkErrors`) skip the onSend hook.
  reply.header('x-request-id', request.id).header('x-content-type-options', 'nosniff');
  return reply.status(errorStatus(appError.code)).send(zohoError(appError));
}
