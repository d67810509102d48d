import formbody from '@fastify/formbody';
import multipart from '@fastify/multipart';
import type { FastifyError, FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { Context } from '../../context.js';
import { AppError, isAppError } from '../../errors.js';
import { MAX_FILE_BYTES, MAX_FILES_PER_UPLOAD, type UploadedPart } from '../../files/upload-files.js';
import { cancelMail, rescheduleMail } from '../../mail/change-scheduled-mail.js';
import { listModules } from '../../records/module-registry.js';
import type { ModuleDefinition } from '../../records/modules.js';
import { presentRecords } from '../../records/present-record.js';
import { parseData } from '../../records/record-repository.js';
import { loadTemplateForSend } from '../../templates/resolve-template.js';
import { COMPOSE_JS, UI_CSS } from '../../ui/assets.js';
import { readComposeForm, submitCompose, type ComposeForm, type FormErrors } from '../../ui/compose-form.js';
import { UI_PAGE_HEADERS } from '../../ui/layout.js';
import { localToOffsetDateTime } from '../../ui/local-time.js';
import { parseOffsetDateTime } from '../../time.js';
import { renderError, renderLogin } from '../../ui/render-login-page.js';
import { renderModuleList, renderRecordList, recordPath } from '../../ui/render-record-pages.js';
import { countRecordsByModule, recordName, searchRecords } from '../../ui/record-queries.js';
import { endSession, sameToken, startSession, type Session } from '../../auth/web-sessions.js';
import { settingsRoutes } from './ui-settings.route.js';
import { webhookUiRoutes } from './ui-webhooks.route.js';
import { dkimUiRoutes } from './ui-dkim.route.js';
import { PageError, notFound } from '../../ui/page-error.js';
import { buildRecordPage, type RecordPageExtra } from '../../ui/load-record-page.js';
import { buildComposePage } from '../../ui/load-compose-page.js';
import { unblockFromRecord } from '../../ui/timeline-unblock.js';
import { registerWebCookies, type WebAuth } from '../web-auth.js';
import { databaseUnavailableError, prepareErrorReply } from '../http-errors.js';
import { resolveRouteModule } from '../route-access.js';
import * as schemas from '../schemas/web-ui.js';

const PER_PAGE = 25;

/** Where a sign-in may send the browser afterwards: our own pages only (no `//host` open redirect). */
const safeNext = (value: unknown): string =>
  typeof value === 'string' && /^\/(ui|mailbox)(?:[/?#]|$)/.test(value) && !value.startsWith('//') ? value : '/ui/records';

const NOTICES: Record<string, string> = {
  sent: 'The email was accepted and is being sent. Its status is shown below.',
  scheduled: 'The email was scheduled. You can cancel or reschedule it below until it goes.',
  cancelled: 'The scheduled email was cancelled.',
  rescheduled: 'The scheduled email was rescheduled.',
  unblocked: 'The address was unblocked: mail to it goes again.',
};


declare module 'fastify' {
  interface FastifyRequest {
    uiSession?: Session;
  }
}

/**
 * The web UI under `/ui`: server-rendered pages over the same use-cases as the API (never an HTTP
 * call to itself). Every page needs a session, except the sign-in page; every form post carries
 * the session's CSRF token (`_csrf`).
 */
export const uiRoutes =
  (ctx: Context, web: WebAuth): FastifyPluginAsync =>
  async (plain) => {
    const fastify = plain.withTypeProvider<TypeBoxTypeProvider>();
    await registerWebCookies(fastify);
    await fastify.register(formbody, { bodyLimit: 256 * 1024 });
    await fastify.register(multipart, {
      limits: { fileSize: MAX_FILE_BYTES, files: MAX_FILES_PER_UPLOAD, fields: 40, fieldSize: 2 * 1024 * 1024, headerPairs: 200 },
      throwFileSizeLimit: true,
    });

    const send = (reply: FastifyReply, html: string, status = 200, csp?: string) =>
      reply.status(status).headers(csp ? { ...UI_PAGE_HEADERS, 'content-security-policy': csp } : UI_PAGE_HEADERS).send(html);

    fastify.setErrorHandler((thrown: FastifyError | AppError | PageError, request, reply) => {
      const session = request.uiSession ?? null;
      if (thrown instanceof PageError) return send(reply, renderError(session, thrown.title, thrown.text), thrown.status);
      const error = databaseUnavailableError(thrown) ?? thrown;
      if (isAppError(error)) {
        prepareErrorReply(reply, error);
        if (error.code === 'RECORD_NOT_FOUND' || error.code === 'RELATED_RECORD_NOT_FOUND' || error.code === 'INVALID_MODULE' || error.code === 'NOT_FOUND') {
          const page = notFound();
          return send(reply, renderError(session, page.title, page.text), 404);
        }
        return send(reply, renderError(session, 'Request failed', error.message), error.spec.status);
      }
      const code = (error as FastifyError).code;
      if (code === 'FST_REQ_FILE_TOO_LARGE') return send(reply, renderError(session, 'File too large', 'Each attachment may be at most 20 MB.'), 413);
      if (code === 'FST_FILES_LIMIT') return send(reply, renderError(session, 'Too many files', 'At most 10 attachments per email.'), 413);
      const status = typeof (error as FastifyError).statusCode === 'number' && (error as FastifyError).statusCode! < 500 ? (error as FastifyError).statusCode! : 500;
      if (status === 500) request.log.error({ err: error, event: 'http.internal_error' }, 'unexpected error');
      return send(reply, renderError(session, status === 500 ? 'Something went wrong' : 'Bad request', status === 500 ? 'The error was logged.' : 'The request could not be understood.'), status);
    });

    fastify.get('/ui/assets/ui.css', { schema: schemas.stylesheet }, async (_request, reply) =>
      reply.header('content-type', 'text/css; charset=utf-8').header('cache-control', 'public, max-age=3600').send(UI_CSS),
    );
    fastify.get('/ui/assets/compose.js', { schema: schemas.composeScript }, async (_request, reply) =>
      reply.header('content-type', 'text/javascript; charset=utf-8').header('cache-control', 'public, max-age=3600').send(COMPOSE_JS),
    );

    // ---- Sign-in -------------------------------------------------------------------------------

    const loginPage = (reply: FastifyReply, options: { next: string; email?: string; error?: string; status?: number }) => {
      const token = web.issueSignInFormToken(reply);
      return send(reply, renderLogin({ csrf: token, next: options.next, email: options.email ?? '', error: options.error ?? null }), options.status ?? 200);
    };

    fastify.get('/ui/login', { schema: schemas.loginPage }, async (request, reply) => {
      const next = safeNext(request.query.next);
      if (await web.sessionOf(request)) return reply.redirect(next, 303);
      return loginPage(reply, { next });
    });

    fastify.post('/ui/login', { schema: schemas.login }, async (request, reply) => {
      const body = (request.body ?? {}) as Record<string, unknown>;
      const next = safeNext(body.next);
      const email = typeof body.email === 'string' ? body.email : '';
      if (!web.checkSignInFormToken(request, body._csrf)) {
        return loginPage(reply, { next, email, error: 'The sign-in form had expired. Please try again.', status: 403 });
      }
      try {
        const principal = await web.signIn(request, reply, email, typeof body.password === 'string' ? body.password : '');
        const token = await startSession(ctx, principal);
        request.log.info({ event: 'web.signed_in', org_id: principal.orgId, user_id: principal.userId }, 'signed in');
        web.setSessionCookie(reply, token);
        return reply.redirect(next, 303);
      } catch (error) {
        if (isAppError(error) && error.code === 'AUTHENTICATION_FAILURE') return loginPage(reply, { next, email, error: 'Wrong email or password.', status: 401 });
        if (isAppError(error) && error.code === 'TOO_MANY_FAILED_SIGN_INS') {
          return loginPage(reply, { next, email, error: 'Too many failed sign-ins from your address. Please wait a few minutes and try again.', status: 429 });
        }
        throw error;
      }
    });

    // ---- Everything else needs a session ---------------------------------------------------------

    await fastify.register(async (plainApp) => {
      const app = plainApp.withTypeProvider<TypeBoxTypeProvider>();
      app.addHook('preHandler', async (request, reply) => {
        const session = await web.sessionOf(request);
        if (!session) {
          if (request.method === 'GET') return reply.redirect(`/ui/login?next=${encodeURIComponent(request.url)}`, 303);
          throw new PageError(401, 'Signed out', 'Your session has ended. Please sign in again.');
        }
        request.uiSession = session;
        if (request.method !== 'POST') return;
        if (!request.isMultipart()) return requireCsrf(session, (request.body as Record<string, unknown> | undefined)?._csrf);
        // Only the compose form is multipart; it carries its token among the parts and its handler
        // checks it after reading them. Anywhere else a multipart post could skip the check: refused.
        if (!request.url.split('?')[0]!.endsWith('/compose')) throw new PageError(403, 'Form refused', 'This form must not be sent as multipart/form-data.');
      });
      const sessionOf = (request: FastifyRequest): Session => request.uiSession!;

      app.get('/ui', { schema: schemas.home }, async (_request, reply) => reply.redirect('/ui/records', 303));

      app.post('/ui/logout', { schema: schemas.logout }, async (request, reply) => {
        await endSession(ctx, web.sessionToken(request));
        web.clearSessionCookie(reply);
        return reply.redirect('/ui/login', 303);
      });

      app.get('/ui/records', { schema: schemas.modules }, async (request, reply) => {
        const session = sessionOf(request);
        const [modules, counts] = await Promise.all([listModules(ctx.db, session.principal.orgId), countRecordsByModule(ctx, session.principal.orgId)]);
        return send(reply, renderModuleList(session, modules, counts));
      });

      // An unknown module is INVALID_MODULE, which the error handler answers with the 404 page.
      const moduleOf = (session: Session, segment: string): Promise<ModuleDefinition> => resolveRouteModule(ctx, session.principal.orgId, segment);

      app.get('/ui/records/:module', { schema: schemas.records }, async (request, reply) => {
        const session = sessionOf(request);
        const module = await moduleOf(session, request.params.module);
        const query = request.query;
        const term = typeof query.q === 'string' ? query.q.slice(0, 200) : '';
        const page = typeof query.page === 'string' && /^[1-9]\d{0,5}$/.test(query.page) ? Number(query.page) : 1;
        const { rows, more } = await searchRecords(ctx, session.principal, module, { term, page, perPage: PER_PAGE });
        const records = await presentRecords(rows, { db: ctx.db, orgId: session.principal.orgId, module, timeZone: session.principal.timeZone });
        const names = new Map(rows.map((r) => [r.id, recordName(module, parseData(r))]));
        return send(reply, renderRecordList(session, { module, records, names, term, page, more }));
      });

      const recordPage = (session: Session, module: ModuleDefinition, id: string, extra: RecordPageExtra) => buildRecordPage(ctx, session, module, id, extra);

      app.get('/ui/records/:module/:id', { schema: schemas.record }, async (request, reply) => {
        const session = sessionOf(request);
        const { module: segment, id } = request.params;
        const module = await moduleOf(session, segment);
        const query = request.query;
        const notice = typeof query.notice === 'string' ? (NOTICES[query.notice] ?? null) : null;
        return send(reply, await recordPage(session, module, id, { notice, emailsIndex: typeof query.emails_index === 'string' ? query.emails_index : null }));
      });

      // ---- Compose -------------------------------------------------------------------------------

      const composeView = (session: Session, module: ModuleDefinition, id: string, form: ComposeForm | null, errors: FormErrors) =>
        buildComposePage(ctx, session, module, id, form, errors);

      app.get('/ui/records/:module/:id/compose', { schema: schemas.composePage }, async (request, reply) => {
        const session = sessionOf(request);
        const { module: segment, id } = request.params;
        return send(reply, await composeView(session, await moduleOf(session, segment), id, null, {}));
      });

      app.get('/ui/records/:module/:id/template', { schema: schemas.templateForCompose }, async (request, reply) => {
        const session = sessionOf(request);
        const { module: segment } = request.params;
        const module = await moduleOf(session, segment);
        const templateId = request.query.template_id;
        try {
          const t = await loadTemplateForSend(ctx, session.principal.orgId, typeof templateId === 'string' ? templateId : '', module.apiName);
          return reply.header('cache-control', 'private, no-store').send({ subject: t.subject, content: t.content, mail_format: t.mailFormat });
        } catch (error) {
          if (isAppError(error)) return reply.status(404).send({ code: 'NOT_FOUND' });
          throw error;
        }
      });

      app.post('/ui/records/:module/:id/compose', { schema: schemas.compose }, async (request, reply) => {
        const session = sessionOf(request);
        const { module: segment, id } = request.params;
        const module = await moduleOf(session, segment);
        if (!request.isMultipart()) throw new PageError(400, 'Bad request', 'The form must be sent as multipart/form-data.');
        const fields: Record<string, string> = {};
        const files: UploadedPart[] = [];
        for await (const part of request.parts()) {
          if (part.type === 'file') {
            const bytes = await part.toBuffer();
            // An empty file input still sends one part without a name.
            if (part.fieldname === 'attachments' && (bytes.length > 0 || part.filename)) files.push({ filename: part.filename, mimetype: part.mimetype, bytes });
          } else if (typeof part.value === 'string') {
            fields[part.fieldname] = part.value;
          }
        }
        requireCsrf(session, fields._csrf);
        const form = readComposeForm(fields);
        if (form.action === 'template') {
          if (form.templateId === '') return send(reply, await composeView(session, module, id, form, { template: 'Choose a template first.' }), 400);
          try {
            const t = await loadTemplateForSend(ctx, session.principal.orgId, form.templateId, module.apiName);
            return send(reply, await composeView(session, module, id, { ...form, subject: t.subject, content: t.content, mailFormat: t.mailFormat }, {}));
          } catch (error) {
            if (isAppError(error)) return send(reply, await composeView(session, module, id, form, { template: error.message }), 400);
            throw error;
          }
        }
        const outcome = await submitCompose(ctx, session.principal, module, id, form, files);
        if (outcome.ok) return reply.redirect(`${recordPath(module.apiName, id)}?notice=${outcome.scheduled ? 'scheduled' : 'sent'}#emails-h`, 303);
        const errors = files.length > 0 ? { ...outcome.errors, attachments: outcome.errors.attachments ?? 'Please choose the attachments again.' } : outcome.errors;
        return send(reply, await composeView(session, module, id, form, errors), 400);
      });

      // ---- Cancel and reschedule from the Emails section ----------------------------------------

      app.post('/ui/records/:module/:id/emails/:messageId/cancel', { schema: schemas.cancel }, async (request, reply) => {
        const session = sessionOf(request);
        const { module: segment, id, messageId } = request.params;
        const module = await moduleOf(session, segment);
        try {
          await cancelMail(ctx, session.principal, module, id, messageId);
        } catch (error) {
          if (isAppError(error) && error.code === 'MAIL_ALREADY_STARTED') return send(reply, await recordPage(session, module, id, { error: error.message }), 409);
          throw error;
        }
        return reply.redirect(`${recordPath(module.apiName, id)}?notice=cancelled#emails-h`, 303);
      });

      app.post('/ui/records/:module/:id/emails/:messageId/reschedule', { schema: schemas.reschedule }, async (request, reply) => {
        const session = sessionOf(request);
        const { module: segment, id, messageId } = request.params;
        const module = await moduleOf(session, segment);
        const raw = (request.body as Record<string, unknown>).send_at;
        const local = typeof raw === 'string' ? localToOffsetDateTime(raw, session.principal.timeZone) : null;
        const at = local === null ? null : parseOffsetDateTime(local);
        if (!at) return send(reply, await recordPage(session, module, id, { error: 'Choose a valid date and time to reschedule to.' }), 400);
        try {
          await rescheduleMail(ctx, session.principal, module, id, messageId, at);
        } catch (error) {
          if (isAppError(error) && error.code !== 'RECORD_NOT_FOUND') return send(reply, await recordPage(session, module, id, { error: error.message }), 400);
          throw error;
        }
        return reply.redirect(`${recordPath(module.apiName, id)}?notice=rescheduled#emails-h`, 303);
      });

      // ---- Unblock a blocked address from the record's timeline -----------------------------------

      app.post('/ui/records/:module/:id/unblock', { schema: schemas.unblock }, async (request, reply) => {
        const session = sessionOf(request);
        const { module: segment, id } = request.params;
        const module = await moduleOf(session, segment);
        const raw = (request.body as Record<string, unknown>).email;
        const refused = await unblockFromRecord(ctx, session, module, id, typeof raw === 'string' ? raw : '');
        if (refused !== null) return send(reply, await recordPage(session, module, id, { error: refused }), 400);
        return reply.redirect(`${recordPath(module.apiName, id)}?notice=unblocked#emails-h`, 303);
      });

      await app.register(settingsRoutes(ctx, { send, sessionOf }));
      await app.register(webhookUiRoutes(ctx, { send, sessionOf }));
      await app.register(dkimUiRoutes(ctx, { send, sessionOf }));

      // Any other page under /ui answers with the UI's own 404 page, not an API envelope.
      app.get('/ui/*', { schema: schemas.notFound }, async () => {
        throw notFound();
      });
    });
  };

/** A form post without the session's CSRF token is refused (403) before anything happens. */
export function requireCsrf(session: Session, given: unknown): void {
  if (!sameToken(given, session.csrfToken)) {
    throw new PageError(403, 'Form refused', 'This form did not come from your Mailroom session (missing or wrong CSRF token). Reload the page and try again.');
  }
}

