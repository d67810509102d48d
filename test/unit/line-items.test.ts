import assert from 'node:assert/strict';
import { test } from 'node:test';
import { computeLineItems, computeTotals, roundMoney } from '../../src/records/line-items.js';
import { formatZohoDateTime, parseOffsetDateTime } from '../../src/time.js';

test('line totals and record totals are computed to the cent', () => {
  let n = 0;
  const lines = computeLineItems(
    [
      { Product_Name: '1', Quantity: 3, List_Price: 19.99, Discount: 0.97, Tax: 1.5 },
      { Product_Name: '2', Quantity: 0.5, List_Price: 10.01, Discount: 0, Tax: 0 },
    ],
    () => String((n += 1)),
  );
  assert.deepEqual(
    lines.map((l) => [l.id, l.Total, l.Total_After_Discount, l.Net_Total]),
    [
      ['1', 59.97, 59, 60.5],
      ['2', 5.01, 5.01, 5.01],
    ],
  );
  assert.deepEqual(computeTotals(lines, { Discount: 5.51, Tax: 1, Adjustment: -0.5 }), { subTotal: 65.51, grandTotal: 60.5 });
  assert.equal(roundMoney(0.1 + 0.2), 0.3);
});

test('date-times render with the zone’s offset, across DST', () => {
  assert.equal(formatZohoDateTime(Date.UTC(2026, 0, 15, 9, 0, 0), 'Asia/Kolkata'), '2026-01-15T14:30:00+05:30');
  assert.equal(formatZohoDateTime(Date.UTC(2026, 6, 1, 12, 0, 0), 'America/New_York'), '2026-07-01T08:00:00-04:00');
  assert.equal(formatZohoDateTime(Date.UTC(2026, 0, 1, 12, 0, 0), 'America/New_York'), '2026-01-01T07:00:00-05:00');
  assert.deepEqual(parseOffsetDateTime('2026-12-01T09:30:00+05:30'), { ms: Date.UTC(2026, 11, 1, 4, 0, 0), offset: '+05:30' });
  assert.equal(parseOffsetDateTime('2026-12-01T09:30:00'), null);
  assert.equal(parseOffsetDateTime('2026-02-31T09:30:00Z'), null);
});
