import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { Session } from '../../auth/web-sessions.js';
import type { Context } from '../../context.js';
import { createOrgDkimKey, deleteOrgDkimKey, listOrgDkimKeys, rotateOrgDkimKey } from '../../dkim/admin-dkim-keys.js';
import type { DkimAlgorithmOption } from '../../dkim/dkim-keys.js';
import { isAppError } from '../../errors.js';
import { renderDkimPage, type DkimPageView } from '../../ui/render-dkim-page.js';
import * as schemas from '../schemas/web-ui.js';

type Helpers = {
  send: (reply: FastifyReply, html: string, status?: number, csp?: string) => FastifyReply;
  sessionOf: (request: FastifyRequest) => Session;
};

const NOTICES: Record<string, string> = {
  created: 'The key was created: publish its DNS record. Mail from its domain is signed from now on.',
  rotated: 'A new key was added beside the current ones: publish its record, then delete the old key once it is live.',
  deleted: 'The key was deleted: remove its DNS record.',
};
const str = (body: unknown, key: string): string => {
  const value = (body as Record<string, unknown> | undefined)?.[key];
  return typeof value === 'string' ? value.trim() : '';
};

/** Settings → DKIM keys (administrators; docs/operations.md "DKIM"): the admin use-cases behind forms. */
export const dkimUiRoutes =
  (ctx: Context, { send, sessionOf }: Helpers): FastifyPluginAsync =>
  async (app) => {
    const page = async (session: Session, parts: Partial<DkimPageView>, status = 200, reply: FastifyReply) => {
      const keys = await listOrgDkimKeys(ctx, session.principal);
      return send(reply, renderDkimPage(session, { keys, notice: null, error: null, form: { domain: '', selector: '', algorithm: 'rsa-2048' }, ...parts }), status);
    };
    const adminOnly = (reply: FastifyReply, session: Session) =>
      send(reply, renderDkimPage(session, { keys: [], notice: null, error: 'Only administrators manage DKIM keys.', form: { domain: '', selector: '', algorithm: 'rsa-2048' } }), 403);
    /** A use-case's refusal, shown on the page with what was typed. */
    const refused = async (error: unknown, session: Session, reply: FastifyReply, form: DkimPageView['form']) => {
      if (!isAppError(error)) throw error;
      const detail = Object.entries(error.details).map(([k, v]) => `${k}: ${Array.isArray(v) ? v.join(', ') : String(v)}`).join('; ');
      return page(session, { error: `${error.message}${detail ? ` (${detail})` : ''}`, form }, error.code === 'ADMIN_ONLY' ? 403 : 400, reply);
    };

    app.get('/ui/settings/dkim', { schema: schemas.dkimPage }, async (request, reply) => {
      const session = sessionOf(request);
      if (!session.isAdmin) return adminOnly(reply, session);
      const notice = (request.query as { notice?: unknown }).notice;
      return page(session, { notice: typeof notice === 'string' ? (NOTICES[notice] ?? null) : null }, 200, reply);
    });

    app.post('/ui/settings/dkim', { schema: schemas.createDkimKey }, async (request, reply) => {
      const session = sessionOf(request);
      if (!session.isAdmin) return adminOnly(reply, session);
      const form = { domain: str(request.body, 'domain'), selector: str(request.body, 'selector'), algorithm: str(request.body, 'algorithm') || 'rsa-2048' };
      try {
        await createOrgDkimKey(ctx, session.principal, () => ({
          domain: form.domain,
          ...(form.selector ? { selector: form.selector } : {}),
          algorithm: form.algorithm as DkimAlgorithmOption,
        }));
      } catch (error) {
        return refused(error, session, reply, form);
      }
      return reply.redirect('/ui/settings/dkim?notice=created', 303);
    });

    app.post('/ui/settings/dkim/rotate', { schema: schemas.rotateDkimKey }, async (request, reply) => {
      const session = sessionOf(request);
      if (!session.isAdmin) return adminOnly(reply, session);
      const domain = str(request.body, 'domain');
      try {
        await rotateOrgDkimKey(ctx, session.principal, () => ({ domain }));
      } catch (error) {
        return refused(error, session, reply, { domain, selector: '', algorithm: 'rsa-2048' });
      }
      return reply.redirect('/ui/settings/dkim?notice=rotated', 303);
    });

    app.post('/ui/settings/dkim/:id/delete', { schema: schemas.deleteDkimKey }, async (request, reply) => {
      const session = sessionOf(request);
      if (!session.isAdmin) return adminOnly(reply, session);
      try {
        await deleteOrgDkimKey(ctx, session.principal, (request.params as { id: string }).id);
      } catch (error) {
        return refused(error, session, reply, { domain: '', selector: '', algorithm: 'rsa-2048' });
      }
      return reply.redirect('/ui/settings/dkim?notice=deleted', 303);
    });
  };
