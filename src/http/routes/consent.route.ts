import type { FastifyPluginAsync } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { Context } from '../../context.js';
import { isAppError } from '../../errors.js';
import { CONSENT_PAGE_HEADERS, renderConsentPage, renderConsentProblem } from '../../compliance/render-consent-page.js';
import { submitConsent, viewConsent } from '../../compliance/submit-consent.js';
import { databaseUnavailableError, prepareErrorReply } from '../http-errors.js';
import * as schemas from '../schemas/consent.js';

/** Longest form body a consent page sends (two short fields). */
const FORM_LIMIT = 2048;

/**
 * `GET /consent/:secret` (the page) and `POST /consent/:secret` (its form, urlencoded), outside
 * `/crm`: the person has no token, the link is the credential. The secret is in the URL, so
 * these routes log only warnings and errors (never the URL of a normal request).
 */
export const consentRoutes =
  (ctx: Context): FastifyPluginAsync =>
  async (plain) => {
    const fastify = plain.withTypeProvider<TypeBoxTypeProvider>();
    fastify.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string', bodyLimit: FORM_LIMIT }, (_request, body, done) => {
      done(null, Object.fromEntries(new URLSearchParams(typeof body === 'string' ? body : body.toString('utf8'))));
    });
    fastify.setErrorHandler((error, request, reply) => {
      // A database outage or a server that is closing: come back later. A refused request (a body
      // that is neither JSON nor a form, …) is the sender's fault; anything else is ours.
      const known = isAppError(error) ? error : databaseUnavailableError(error);
      if (known?.code === 'SERVICE_UNAVAILABLE') {
        prepareErrorReply(reply, known);
        return reply.status(503).headers(CONSENT_PAGE_HEADERS).send(renderConsentProblem(503));
      }
      const status = known ? known.spec.status : typeof (error as { statusCode?: unknown }).statusCode === 'number' ? (error as { statusCode: number }).statusCode : 500;
      if (status >= 500) request.log.error({ event: 'consent.error', err: error }, 'consent page failed');
      return reply.status(status >= 500 ? 500 : 400).headers(CONSENT_PAGE_HEADERS).send(renderConsentProblem(400));
    });

    fastify.get(
      '/consent/:secret',
      { logLevel: 'warn', schema: schemas.page },
      async (request, reply) => {
        const view = await viewConsent(ctx, request.params.secret, request.query.saved === '1');
        return reply.status(view.kind === 'gone' ? view.status : 200).headers(CONSENT_PAGE_HEADERS).send(renderConsentPage(view));
      },
    );

    fastify.post('/consent/:secret', { logLevel: 'warn', schema: schemas.submit }, async (request, reply) => {
      const form = (typeof request.body === 'object' && request.body !== null ? request.body : {}) as Record<string, unknown>;
      const outcome = await submitConsent(ctx, request.params.secret, {
        choice: form.choice,
        formToken: form.form_token,
        origin: request.headers.origin,
        referer: request.headers.referer,
      });
      switch (outcome.kind) {
        case 'saved':
          // Post/Redirect/Get: reloading the result page never posts again.
          return reply.status(303).header('location', `/consent/${request.params.secret}?saved=1`).headers(CONSENT_PAGE_HEADERS).send('');
        case 'forbidden':
          return reply.status(403).headers(CONSENT_PAGE_HEADERS).send(renderConsentProblem(403));
        case 'invalid':
          return reply.status(400).headers(CONSENT_PAGE_HEADERS).send(renderConsentProblem(400));
        default:
          return reply.status(outcome.status).headers(CONSENT_PAGE_HEADERS).send(renderConsentPage(outcome));
      }
    });
  };
