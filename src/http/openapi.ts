import { createRequire } from 'node:module';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance, FastifySchema, RouteOptions } from 'fastify';
import { Type } from 'typebox';
import type { ModuleDefinition } from '../records/modules.js';
import { UI_CSP } from '../ui/layout.js';
import type { AnyOf, RouteAccess } from './route-access.js';
import { Bytes, HtmlPage } from './schemas/common.js';

/**
 * The OpenAPI 3.1 document of every route, built by @fastify/swagger from the routes' own schemas
 * and access config, served at `GET /openapi.json`; a Swagger UI page over it at `/docs`
 * ([decision 0005](../../docs/decisions/0005-schema-first-routes.md)).
 *
 * Must be registered before any route: @fastify/swagger collects routes as they are added.
 */
export const OPENAPI_PATH = '/openapi.json';
export const DOCS_PREFIX = '/docs';

/** The security schemes routes name (`security` of an operation). */
export const SECURITY = {
  /** An OAuth access token, `Authorization: Zoho-oauthtoken <token>` (or `Bearer`); its scopes are listed per operation. */
  oauth: 'ZohoOAuth',
  /** HTTP Basic with a Mailroom user's email and password (the local mailbox). */
  basic: 'MailroomBasic',
  /** The web UI's session cookie, after signing in at /ui/login. */
  session: 'MailroomSession',
} as const;

const packageVersion = (createRequire(import.meta.url)('../../../package.json') as { version: string }).version;

/**
 * Swagger UI's page and assets are its package's own files (no CDN, no inline script): they are
 * served under the web UI's CSP, with one addition: the hash of the one `<style>` Swagger UI writes
 * (its top bar logo's two fill colours, `.logo_small_svg__cls-2{fill:#fff}…`, before the plugin swaps
 * in its own logo). Nothing else inline runs or applies (test/api/openapi.test.ts checks the page).
 */
export const DOCS_CSP = UI_CSP.replace("style-src 'self'", "style-src 'self' 'sha256-RL3ie0nH+Lzz2YNqQN83mnU0J1ot4QL7b99vMdIX99w='");

export async function registerOpenApi(fastify: FastifyInstance): Promise<void> {
  await fastify.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Mailroom',
        version: packageVersion,
        description:
          "Zoho CRM's Send Mail API and the CRM surface it stands on, wire-compatible (docs/zoho-contract.md), " +
          'plus the local mailbox, the consent page and the web UI. Every error of the API is Zoho\'s envelope ' +
          '`{code, details, message, status}` (docs/errors.md lists every code).',
      },
      components: {
        securitySchemes: {
          [SECURITY.oauth]: {
            type: 'http',
            scheme: 'bearer',
            description:
              'An access token from `POST /oauth/v2/token`, sent as `Authorization: Zoho-oauthtoken <token>` (or `Bearer <token>`). ' +
              'The scopes an operation lists are alternatives: a token needs one of them (a broader scope such as `ZohoCRM.modules.ALL` covers narrower ones).',
          },
          [SECURITY.basic]: { type: 'http', scheme: 'basic', description: "A Mailroom user's email address and password." },
          [SECURITY.session]: { type: 'apiKey', in: 'cookie', name: 'mailroom_session', description: 'The session cookie set by signing in at `/ui/login`.' },
        },
      },
    },
    refResolver: {
      // Shared schemas keep their own names: `#/components/schemas/ZohoError`.
      buildLocalReference: (json, _baseUri, _fragment, i) => (typeof json.$id === 'string' ? json.$id : `def-${i}`),
    },
    // Keep `const` (OpenAPI 3.1 is JSON Schema 2020-12).
    convertConstToEnum: false,
    transform: ({ schema, url, route }) => ({ schema: documented(schema, route), url }),
  });

  await fastify.register(swaggerUi, {
    routePrefix: DOCS_PREFIX,
    staticCSP: DOCS_CSP,
    theme: { title: 'Mailroom API' },
    uiConfig: { deepLinking: true, docExpansion: 'list' },
  });

  fastify.get(
    OPENAPI_PATH,
    {
      schema: {
        summary: 'This OpenAPI 3.1 document',
        tags: ['Documentation'],
        response: { 200: Type.Object({ openapi: Type.Literal('3.1.0') }, { additionalProperties: true, description: 'The document' }) },
      },
    },
    async () => fastify.swagger(),
  );
}

/**
 * What the document says of a route beyond its schema: the scopes of its access config as
 * `security`, "administrators only", and a summary for Swagger UI's own routes (which the plugin
 * hides; every route is in the document).
 */
function documented(schema: FastifySchema | undefined, route: RouteOptions): FastifySchema {
  const out: Record<string, unknown> = { ...(schema ?? {}) };
  if (route.url.startsWith(DOCS_PREFIX)) Object.assign(out, docsRoute(route.url));
  const access = (route.config ?? {}) as RouteAccess;
  const requirements = access.scopes === undefined ? null : scopeRequirements(access.scopes);
  if (requirements) out.security = requirements.map((scopes) => ({ [SECURITY.oauth]: scopes }));
  if (access.admin) {
    out['x-admin-only'] = true;
    const note = 'Administrators only: anyone else gets ADMIN_ONLY (403).';
    out.description = typeof out.description === 'string' ? `${out.description}\n\n${note}` : note;
  }
  return out as FastifySchema;
}

/** Swagger UI's own routes (the plugin hides them and gives them no schema): every route is in the document. */
function docsRoute(url: string): Record<string, unknown> {
  const tags = ['Documentation'];
  const asset = url.slice(DOCS_PREFIX.length);
  if (asset === '' || asset === '/') return { hide: false, tags, summary: 'This document as a Swagger UI page', response: { 200: HtmlPage('The page') } };
  if (asset === '/json') return { hide: false, tags, summary: 'This document (a copy for the page)', response: { 200: Type.Object({}, { additionalProperties: true, description: 'The document' }) } };
  if (asset === '/yaml') return { hide: false, tags, summary: 'This document in YAML', response: { 200: Bytes('The document', 'application/x-yaml') } };
  if (asset === '/static/index.html') return { hide: false, tags, summary: 'Swagger UI\'s own page: to the page above', response: { 302: Type.Null({ description: 'To /docs/' }) } };
  return { hide: false, tags, summary: "Swagger UI's scripts, style sheets and images (from its package)", response: { 200: Bytes('The file', '*/*'), 404: Bytes('No such file', '*/*') } };
}

/** A module standing for "the module of the URL" in scope names: `ZohoCRM.modules.{module}.READ`. */
const ANY_MODULE = { apiName: '{module}', isCustom: false } as ModuleDefinition;

/**
 * The scopes of an access config as OpenAPI security requirements: one requirement per way of
 * meeting it (alternatives), each naming one scope of every list that must be met.
 */
export function scopeRequirements(scopes: NonNullable<RouteAccess['scopes']>): string[][] {
  const lists: readonly AnyOf[] = typeof scopes === 'function' ? scopes(ANY_MODULE) : [scopes as AnyOf];
  return lists.reduce<string[][]>((ways, anyOf) => ways.flatMap((way) => anyOf.map((scope) => [...way, scope])), [[]]);
}
