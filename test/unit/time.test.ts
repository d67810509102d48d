import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatZohoDateTime, timeZoneOffsetMinutes } from '../../src/time.js';

/**
 * `formatZohoDateTime` asks Intl for a zone's offset once per minute and computes the wall clock
 * itself (issue 16: it ran several Intl calls per accepted mail). It must say exactly what Intl
 * says, across DST changes, half-hour zones and zones whose changes are not on the hour.
 */
const formats = new Map<string, Intl.DateTimeFormat>();
function byIntl(ms: number, timeZone: string): string {
  const parts: Record<string, string> = {};
  const format = formats.get(timeZone) ?? new Intl.DateTimeFormat('en-US', { timeZone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit', timeZoneName: 'longOffset' });
  formats.set(timeZone, format);
  for (const p of format.formatToParts(new Date(ms))) parts[p.type] = p.value;
  const offset = parts.timeZoneName === 'GMT' ? '+00:00' : parts.timeZoneName!.slice(3);
  return `${parts.year}-${parts.month}-${parts.day}T${parts.hour}:${parts.minute}:${parts.second}${offset}`;
}

test('the wall clock and offset match Intl every 9 min 59.937 s through 2026, across DST changes', () => {
  for (const zone of ['Europe/Berlin', 'America/New_York', 'Australia/Lord_Howe', 'America/Santiago', 'Asia/Kolkata', 'Pacific/Chatham']) {
    let checked = 0;
    for (let ms = Date.UTC(2026, 0, 1); ms < Date.UTC(2027, 0, 1); ms += 599_937) {
      assert.equal(formatZohoDateTime(ms, zone), byIntl(ms, zone), `${zone} at ${ms}`);
      checked += 1;
    }
    assert.ok(checked > 50_000);
  }
});

test('the instant around a spring-forward change: the offset moves exactly at the change', () => {
  const change = Date.UTC(2026, 2, 29, 1, 0, 0); // Europe/Berlin 02:00 CET → 03:00 CEST
  assert.equal(formatZohoDateTime(change - 1000, 'Europe/Berlin'), '2026-03-29T01:59:59+01:00');
  assert.equal(formatZohoDateTime(change, 'Europe/Berlin'), '2026-03-29T03:00:00+02:00');
  assert.equal(timeZoneOffsetMinutes(change - 1, 'Europe/Berlin'), 60);
  assert.equal(timeZoneOffsetMinutes(change, 'Europe/Berlin'), 120);
});
