import assert from 'node:assert/strict';
import { test } from 'node:test';
import { renderInventoryDocument, type InventoryDocumentInput } from '../../src/inventory/render-inventory-pdf.js';
import { pdfInfo, pdfText } from '../helpers/pdf-tools.js';

/**
 * The inventory PDF renderer on its own (no database): what a reader of the PDF sees, read back
 * with poppler's pdftotext/pdfinfo.
 */
const GENERATED_AT = Date.UTC(2026, 0, 15, 9, 0, 0);

type Line = { name: string; quantity: number; listPrice: number; description?: string };

function quote(lines: Line[], overrides: Partial<InventoryDocumentInput> = {}, record: Record<string, unknown> = {}): InventoryDocumentInput {
  const items = lines.map((line, i) => {
    const total = line.quantity * line.listPrice;
    return {
      id: String(5000 + i),
      Product_Name: { name: line.name, id: String(9000 + i) },
      Product_Description: line.description ?? null,
      Quantity: line.quantity,
      List_Price: line.listPrice,
      Discount: 0,
      Tax: 0,
      Total: total,
      Total_After_Discount: total,
      Net_Total: total,
    };
  });
  const subTotal = items.reduce((sum, item) => sum + item.Net_Total, 0);
  return {
    module: { apiName: 'Quotes', singularLabel: 'Quote', lineItemsField: 'Quoted_Items' },
    record: {
      id: '1000000000123456789',
      Subject: 'Spring order',
      Account_Name: { name: 'Zylker Corp', id: '1' },
      Contact_Name: { name: 'Jo Ray', id: '2' },
      Billing_Street: '1 Main St',
      Billing_City: 'Springfield',
      Billing_State: 'IL',
      Billing_Code: '62701',
      Billing_Country: 'USA',
      Shipping_City: 'Chicago',
      Created_Time: '2026-01-15T09:00:00+00:00',
      Valid_Till: '2026-02-15',
      Quoted_Items: items,
      Sub_Total: subTotal,
      Discount: 0,
      Tax: 0,
      Adjustment: 0,
      Grand_Total: subTotal,
      Terms_and_Conditions: 'Payment within 30 days.',
      ...record,
    },
    orgName: 'Acme Inc',
    template: { title: 'QUOTE', headerText: '1 Acme Way', footerText: 'Thank you for your business.' },
    locale: 'en_US',
    currency: 'USD',
    paperType: 'default',
    viewType: 'portrait',
    generatedAt: GENERATED_AT,
    ...overrides,
  };
}

const WIDGET: Line = { name: 'Widget Pro', quantity: 3, listPrice: 1250 };

test('a one-line quote shows the product, its amount and the grand total as text', async () => {
  const pdf = await renderInventoryDocument(quote([WIDGET]));
  assert.equal(pdf.subarray(0, 5).toString('latin1'), '%PDF-');
  const text = await pdfText(pdf);
  assert.match(text, /Widget Pro/);
  assert.match(text, /\$1,250\.00/);
  assert.match(text, /1\s+Widget Pro\s+3\s+\$1,250\.00\s+\$0\.00\s+\$0\.00\s+\$3,750\.00/);
  assert.match(text, /Sub Total\s+\$3,750\.00/);
  assert.match(text, /Grand Total\s+\$3,750\.00/);
  for (const expected of ['Acme Inc', 'QUOTE', 'Spring order', 'Bill To', 'Ship To', 'Zylker Corp', 'Jo Ray', 'Springfield, IL 62701', 'Chicago']) {
    assert.ok(text.includes(expected), `missing ${expected} in:\n${text}`);
  }
  assert.match(text, /Valid Till\s+Feb 15, 2026/);
  assert.match(text, /Terms and Conditions\s+Payment within 30 days\./);
  assert.match(text, /Thank you for your business\./);
  assert.match(text, /Page 1 of 1/);
});

test('paper type and orientation set the page size; default is A4 portrait', async () => {
  const size = async (paperType: InventoryDocumentInput['paperType'], viewType: InventoryDocumentInput['viewType']) => {
    const info = await pdfInfo(await renderInventoryDocument(quote([WIDGET], { paperType, viewType })));
    return [Math.round(info.width), Math.round(info.height)];
  };
  assert.deepEqual(await size('default', 'portrait'), [595, 842]);
  assert.deepEqual(await size('A4', 'portrait'), [595, 842]);
  assert.deepEqual(await size('A4', 'landscape'), [842, 595]);
  assert.deepEqual(await size('us_letter', 'portrait'), [612, 792]);
  assert.deepEqual(await size('us_letter', 'landscape'), [792, 612]);
});

test('a 60-line table runs over several pages, repeats its header, and ends with the grand total', async () => {
  const lines = Array.from({ length: 60 }, (_, i) => ({
    name: `Part ${i + 1}`,
    quantity: 1,
    listPrice: 10,
    ...(i % 7 === 0 ? { description: 'A longer description that wraps onto a second line inside the product column.' } : {}),
  }));
  const pdf = await renderInventoryDocument(quote(lines));
  const info = await pdfInfo(pdf);
  assert.ok(info.pages >= 2, `expected 2+ pages, got ${info.pages}`);
  const text = await pdfText(pdf);
  for (let i = 1; i <= 60; i += 1) assert.match(text, new RegExp(`\\bPart ${i}\\b`));
  const last = await pdfText(pdf, { first: info.pages, last: info.pages });
  assert.match(last, /Grand Total\s+\$600\.00/);
  assert.match(last, new RegExp(`Page ${info.pages} of ${info.pages}`));
  const second = await pdfText(pdf, { first: 2, last: 2 });
  assert.match(second, /Product\s+Quantity\s+List Price\s+Discount\s+Tax\s+Amount/);
});

test('non-Latin text survives in an embedded, subset DejaVu font (no standard PDF fonts)', async () => {
  const name = 'Müller & Søn — Łódź №2';
  const pdf = await renderInventoryDocument(
    quote([{ name, quantity: 2, listPrice: 99.5 }], { orgName: 'Ελληνική Εταιρεία', template: { title: 'СЧЁТ', headerText: null, footerText: null } }, { Subject: 'Zürich édition' }),
  );
  const text = await pdfText(pdf);
  for (const expected of [name, 'Ελληνική Εταιρεία', 'СЧЁТ', 'Zürich édition']) assert.ok(text.includes(expected), `missing ${expected} in:\n${text}`);
  const raw = pdf.toString('latin1');
  assert.match(raw, /\/BaseFont \/[A-Z]{6}\+DejaVuSans\b/);
  assert.match(raw, /\/FontFile2/);
  assert.doesNotMatch(raw, /\/BaseFont \/(Helvetica|Times|Courier)/);
});

test('money follows the currency and locale given', async () => {
  const euro = await pdfText(await renderInventoryDocument(quote([WIDGET], { locale: 'de_DE', currency: 'EUR' })));
  assert.match(euro, /3\.750,00\s€/);
  const yen = await pdfText(await renderInventoryDocument(quote([WIDGET], { currency: 'JPY' })));
  assert.match(yen, /¥3,750\b/);
});

test('the same input gives the same bytes, dated by the clock value passed', async () => {
  const [a, b] = await Promise.all([renderInventoryDocument(quote([WIDGET])), renderInventoryDocument(quote([WIDGET]))]);
  assert.ok(a.equals(b), 'two renders differ');
  assert.equal((await pdfInfo(a)).creationDate, '2026-01-15T09:00:00Z');
  const later = await renderInventoryDocument(quote([WIDGET], { generatedAt: GENERATED_AT + 1000 }));
  assert.ok(!a.equals(later));
});

test('a record without line items, addresses or terms still renders', async () => {
  const pdf = await renderInventoryDocument(
    quote([], { template: { title: 'QUOTE', headerText: null, footerText: null } }, { Account_Name: null, Contact_Name: null, Billing_Street: null, Billing_City: null, Billing_State: null, Billing_Code: null, Billing_Country: null, Shipping_City: null, Terms_and_Conditions: null }),
  );
  const text = await pdfText(pdf);
  assert.match(text, /Grand Total\s+\$0\.00/);
  assert.doesNotMatch(text, /Terms and Conditions/);
});
