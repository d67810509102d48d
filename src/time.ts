/**
 * Zoho renders date-times as ISO-8601 with the offset of a time zone and second precision,
 * e.g. `2023-05-10T01:10:47-07:00`. These helpers do that for any IANA zone.
 */
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(timeZone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    formatters.set(timeZone, formatter);
  }
  return formatter;
}

/** The wall clock of `ms` in `timeZone` as Intl gives it (slow: about 10 µs a call). */
function intlWallClock(ms: number, timeZone: string): Record<string, number> {
  const parts: Record<string, number> = {};
  for (const part of formatterFor(timeZone).formatToParts(new Date(ms))) {
    if (part.type !== 'literal') parts[part.type] = Number(part.value);
  }
  return parts;
}

/**
 * `timeZone`'s offset at `ms`, in ms (wall clock − UTC, whole seconds), asked of Intl once per zone
 * and minute: zones change their offsets on whole minutes, and every accepted mail formats a few
 * instants of the same minute (its day key, the day's reset, the response's times).
 */
const offsets = new Map<string, number>();
const OFFSETS_KEPT = 4096;

function offsetMs(ms: number, timeZone: string): number {
  const key = `${timeZone}|${Math.floor(ms / 60_000)}`;
  let offset = offsets.get(key);
  if (offset === undefined) {
    const p = intlWallClock(ms, timeZone);
    offset = Date.UTC(p.year!, p.month! - 1, p.day!, p.hour!, p.minute!, p.second!) - Math.floor(ms / 1000) * 1000;
    if (offsets.size >= OFFSETS_KEPT) offsets.clear();
    offsets.set(key, offset);
  }
  return offset;
}

type WallClock = { year: number; month: number; day: number; hour: number; minute: number; second: number };

function wallClockParts(ms: number, timeZone: string): WallClock {
  const wall = new Date(Math.floor(ms / 1000) * 1000 + offsetMs(ms, timeZone));
  return {
    year: wall.getUTCFullYear(),
    month: wall.getUTCMonth() + 1,
    day: wall.getUTCDate(),
    hour: wall.getUTCHours(),
    minute: wall.getUTCMinutes(),
    second: wall.getUTCSeconds(),
  };
}

/** Offset of `timeZone` from UTC at instant `ms`, in minutes (east positive). */
export function timeZoneOffsetMinutes(ms: number, timeZone: string): number {
  return Math.round(offsetMs(ms, timeZone) / 60000);
}

const pad = (n: number, width = 2): string => String(Math.abs(n)).padStart(width, '0');

/** `2023-05-10T01:10:47-07:00` */
export function formatZohoDateTime(ms: number, timeZone: string): string {
  const p = wallClockParts(ms, timeZone);
  const offset = timeZoneOffsetMinutes(ms, timeZone);
  const sign = offset < 0 ? '-' : '+';
  return (
    `${pad(p.year, 4)}-${pad(p.month)}-${pad(p.day)}T${pad(p.hour)}:${pad(p.minute)}:${pad(p.second)}` +
    `${sign}${pad(Math.trunc(Math.abs(offset) / 60))}:${pad(Math.abs(offset) % 60)}`
  );
}

/** Parses an ISO-8601 date-time that carries an offset or `Z`; null otherwise. */
export function parseOffsetDateTime(value: string): { ms: number; offset: string } | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/.exec(value);
  if (!m) return null;
  const [, y, mo, d, h, mi, s, offset] = m;
  const month = Number(mo);
  const day = Number(d);
  const hour = Number(h);
  const minute = Number(mi);
  const second = Number(s ?? '0');
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 59) return null;
  const ms = Date.parse(value);
  if (Number.isNaN(ms)) return null;
  // Date.parse rolls 2026-02-31 over to March; reject dates that do not exist.
  const check = new Date(Date.UTC(Number(y), month - 1, day));
  if (check.getUTCDate() !== day) return null;
  return { ms, offset: offset === 'Z' ? '+00:00' : offset! };
}

/** `yyyy-MM-dd` that names a real calendar day. */
export function isValidDate(value: string): boolean {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  if (!m) return false;
  const date = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
  return date.getUTCFullYear() === Number(m[1]) && date.getUTCMonth() === Number(m[2]) - 1 && date.getUTCDate() === Number(m[3]);
}

/** `ms` written in a fixed offset such as `+05:30` (as a scheduled time was given). */
export function formatWithOffset(ms: number, offset: string): string {
  const m = /^([+-])(\d{2}):(\d{2})$/.exec(offset);
  const minutes = m ? (m[1] === '-' ? -1 : 1) * (Number(m[2]) * 60 + Number(m[3])) : 0;
  const shifted = new Date(Math.floor(ms / 1000) * 1000 + minutes * 60000);
  const iso = shifted.toISOString().slice(0, 19);
  return `${iso}${m ? offset : '+00:00'}`;
}
