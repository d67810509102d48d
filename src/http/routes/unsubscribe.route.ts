import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { Context } from '../../context.js';
import { isAppError } from '../../errors.js';
import { renderUnsubscribed, renderUnsubscribePage, renderUnsubscribeProblem, UNSUBSCRIBE_PAGE_HEADERS } from '../../compliance/render-unsubscribe-page.js';
import { unsubscribeRecipient } from '../../compliance/unsubscribe-recipient.js';
import { viewUnsubscribe } from '../../compliance/view-unsubscribe.js';
import { isOneClickBody } from '../../wire/one-click-form.js';
import { databaseUnavailableError, prepareErrorReply } from '../http-errors.js';
import { createWindowLimiter } from '../window-limiter.js';
import * as schemas from '../schemas/unsubscribe.js';

/** Longest body of a one-click POST (one short field, or one multipart part). */
const FORM_LIMIT = 4096;
/** Requests per link per minute and process: a provider's POST, a retry, a person's clicks. */
const PER_LINK = { max: 20, windowMs: 60_000, maxKeys: 10_000 };

/** A form body kept as text, for `isOneClickBody` to read with its Content-Type. */
type RawForm = { raw: string };

/**
 * `GET /unsubscribe/:token` (the page: changes nothing) and `POST /unsubscribe/:token` (RFC 8058
 * one-click, or the page's button), outside `/crm`: no sign-in, no cookie, no CSRF token — the
 * token is the credential (docs/compliance.md#one-click-unsubscribe). The token is in the URL, so
 * these routes log only warnings and errors.
 */
export const unsubscribeRoutes =
  (ctx: Context): FastifyPluginAsync =>
  async (plain) => {
    const fastify = plain.withTypeProvider<TypeBoxTypeProvider>();
    const limiter = createWindowLimiter(PER_LINK);
    const asRaw = (_request: unknown, body: string | Buffer, done: (error: Error | null, body?: RawForm) => void) =>
      done(null, { raw: typeof body === 'string' ? body : body.toString('utf8') });
    fastify.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string', bodyLimit: FORM_LIMIT }, asRaw);
    fastify.addContentTypeParser('multipart/form-data', { parseAs: 'string', bodyLimit: FORM_LIMIT }, asRaw);

    const problem = (reply: FastifyReply, status: number) => reply.status(status).headers(UNSUBSCRIBE_PAGE_HEADERS).send(renderUnsubscribeProblem(status));

    fastify.setErrorHandler((error, request, reply) => {
      // A database outage or a server that is closing: come back later. A refused request (a body
      // too large, one that is neither a form nor JSON, …) is the sender's; anything else is ours.
      const known = isAppError(error) ? error : databaseUnavailableError(error);
      if (known?.code === 'SERVICE_UNAVAILABLE') {
        prepareErrorReply(reply, known);
        return problem(reply, 503);
      }
      const status = known ? known.spec.status : typeof (error as { statusCode?: unknown }).statusCode === 'number' ? (error as { statusCode: number }).statusCode : 500;
      if (status >= 500) request.log.error({ event: 'unsubscribe.error', err: error }, 'unsubscribe page failed');
      return problem(reply, status >= 500 ? 500 : status === 413 ? 413 : 400);
    });

    /** Answers 429 (and true) when this link was asked for too often in the current window. */
    const throttled = (token: string, reply: FastifyReply): boolean => {
      const waitMs = limiter.take(token, ctx.clock.now());
      if (waitMs === 0) return false;
      reply.header('retry-after', String(Math.ceil(waitMs / 1000)));
      void problem(reply, 429);
      return true;
    };

    fastify.get('/unsubscribe/:token', { logLevel: 'warn', schema: schemas.page }, async (request, reply) => {
      if (throttled(request.params.token, reply)) return reply;
      const view = await viewUnsubscribe(ctx, request.params.token);
      return reply.status(view.kind === 'page' ? 200 : 404).headers(UNSUBSCRIBE_PAGE_HEADERS).send(renderUnsubscribePage(view));
    });

    fastify.post('/unsubscribe/:token', { logLevel: 'warn', schema: schemas.submit }, async (request, reply) => {
      if (throttled(request.params.token, reply)) return reply;
      const body = request.body as RawForm | undefined;
      const oneClick = typeof body?.raw === 'string' && isOneClickBody(request.headers['content-type'], body.raw);
      // A token that does not verify is 404 whatever the body; a good one without the one-click field changes nothing.
      const outcome = oneClick ? await unsubscribeRecipient(ctx, request.params.token) : null;
      if (outcome?.kind === 'done') return reply.status(200).headers(UNSUBSCRIBE_PAGE_HEADERS).send(renderUnsubscribed(outcome.orgName, outcome.email));
      if (outcome?.kind === 'not_found' || (await viewUnsubscribe(ctx, request.params.token)).kind === 'not_found') return problem(reply, 404);
      return problem(reply, 400);
    });
  };
