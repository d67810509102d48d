import type { FastifyReply, FastifyRequest } from 'fastify';
import { authenticate } from '../auth/authenticate.js';
import type { Principal } from '../context.js';
import type { Context } from '../context.js';
import { AppError } from '../errors.js';
import { requireScopes } from './auth-hooks.js';
import type { WebAuth } from './web-auth.js';

/** What reading the mailbox takes with an OAuth token. */
export const MAILBOX_READ_SCOPES = ['ZohoCRM.modules.emails.READ'] as const;

/**
 * Who reads the local mailbox: an OAuth token (`Zoho-oauthtoken` / `Bearer`) with a scope covering
 * ZohoCRM.modules.emails.READ, HTTP Basic with a user's email and password, or the web UI's
 * session cookie (one sign-in for `/ui` and `/mailbox`). Basic and the UI's sign-in form share
 * one failure counter (see web-auth.ts).
 */
export interface MailboxAuth {
  viewerOf(request: FastifyRequest, reply: FastifyReply): Promise<Principal>;
  /** Whether the request carries any credentials at all (an Authorization header or a live session). */
  hasCredentials(request: FastifyRequest): Promise<boolean>;
}

export function createMailboxAuth(ctx: Context, web: WebAuth): MailboxAuth {
  return {
    async viewerOf(request, reply) {
      const header = request.headers.authorization;
      if (header === undefined) {
        const session = await web.sessionOf(request);
        if (session) return session.principal;
      }
      const basic = /^Basic\s+([A-Za-z0-9+/=]{1,2048})\s*$/i.exec(header ?? '');
      if (basic) {
        const decoded = Buffer.from(basic[1]!, 'base64').toString('utf8');
        const colon = decoded.indexOf(':');
        if (colon < 0) throw new AppError('AUTHENTICATION_FAILURE');
        return web.signIn(request, reply, decoded.slice(0, colon), decoded.slice(colon + 1));
      }
      const principal = await authenticate(ctx, header);
      requireScopes(principal, MAILBOX_READ_SCOPES);
      return principal;
    },
    async hasCredentials(request) {
      return request.headers.authorization !== undefined || (await web.sessionOf(request)) !== null;
    },
  };
}
