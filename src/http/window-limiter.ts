/**
 * A per-process fixed-window counter of requests per key (at most `max` per `windowMs`), bounded to
 * `maxKeys` keys: when full, ended windows are dropped first, then the oldest. For public routes
 * whose key is cheap to check before any database work (a verified link token), where a shared
 * database counter would cost a write per request.
 */
export type WindowLimiter = { take(key: string, now: number): number };

export function createWindowLimiter(options: { max: number; windowMs: number; maxKeys: number }): WindowLimiter {
  const windows = new Map<string, { count: number; endsAt: number }>();
  return {
    /** Counts one request; answers 0 when it may go ahead, else the ms until its window ends. */
    take(key, now) {
      let entry = windows.get(key);
      if (!entry || entry.endsAt <= now) {
        if (entry) windows.delete(key);
        if (windows.size >= options.maxKeys) {
          for (const [k, w] of windows) if (w.endsAt <= now) windows.delete(k);
          while (windows.size >= options.maxKeys) windows.delete(windows.keys().next().value as string);
        }
        entry = { count: 0, endsAt: now + options.windowMs };
        windows.set(key, entry);
      }
      entry.count += 1;
      return entry.count > options.max ? Math.max(entry.endsAt - now, 1) : 0;
    },
  };
}
