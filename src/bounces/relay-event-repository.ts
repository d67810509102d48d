import type { Database } from '../db/database.js';

/** Whether a relay's event was already applied (`rememberRelayEvent` of bounce-repository.ts wrote it). */
export async function isRelayEventRemembered(db: Database, relay: string, eventId: string): Promise<boolean> {
  const row = await db.selectFrom('relay_events').select('event_id').where('relay', '=', relay).where('event_id', '=', eventId).executeTakeFirst();
  return row !== undefined;
}
