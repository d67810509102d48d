import { emailTrackingOn } from '../../tracking/tracking-setting.js';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { Context } from '../../context.js';
import { AppError, ERROR_CATALOGUE, isAppError } from '../../errors.js';
import { quotaStatus } from '../../limits/daily-quota.js';
import { changeOrgSettings } from '../../orgs/change-org-settings.js';
import { findOrg } from '../../orgs/org-repository.js';
import { addOrgFromAddress } from '../../mail/add-org-from-address.js';
import { findUserSmtp, listFromAddresses } from '../../mail/from-addresses.js';
import { sanitizedHtmlDocument } from '../../mail/sanitize-mail-html.js';
import { setUserSmtp } from '../../mail/set-user-smtp.js';
import { listModules, resolveModule } from '../../records/module-registry.js';
import { findRecord } from '../../records/record-repository.js';
import { createEmailTemplates } from '../../templates/create-email-templates.js';
import { loadMergeContext } from '../../templates/merge-context.js';
import { renderTemplate } from '../../templates/merge-fields.js';
import { findTemplate, listTemplateSummaries } from '../../templates/template-repository.js';
import { updateEmailTemplates } from '../../templates/update-email-templates.js';
import { pathOf } from '../../html/template.js';
import { editorBundle } from '../../ui/editor-asset.js';
import { UI_PREVIEW_CSP } from '../../ui/layout.js';
import type { Session } from '../../auth/web-sessions.js';
import {
  renderSettings,
  renderSmtp,
  renderTemplateEditor,
  renderTemplateList,
  type FieldErrors,
  type SmtpForm,
  type TemplateForm,
} from '../../ui/render-settings-pages.js';
import type { ItemOutcome, Refusal } from '../../refusals.js';
import type { TemplateInput } from '../../templates/template-input.js';
import * as schemas from '../schemas/web-ui.js';

type Helpers = {
  send: (reply: FastifyReply, html: string, status?: number, csp?: string) => FastifyReply;
  sessionOf: (request: FastifyRequest) => Session;
};

const NOTICES: Record<string, string> = {
  address: 'The From address was added.',
  smtp: 'Your SMTP settings were checked and saved.',
  unsubscribe_on: 'One-click unsubscribe is on: messages now carry List-Unsubscribe headers.',
  unsubscribe_off: 'One-click unsubscribe is off.',
  tracking_on: 'Open and click tracking is on for html mail sent from now on.',
  tracking_off: 'Open and click tracking is off.',
  created: 'The template was created.',
  saved: 'The template was saved.',
};
/** What a failed server check says (its category only: never the server's own words). */
const SMTP_CHECK_FAILURES: Record<string, string> = {
  connect_failed: 'could not connect (nothing answered as an SMTP server at that host and port in time)',
  tls_failed: "TLS failed (the secure connection or the server's certificate was refused)",
  auth_failed: 'authentication failed (check the username and password)',
};
const noticeOf = (request: FastifyRequest): string | null => {
  const key = (request.query as { notice?: unknown }).notice;
  return typeof key === 'string' ? (NOTICES[key] ?? null) : null;
};
const str = (body: unknown, key: string): string => {
  const value = (body as Record<string, unknown> | undefined)?.[key];
  return typeof value === 'string' ? value : '';
};

/** An error of a use-case, keyed by the form field its `api_name` names (else the whole form). */
function fieldError(error: { message: string; details: Record<string, unknown> }, fields: readonly string[]): FieldErrors {
  const name = typeof error.details.api_name === 'string' ? error.details.api_name : '';
  return keyed(name, error.message, error.details, fields);
}

/** A refused template, keyed by the form field of the template key it names (else the whole form). */
function refusalFieldError(refusal: Refusal, fields: readonly string[]): FieldErrors {
  const key = refusal.path?.[0];
  return keyed(typeof key === 'string' ? key : '', ERROR_CATALOGUE[refusal.code].message, refusal.details, fields);
}

function keyed(name: string, message: string, details: Record<string, unknown>, fields: readonly string[]): FieldErrors {
  const reason = typeof details.reason === 'string' ? `: ${details.reason}` : '';
  return fields.includes(name) ? { [name]: `${message}${reason}` } : { form: `${message}${reason}` };
}

/** Admin pages of the web UI (under the session and CSRF checks of ui.route.ts). */
export const settingsRoutes =
  (ctx: Context, { send, sessionOf }: Helpers): FastifyPluginAsync =>
  async (plain) => {
    const app = plain.withTypeProvider<TypeBoxTypeProvider>();
    const settingsPage = async (session: Session, notice: string | null, errors: FieldErrors, form = { email: '', name: '' }) => {
      const { orgId, userId } = session.principal;
      const [quota, fromAddresses, smtp, templates, org] = await Promise.all([
        quotaStatus(ctx.db, orgId, ctx.clock.now()),
        listFromAddresses(ctx.db, orgId, userId),
        findUserSmtp(ctx.db, orgId, userId),
        listTemplateSummaries(ctx.db, orgId),
        findOrg(ctx.db, orgId),
      ]);
      return renderSettings(session, {
        quota,
        fromAddresses: fromAddresses ?? [],
        smtp: smtp ? { host: smtp.host, port: smtp.port, from_email: smtp.from_email, failing: smtp.failure_reason } : null,
        templateCount: templates.length,
        oneClickUnsubscribe: org?.one_click_unsubscribe === 1,
        emailTracking: org ? emailTrackingOn(org) : false,
        notice,
        errors,
        form,
      });
    };

    app.get('/ui/settings', { schema: schemas.settings }, async (request, reply) => send(reply, await settingsPage(sessionOf(request), noticeOf(request), {})));

    app.post('/ui/settings/from-addresses', { schema: schemas.addFromAddress }, async (request, reply) => {
      const session = sessionOf(request);
      const form = { email: str(request.body, 'email'), name: str(request.body, 'name') };
      if (!session.isAdmin) return send(reply, await settingsPage(session, null, { form: 'Only administrators add organisation addresses.' }, form), 403);
      try {
        await addOrgFromAddress(ctx, { orgId: session.principal.orgId, email: form.email, name: form.name });
      } catch (error) {
        if (isAppError(error)) return send(reply, await settingsPage(session, null, fieldError(error, ['email', 'name']), form), 400);
        throw error;
      }
      return reply.redirect('/ui/settings?notice=address', 303);
    });

    app.post('/ui/settings/one-click-unsubscribe', { schema: schemas.setOneClickUnsubscribe }, async (request, reply) => {
      const session = sessionOf(request);
      const value = str(request.body, 'one_click_unsubscribe');
      if (!session.isAdmin) return send(reply, await settingsPage(session, null, { unsubscribe: 'Only administrators change one-click unsubscribe.' }), 403);
      if (value !== 'true' && value !== 'false') return send(reply, await settingsPage(session, null, { unsubscribe: 'Choose on or off.' }), 400);
      await changeOrgSettings(ctx, session.principal, () => ({ oneClickUnsubscribe: value === 'true' }));
      return reply.redirect(`/ui/settings?notice=${value === 'true' ? 'unsubscribe_on' : 'unsubscribe_off'}`, 303);
    });

    app.post('/ui/settings/email-tracking', { schema: schemas.setEmailTracking }, async (request, reply) => {
      const session = sessionOf(request);
      const value = str(request.body, 'email_tracking');
      if (!session.isAdmin) return send(reply, await settingsPage(session, null, { tracking: 'Only administrators change tracking.' }), 403);
      if (value !== 'true' && value !== 'false') return send(reply, await settingsPage(session, null, { tracking: 'Choose on or off.' }), 400);
      await changeOrgSettings(ctx, session.principal, () => ({ emailTracking: value === 'true' }));
      return reply.redirect(`/ui/settings?notice=${value === 'true' ? 'tracking_on' : 'tracking_off'}`, 303);
    });

    // ---- The user's own SMTP server (password write-only) ----------------------------------------

    app.get('/ui/settings/smtp', { schema: schemas.smtpPage }, async (request, reply) => {
      const session = sessionOf(request);
      const smtp = await findUserSmtp(ctx.db, session.principal.orgId, session.principal.userId);
      const form: SmtpForm = smtp
        ? { host: smtp.host, port: String(smtp.port), secure: smtp.secure === 1, username: smtp.username ?? '', from_email: smtp.from_email, from_name: smtp.from_name }
        : { host: '', port: '587', secure: false, username: '', from_email: session.userEmail, from_name: session.userName };
      return send(reply, renderSmtp(session, { form, hasPassword: !!smtp?.password_encrypted, errors: {}, notice: noticeOf(request) }));
    });

    app.post('/ui/settings/smtp', { schema: schemas.saveSmtp }, async (request, reply) => {
      const session = sessionOf(request);
      const body = request.body;
      const form: SmtpForm = {
        host: str(body, 'host').trim(),
        port: str(body, 'port').trim(),
        secure: str(body, 'secure') === 'true',
        username: str(body, 'username').trim(),
        from_email: str(body, 'from_email').trim(),
        from_name: str(body, 'from_name').trim(),
      };
      try {
        await setUserSmtp(ctx, {
          orgId: session.principal.orgId,
          userId: session.principal.userId,
          host: form.host,
          port: Number(form.port),
          secure: form.secure,
          username: form.username || null,
          // Empty keeps the stored password, only while host, port, security and username stay the same.
          password: str(body, 'password') || null,
          ...(form.from_email ? { fromEmail: form.from_email } : {}),
          ...(form.from_name ? { fromName: form.from_name } : {}),
        });
      } catch (error) {
        if (isAppError(error)) {
          const existing = await findUserSmtp(ctx.db, session.principal.orgId, session.principal.userId);
          const errors =
            error.code === 'SMTP_CONNECTIVITY'
              ? { form: `The server could not be used: ${SMTP_CHECK_FAILURES[String(error.details.reason)] ?? SMTP_CHECK_FAILURES.connect_failed}.` }
              : fieldError(error, ['host', 'port', 'password', 'from_email']);
          const retryAfter = error.details.retry_after_seconds;
          if (typeof retryAfter === 'number') reply.header('retry-after', String(retryAfter));
          return send(reply, renderSmtp(session, { form, hasPassword: !!existing?.password_encrypted, errors, notice: null }), error.spec.status === 429 ? 429 : 400);
        }
        throw error;
      }
      return reply.redirect('/ui/settings/smtp?notice=smtp', 303);
    });

    // ---- Email templates ---------------------------------------------------------------------------

    app.get('/ui/settings/templates', { schema: schemas.templates }, async (request, reply) => {
      const session = sessionOf(request);
      const rows = await listTemplateSummaries(ctx.db, session.principal.orgId);
      const templates = rows
        .map((t) => ({ id: t.id, name: t.name, module: t.module, subject: t.subject, active: t.active === 1 }))
        .sort((a, b) => a.name.localeCompare(b.name));
      return send(reply, renderTemplateList(session, templates, noticeOf(request)));
    });

    const editor = async (session: Session, id: string | null, form: TemplateForm, extra: Partial<Parameters<typeof renderTemplateEditor>[1]> = {}) => {
      const modules = (await listModules(ctx.db, session.principal.orgId)).filter((m) => m.apiName !== 'Products');
      return renderTemplateEditor(session, { id, form, modules, errors: {}, notice: null, preview: null, previewError: null, editor: editorBundle() !== null, ...extra });
    };
    const readForm = (body: unknown): TemplateForm => ({
      name: str(body, 'name'),
      module: str(body, 'module'),
      subject: str(body, 'subject'),
      content: str(body, 'content'),
      editor_mode: str(body, 'editor_mode') === 'plain_text' ? 'plain_text' : 'rich_text',
    });
    const asInput = (form: TemplateForm): TemplateInput => ({
      name: form.name,
      module: { apiName: form.module },
      subject: form.subject,
      content: form.content,
      editorMode: form.editor_mode,
    });
    const resultErrors = (result: ItemOutcome<{ id: string }> | undefined): FieldErrors | null =>
      !result || 'done' in result ? null : refusalFieldError(result.refused, ['name', 'module', 'subject', 'content']);

    app.get('/ui/settings/templates/new', { schema: schemas.newTemplate }, async (request, reply) =>
      send(reply, await editor(sessionOf(request), null, { name: '', module: 'Leads', subject: '', content: '', editor_mode: 'rich_text' })),
    );

    app.post('/ui/settings/templates', { schema: schemas.createTemplate }, async (request, reply) => {
      const session = sessionOf(request);
      const form = readForm(request.body);
      const [result] = await createEmailTemplates(ctx, session.principal, [{ input: asInput(form) }]);
      const errors = resultErrors(result);
      if (errors) return send(reply, await editor(session, null, form, { errors }), 400);
      const id = result && 'done' in result ? result.done.id : '';
      return reply.redirect(`${pathOf('ui', 'settings', 'templates', id)}?notice=created`, 303);
    });

    const loadTemplate = async (session: Session, id: string) => {
      const row = /^\d{1,19}$/.test(id) ? await findTemplate(ctx.db, session.principal.orgId, id) : undefined;
      if (!row) return null;
      const form: TemplateForm = { name: row.name, module: row.module, subject: row.subject, content: row.content, editor_mode: row.editor_mode === 'plain_text' ? 'plain_text' : 'rich_text' };
      return { row, form };
    };

    app.get('/ui/settings/templates/:id', { schema: schemas.template }, async (request, reply) => {
      const session = sessionOf(request);
      const { id } = request.params;
      const found = await loadTemplate(session, id);
      if (!found) throw new AppError('NOT_FOUND');
      const recordId = request.query.record_id;
      let preview: Parameters<typeof renderTemplateEditor>[1]['preview'] = null;
      let previewError: string | null = null;
      if (typeof recordId === 'string' && recordId !== '') {
        const module = await resolveModule(ctx.db, session.principal.orgId, found.row.module);
        const record = module && /^\d{1,19}$/.test(recordId) ? await findRecord(ctx.db, session.principal.orgId, module.apiName, recordId) : undefined;
        if (!module || !record) {
          previewError = `There is no ${found.row.module} record with this id.`;
        } else {
          const context = await loadMergeContext(ctx.db, { orgId: session.principal.orgId, moduleApiName: module.apiName, recordId: record.id, senderUserId: session.principal.userId });
          const isHtml = found.form.editor_mode !== 'plain_text';
          const merged = renderTemplate(found.row, context, { html: isHtml });
          // The merged HTML is sanitised and shown only in a sandboxed iframe (no scripts, no same-origin).
          preview = { recordId, subject: merged.subject, srcdoc: isHtml ? sanitizedHtmlDocument(merged.content) : null, text: isHtml ? null : merged.content };
        }
      }
      return send(reply, await editor(session, id, found.form, { notice: noticeOf(request), preview, previewError }), previewError ? 400 : 200, preview ? UI_PREVIEW_CSP : undefined);
    });

    app.post('/ui/settings/templates/:id', { schema: schemas.saveTemplate }, async (request, reply) => {
      const session = sessionOf(request);
      const { id } = request.params;
      if (!(await loadTemplate(session, id))) throw new AppError('NOT_FOUND');
      const form = readForm(request.body);
      const [result] = await updateEmailTemplates(ctx, session.principal, [{ id, item: { input: asInput(form) } }]);
      const errors = resultErrors(result);
      if (errors) return send(reply, await editor(session, id, form, { errors }), 400);
      return reply.redirect(`${pathOf('ui', 'settings', 'templates', id)}?notice=saved`, 303);
    });
  };

