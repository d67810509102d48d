import type { FastifyError, FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { Context } from '../../context.js';
import { isAppError, type AppError } from '../../errors.js';
import { getMailboxAttachment, getMailboxMessage, getMailboxRaw, listMailbox, type MailboxMessage, type MailboxSummary } from '../../mailbox/read-mailbox.js';
import {
  attachmentDisposition,
  MAILBOX_PAGE_HEADERS,
  MAILBOX_REALM,
  renderErrorPage,
  renderMailboxList,
  renderMailboxMessage,
  safeFilename,
  type ErrorPage,
} from '../../mailbox/render-mailbox.js';
import { createMailboxAuth } from '../mailbox-auth.js';
import { databaseUnavailableError, prepareErrorReply } from '../http-errors.js';
import { registerWebCookies, type WebAuth } from '../web-auth.js';
import * as schemas from '../schemas/mailbox.js';

const HTML_PER_PAGE = 50;

/** Downloads never render: a generic type, an attachment disposition, and a sandbox if they did. */
const DOWNLOAD_HEADERS: Readonly<Record<string, string>> = {
  'x-content-type-options': 'nosniff',
  'content-security-policy': "default-src 'none'; sandbox",
  'referrer-policy': 'no-referrer',
  'cache-control': 'private, no-store',
};

/**
 * The local mailbox (mail kept when no SMTP_URL is configured), per org:
 * - `GET /mailbox`, `/mailbox/:id`: HTML pages (without any credentials: a redirect to the sign-in
 *   page `/ui/login`; with wrong Basic credentials: 401 with a Basic challenge);
 * - `GET /mailbox/:id/raw`, `/mailbox/:id/attachments/:index`: downloads;
 * - `GET /mailbox/api/messages[/:id]`: the same as JSON, errors as Zoho envelopes.
 */
export const mailboxRoutes =
  (ctx: Context, web: WebAuth): FastifyPluginAsync =>
  async (fastify) => {
    await registerWebCookies(fastify);
    const auth = createMailboxAuth(ctx, web);
    /** A browser that has not signed in goes to the one sign-in page, and comes back after. */
    const signInFirst = async (request: FastifyRequest, reply: FastifyReply): Promise<boolean> => {
      if (await auth.hasCredentials(request)) return false;
      const path = request.url.split('?')[0] ?? '/mailbox';
      await reply.redirect(`/ui/login?next=${encodeURIComponent(path)}`, 303);
      return true;
    };

    await fastify.register(async (plain) => {
      const pages = plain.withTypeProvider<TypeBoxTypeProvider>();
      pages.setErrorHandler((thrown: FastifyError | AppError, request, reply) => {
        const error = databaseUnavailableError(thrown) ?? thrown;
        if (isAppError(error)) prepareErrorReply(reply, error);
        const errorPage = htmlError(error);
        if (errorPage.status >= 500) request.log.error({ err: error, event: 'http.internal_error' }, 'unexpected error');
        if (errorPage.status === 401) reply.header('www-authenticate', `Basic realm="${MAILBOX_REALM}", charset="UTF-8"`);
        return reply.status(errorPage.status).headers(MAILBOX_PAGE_HEADERS).send(renderErrorPage(errorPage));
      });

      pages.get('/mailbox', { schema: schemas.listPage }, async (request, reply) => {
        if (await signInFirst(request, reply)) return reply;
        const viewer = await auth.viewerOf(request, reply);
        const list = await listMailbox(ctx, viewer, { page: Number(request.query.page ?? 1), perPage: HTML_PER_PAGE });
        return sendPage(reply, renderMailboxList(list));
      });

      pages.get('/mailbox/:id', { schema: schemas.messagePage }, async (request, reply) => {
        if (await signInFirst(request, reply)) return reply;
        const viewer = await auth.viewerOf(request, reply);
        const message = await getMailboxMessage(ctx, viewer, request.params.id);
        return sendPage(reply, renderMailboxMessage(message));
      });

      pages.get('/mailbox/:id/raw', { schema: schemas.rawMessage }, async (request, reply) => {
        const viewer = await auth.viewerOf(request, reply);
        const { id, raw } = await getMailboxRaw(ctx, viewer, request.params.id);
        return reply
          .headers(DOWNLOAD_HEADERS)
          .header('content-type', 'message/rfc822')
          .header('content-disposition', attachmentDisposition(`message-${id}.eml`))
          .send(Buffer.from(raw, 'utf8'));
      });

      pages.get('/mailbox/:id/attachments/:index', { schema: schemas.attachment }, async (request, reply) => {
        const viewer = await auth.viewerOf(request, reply);
        const { id, index } = request.params;
        const attachment = await getMailboxAttachment(ctx, viewer, id, index);
        return reply
          .headers(DOWNLOAD_HEADERS)
          .header('content-type', 'application/octet-stream')
          .header('content-disposition', attachmentDisposition(safeFilename(attachment.filename, `attachment-${attachment.index}`)))
          .send(attachment.content);
      });
    });

    // The JSON API: errors leave through the server's error handler as Zoho envelopes.
    await fastify.register(async (plain) => {
      const api = plain.withTypeProvider<TypeBoxTypeProvider>();
      api.get(
        '/mailbox/api/messages',
        { schema: schemas.listMessages },
        async (request, reply) => {
          const viewer = await auth.viewerOf(request, reply);
          const list = await listMailbox(ctx, viewer, { page: Number(request.query.page ?? 1), perPage: Number(request.query.per_page ?? HTML_PER_PAGE) });
          return {
            messages: list.messages.map(presentSummary),
            info: { page: list.page, per_page: list.perPage, count: list.messages.length, more_records: list.moreRecords },
          };
        },
      );

      api.get('/mailbox/api/messages/:id', { schema: schemas.getMessage }, async (request, reply) => {
        const viewer = await auth.viewerOf(request, reply);
        return presentMessage(await getMailboxMessage(ctx, viewer, request.params.id));
      });
    });
  };

function sendPage(reply: FastifyReply, html: string): FastifyReply {
  return reply.headers(MAILBOX_PAGE_HEADERS).send(html);
}

function presentSummary(m: MailboxSummary) {
  return {
    id: m.id,
    message_id: m.message_id,
    envelope_from: m.envelope_from,
    envelope_to: m.envelope_to,
    subject: m.subject,
    created_time: m.created_time,
  };
}

function presentMessage(m: MailboxMessage) {
  return {
    ...presentSummary(m),
    headers: m.headers,
    text: m.text,
    html: m.html,
    attachments: m.attachments.map((a) => ({ index: a.index, filename: a.filename, content_type: a.content_type, size: a.size })),
  };
}

/** What an HTML page says for an error (the JSON API uses the Zoho envelope instead). */
function htmlError(error: FastifyError | AppError): ErrorPage {
  if (isAppError(error)) {
    switch (error.code) {
      case 'AUTHENTICATION_FAILURE':
      case 'INVALID_TOKEN':
        return { status: 401, title: 'Sign in required', text: "Sign in with a Mailroom user's email address and password." };
      case 'OAUTH_SCOPE_MISMATCH':
        return { status: 401, title: 'Sign in required', text: 'This token may not read emails (it needs ZohoCRM.modules.emails.READ). Sign in with an email address and password instead.' };
      case 'TOO_MANY_FAILED_SIGN_INS':
        return { status: 429, title: 'Too many failed sign-ins', text: 'Too many wrong passwords were tried from this address. Please wait a few minutes and try again.' };
      case 'NOT_FOUND':
        return { status: 404, title: 'Message not found', text: 'There is no message with this address in your mailbox.' };
      default:
        return { status: error.spec.status, title: 'Request failed', text: error.message };
    }
  }
  if ('validation' in error && error.validation) {
    return { status: 400, title: 'Bad request', text: 'The page number must be a whole number from 1.' };
  }
  const status = typeof error.statusCode === 'number' && error.statusCode >= 400 && error.statusCode < 500 ? error.statusCode : 500;
  return status === 500
    ? { status, title: 'Something went wrong', text: 'The server could not show this page. The error was logged.' }
    : { status, title: 'Request failed', text: 'The request could not be answered.' };
}
