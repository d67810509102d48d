import { randomBytes } from 'node:crypto';
import { issueTokenPair, type TokenResponse } from '../auth/issue-tokens.js';
import type { Context } from '../context.js';
import { createOrg } from './create-org.js';
import { findFirstOrg } from './org-repository.js';

/** Every scope Mailroom checks, for the demo admin's ready-made token. */
export const DEMO_SCOPES = [
  'ZohoCRM.modules.ALL',
  'ZohoCRM.settings.ALL',
  'ZohoCRM.send_mail.all.CREATE',
  'ZohoCRM.org.ALL',
  'ZohoCRM.users.ALL',
  'ZohoCRM.Files.CREATE',
  'ZohoCRM.Files.READ',
  'ZohoCRM.templates.ALL',
];

export type DemoCredentials = { orgId: string; adminEmail: string; adminPassword: string; tokens: TokenResponse };

/**
 * On an empty database, creates the demo org (edition enterprise, the configured time zone) with
 * an admin user, and returns a ready token and password to print. Returns null when an org exists.
 */
export async function ensureDemoOrg(ctx: Context): Promise<DemoCredentials | null> {
  if (await findFirstOrg(ctx.db)) return null;
  const adminPassword = randomBytes(12).toString('base64url');
  const { org, admin } = await createOrg(ctx, {
    name: 'Demo Org',
    edition: 'enterprise',
    adminEmail: ctx.config.demoAdminEmail,
    adminName: 'Demo Admin',
    adminPassword,
  });
  const tokens = await issueTokenPair(ctx, { orgId: org.id, userId: admin.id, clientId: null, scopes: DEMO_SCOPES });
  return { orgId: org.id, adminEmail: admin.email, adminPassword, tokens };
}
