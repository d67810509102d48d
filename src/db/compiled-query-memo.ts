import { createQueryId, type CompiledQuery, type Compilable } from 'kysely';
import { dialectOf, type Database } from './database.js';

/**
 * Queries built and compiled once, run many times with new parameters (issue 16: building and
 * compiling the delivery-facts query — a dozen subqueries — was ~10 % of a delivery's CPU).
 *
 * `compiledOnce(build)` returns a function that runs the query `build` makes for the given
 * parameters. The first call for a dialect (and, for list parameters, a list length) builds it
 * with placeholder values, compiles it, and remembers where each placeholder landed among the
 * compiled query's parameters; later calls reuse that SQL with the new values in those places.
 * What `build` writes as constants (`'send_email'`, `1`) stays as compiled.
 *
 * Rules for `build`: it must put every parameter into the query as a value (never `sql.lit`, an
 * identifier or an `sql.raw`: that is checked, and throws), and it must not look at a parameter's
 * value — only at a list's length, which is part of the cache key. The result rows go through the
 * executing instance's plugins as usual; the query's own transformation by plugins happens once,
 * at the first compile (Mailroom's instances have no query-transforming plugins).
 */
export type MemoParams = Readonly<Record<string, string | number | null | readonly string[]>>;

type Slot = { key: string; index: number | null } | { constant: unknown };
type Template = { compiled: CompiledQuery; slots: Slot[] };

/** Distinct shapes kept per query (list lengths); beyond, a shape is compiled per call. */
const MAX_SHAPES = 32;
const MARK = '\u0000memo\u0000';

export function compiledOnce<P extends MemoParams, R>(build: (db: Database, params: P) => Compilable<R>): (db: Database, params: P) => Promise<R[]> {
  const templates = new Map<string, Template>();

  const templateFor = (db: Database, params: P): Template => {
    const shape = `${dialectOf(db)}|${Object.keys(params)
      .sort()
      .map((k) => (Array.isArray(params[k]) ? `${k}:${(params[k] as readonly string[]).length}` : k))
      .join(',')}`;
    const known = templates.get(shape);
    if (known) return known;
    const where = new Map<string, { key: string; index: number | null }>();
    const placeholders: Record<string, string | string[]> = {};
    for (const [key, value] of Object.entries(params)) {
      if (Array.isArray(value)) {
        placeholders[key] = value.map((_, index) => {
          const mark = `${MARK}${key}[${index}]`;
          where.set(mark, { key, index });
          return mark;
        });
      } else {
        const mark = `${MARK}${key}`;
        where.set(mark, { key, index: null });
        placeholders[key] = mark;
      }
    }
    const compiled = build(db, placeholders as unknown as P).compile();
    if (compiled.sql.includes(MARK)) throw new Error('compiledOnce: a parameter was written into the SQL text, not passed as a value');
    const slots = compiled.parameters.map((value): Slot => (typeof value === 'string' && where.has(value) ? where.get(value)! : { constant: value }));
    const template = { compiled, slots };
    if (templates.size < MAX_SHAPES) templates.set(shape, template);
    return template;
  };

  return async (db, params) => {
    const { compiled, slots } = templateFor(db, params);
    const parameters = slots.map((slot) => {
      if ('constant' in slot) return slot.constant;
      const value = params[slot.key];
      return slot.index === null ? value : (value as readonly string[])[slot.index];
    });
    const result = await db.executeQuery<R>({ ...compiled, parameters, queryId: createQueryId() });
    return result.rows;
  };
}
