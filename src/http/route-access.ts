import type { FastifyInstance, FastifyRequest, RouteOptions } from 'fastify';
import { moduleScopes, type Operation } from '../auth/scopes.js';
import type { Context } from '../context.js';
import { AppError } from '../errors.js';
import { resolveModuleCached } from '../records/module-registry.js';
import type { ModuleDefinition } from '../records/modules.js';
import { principalOf, requireScopes } from './auth-hooks.js';

/** OAuth scopes of which the token must cover one (docs/zoho-contract.md §14.3). */
export type AnyOf = readonly string[];

/**
 * Who may call a route under `/crm/{version}/`, declared in the route's `config` and checked by
 * one hook (`registerRouteAccess`) instead of by each handler:
 *
 * ```ts
 * config: { scopes: ['ZohoCRM.users.READ'] }                          // a fixed list: any one of them
 * config: { module: 'module', scopes: forModule('CREATE') }             // scopes that depend on the module
 * config: { module: 'module', scopes: (m) => [moduleScopesOf(m, 'READ'), ['ZohoCRM.modules.emails.READ']] }
 * config: { scopes: ['ZohoCRM.settings.profiles.UPDATE'], admin: true } // documented; the use-case enforces it
 * ```
 */
export type RouteAccess = {
  /**
   * A fixed list (any one of them covers the route), checked before the module is resolved; or a
   * function of the module (needs `module`), called once the module is known: every list it returns
   * must be covered, in order.
   */
  scopes?: AnyOf | ((module: ModuleDefinition) => readonly AnyOf[]);
  /** The path parameter that names the module (`:module`): unknown → INVALID_MODULE (`resource_path_index` 0). */
  module?: string;
  /**
   * Administrators only. Enforced by the use-case (`compliance/require-admin.ts`: ADMIN_ONLY), never
   * by the hook, so the CLI and the web UI get the same rule; said here for the OpenAPI document.
   */
  admin?: true;
};

declare module 'fastify' {
  interface FastifyContextConfig extends RouteAccess {}
  interface FastifyRequest {
    /** The module named by the URL, set by the access hook on routes whose config names `module`. */
    routeModule?: ModuleDefinition;
  }
}

/** The scopes of an operation on the records of the route's module. */
export const moduleScopesOf = (module: ModuleDefinition, operation: Exclude<Operation, 'ALL' | 'WRITE'>): AnyOf =>
  moduleScopes(module.apiName, operation, module.isCustom);

/** `scopes` for routes that act on the records of their module. */
export const forModule =
  (operation: Exclude<Operation, 'ALL' | 'WRITE'>) =>
  (module: ModuleDefinition): readonly AnyOf[] => [moduleScopesOf(module, operation)];

/** The module named by the URL (the access hook resolved it; the route's config names `module`). */
export function routeModule(request: FastifyRequest): ModuleDefinition {
  if (!request.routeModule) throw new Error(`route ${request.routeOptions.url} reads a module but its config names none`);
  return request.routeModule;
}

/** The module a URL segment names, or INVALID_MODULE pointing at path segment 0. */
export async function resolveRouteModule(ctx: Context, orgId: string, segment: string): Promise<ModuleDefinition> {
  const module = await resolveModuleCached(ctx, orgId, segment);
  if (!module) throw new AppError('INVALID_MODULE', { details: { resource_path_index: 0 } });
  return module;
}

/**
 * The access check of every route in this scope, from its `config`. Runs as `preHandler`, after the
 * token (onRequest: auth-hooks.ts), the version, the API credits (rate-limit.ts), the body parser
 * and the schema validation, exactly where the handlers checked before, so a request with several
 * faults gets the same error as before: scopes that do not depend on the module, then the module,
 * then the scopes that do. A route without `scopes` is refused when it is added (startup fails):
 * nothing under `/crm/{version}/` is open by mistake.
 */
export function registerRouteAccess(fastify: FastifyInstance, ctx: Context): void {
  fastify.addHook('onRoute', (route) => checkAccessConfig(route));
  fastify.addHook('preHandler', async (request) => {
    const { scopes, module: moduleParam } = request.routeOptions.config;
    const principal = principalOf(request);
    if (Array.isArray(scopes)) requireScopes(principal, scopes as AnyOf);
    if (moduleParam === undefined) return;
    const segment = (request.params as Record<string, string>)[moduleParam] ?? '';
    const module = await resolveRouteModule(ctx, principal.orgId, segment);
    if (typeof scopes === 'function') for (const anyOf of scopes(module)) requireScopes(principal, anyOf);
    request.routeModule = module;
  });
}

function checkAccessConfig(route: RouteOptions): void {
  const config = (route.config ?? {}) as RouteAccess;
  const where = `${String(route.method)} ${route.url}`;
  if (config.scopes === undefined) throw new Error(`${where}: an API route must declare its scopes (config.scopes)`);
  if (typeof config.scopes === 'function' && config.module === undefined) throw new Error(`${where}: scopes of a module need config.module`);
  if (config.module !== undefined && !route.url.includes(`:${config.module}`)) throw new Error(`${where}: config.module names no path parameter`);
}
