/**
 * At most `limit` SMTP transactions at a time per destination (host:port) in this process,
 * shared by every transport that goes there: the relay and any users' own servers on the same
 * host. Each transport also pools at most `limit` connections, so one transport alone never
 * opens more; idle pooled connections close after SMTP_TIMEOUT_SECONDS.
 */
export interface DestinationLimiter {
  run<T>(destination: string, task: () => Promise<T>): Promise<T>;
}

export function createDestinationLimiter(limit: number): DestinationLimiter {
  const slots = new Map<string, { active: number; waiting: (() => void)[] }>();
  return {
    async run(destination, task) {
      const key = destination.toLowerCase();
      let slot = slots.get(key);
      if (!slot) {
        slot = { active: 0, waiting: [] };
        slots.set(key, slot);
      }
      const entry = slot;
      if (entry.active >= limit) await new Promise<void>((resolve) => entry.waiting.push(resolve));
      else entry.active += 1;
      try {
        return await task();
      } finally {
        // Hand the slot straight to the next waiter (active stays), or give it back.
        const next = entry.waiting.shift();
        if (next) next();
        else {
          entry.active -= 1;
          if (entry.active === 0) slots.delete(key);
        }
      }
    },
  };
}
