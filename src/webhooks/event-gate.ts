import type { Context } from '../context.js';
import { listSubscribedEventTypes } from './endpoint-repository.js';
import type { WebhookEventType } from './event-types.js';

/**
 * Whether an org's outbox wants events of a type: some enabled endpoint subscribes to it. The hot
 * paths (send_mail's acceptance, the worker's outcomes) ask before they build events and write the
 * outbox statement, so an org without webhooks pays nothing for them (issue 16).
 *
 * Read through this process's cache (`ctx.cache.webhookSubscriptions`): the use-cases that create,
 * change or delete an endpoint invalidate it at once in their process; another process sees a new
 * endpoint, a changed subscription or a re-enabled endpoint within CACHE_TTL_SECONDS (the bound of
 * every cache, docs/operations.md): changes it commits meanwhile may not be reported to that
 * endpoint. A stale "wanted" costs only the outbox statement, which itself joins the enabled
 * subscribers: an endpoint disabled or deleted never gets a row.
 */
export type EventGate = (type: WebhookEventType) => boolean;

/** Every event goes to the outbox statement (which keeps those someone subscribes to). */
export const EVERY_EVENT: EventGate = () => true;
const NO_EVENT: EventGate = () => false;

export async function eventGateFor(ctx: Context, orgId: string): Promise<EventGate> {
  const types = (await ctx.cache.webhookSubscriptions.load(orgId, () => listSubscribedEventTypes(ctx.db, orgId))) ?? [];
  if (types.length === 0) return NO_EVENT;
  const wanted = new Set<WebhookEventType>(types);
  return (type) => wanted.has(type);
}
