import type { FastifyPluginAsync } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { Context } from '../../context.js';
import { standalonePage } from '../../html/standalone-page.js';
import { html } from '../../html/template.js';
import { recordClick, recordOpen, verifyClick, type Fetcher } from '../../tracking/record-engagement.js';
import * as schemas from '../schemas/tracking.js';

/** A 1×1 transparent GIF (43 bytes). */
const PIXEL = Buffer.from('R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7', 'base64');
const NOT_FOUND_PAGE = standalonePage({
  title: 'Link not found',
  css: 'body{font-family:system-ui,sans-serif;margin:2rem auto;max-width:36rem;padding:0 1rem}',
  meta: html`<meta name="robots" content="noindex">`,
  body: html`<h1>Link not found</h1>\n<p>This link is not valid: it may have been cut or changed.</p>`,
});
const NO_STORE = { 'cache-control': 'no-store, no-cache, must-revalidate, private', pragma: 'no-cache', 'referrer-policy': 'no-referrer' };

/**
 * `GET /t/o/:token` (the open pixel) and `GET /t/c/:token?u=…` (a tracked link), outside `/crm`:
 * no sign-in, the token is the credential (README "Tracking opens and clicks"). They change
 * nothing but `recipient_events`; the tokens are in the URL, so these routes log only warnings
 * and errors.
 */
export const trackingRoutes =
  (ctx: Context): FastifyPluginAsync =>
  async (plain) => {
    const fastify = plain.withTypeProvider<TypeBoxTypeProvider>();
    const fetcher = (request: { headers: Record<string, string | string[] | undefined>; ip: string }): Fetcher => {
      const agent = request.headers['user-agent'];
      return { userAgent: typeof agent === 'string' ? agent : null, remoteAddress: request.ip || null };
    };

    fastify.get('/t/o/:token', { logLevel: 'warn', schema: schemas.open }, async (request, reply) => {
      try {
        await recordOpen(ctx, request.params.token, fetcher(request));
      } catch (error) {
        // The pixel is answered whatever happens: a reader's mail client shows nothing of it.
        request.log.error({ event: 'tracking.open_failed', err: error }, 'recording an open failed');
      }
      return reply.status(200).headers({ ...NO_STORE, 'content-type': 'image/gif' }).send(PIXEL);
    });

    fastify.get('/t/c/:token', { logLevel: 'warn', schema: schemas.click }, async (request, reply) => {
      const link = verifyClick(ctx, request.params.token, request.query.u ?? '');
      if (link === null) return reply.status(404).headers({ ...NO_STORE, 'content-type': 'text/html; charset=utf-8' }).send(NOT_FOUND_PAGE);
      try {
        await recordClick(ctx, link, fetcher(request));
      } catch (error) {
        // The reader still gets where the link goes; only the count misses this click.
        request.log.error({ event: 'tracking.click_failed', err: error }, 'recording a click failed');
      }
      return reply.status(302).headers({ ...NO_STORE, location: link.url }).send();
    });
  };
