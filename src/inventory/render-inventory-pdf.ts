import type { ModuleDefinition } from '../records/modules.js';
import { loadPdfFonts } from './pdf-fonts.js';

/**
 * Lays out a Quote, Sales Order, Purchase Order or Invoice as a PDF: org header and document
 * title, subject/number/date, "Bill To" / "Ship To", the line-item table (continued over as many
 * pages as it needs, its header repeated), the totals, then terms and the template's footer text;
 * "Page n of m" on every page.
 *
 * Pure of the database: it takes a record as `presentRecords` renders it (lookups as `{name, id}`,
 * line items with `Product_Name: {name, id}`), the org name, the template texts and the money
 * format, and returns the PDF bytes. Text is real text in an embedded, subset DejaVu Sans, so the
 * PDF is searchable and shows any Latin, Greek or Cyrillic name. The output is byte-for-byte
 * stable for the same input: the creation date comes from `generatedAt`, and pdfkit derives the
 * file ID from the document info.
 */
export const PAPER_TYPES = ['default', 'A4', 'us_letter'] as const;
export const VIEW_TYPES = ['portrait', 'landscape'] as const;
export type PaperType = (typeof PAPER_TYPES)[number];
export type ViewType = (typeof VIEW_TYPES)[number];

export type InventoryDocumentInput = Readonly<{
  module: Pick<ModuleDefinition, 'apiName' | 'singularLabel' | 'lineItemsField'>;
  /** The record as `presentRecords` returns it. */
  record: Readonly<Record<string, unknown>>;
  orgName: string;
  template: Readonly<{ title: string; headerText: string | null; footerText: string | null }>;
  /** BCP 47 or Zoho's `en_US` form; an unknown locale falls back to en-US. */
  locale: string;
  /** ISO 4217 code, e.g. `USD`. */
  currency: string;
  /** `default` is A4, as in Zoho. */
  paperType: PaperType;
  viewType: ViewType;
  /** Epoch ms written as the PDF's CreationDate/ModDate. */
  generatedAt: number;
}>;

const MARGIN = 40;
/** Room under the bottom margin for the page footer. */
const FOOTER_SPACE = 22;
const GAP = 18;
const PAD = 4;
const COLOR_TEXT = '#1f2933';
const COLOR_MUTED = '#52606d';
const COLOR_RULE = '#cbd2d9';
const COLOR_HEAD = '#eef2f6';

type Column = { label: string; weight: number; align: 'left' | 'right' };
const COLUMNS: readonly Column[] = [
  { label: '#', weight: 0.04, align: 'left' },
  { label: 'Product', weight: 0.33, align: 'left' },
  { label: 'Quantity', weight: 0.12, align: 'right' },
  { label: 'List Price', weight: 0.13, align: 'right' },
  { label: 'Discount', weight: 0.12, align: 'right' },
  { label: 'Tax', weight: 0.12, align: 'right' },
  { label: 'Amount', weight: 0.14, align: 'right' },
];

/** Per module: which field holds the document number and date, and the extra rows under the title. */
type ModuleMeta = { numberField?: string; dateField?: string; dateLabel: string; rows: readonly [string, string][] };
const MODULE_META: Readonly<Record<string, ModuleMeta>> = {
  Quotes: { dateLabel: 'Quote Date', rows: [['Valid Till', 'Valid_Till'], ['Stage', 'Quote_Stage'], ['Deal', 'Deal_Name']] },
  Sales_Orders: {
    dateLabel: 'Order Date',
    rows: [['Due Date', 'Due_Date'], ['Customer No', 'Customer_No'], ['Status', 'Status'], ['Quote', 'Quote_Name']],
  },
  Purchase_Orders: { numberField: 'PO_Number', dateField: 'PO_Date', dateLabel: 'PO Date', rows: [['Status', 'Status']] },
  Invoices: {
    dateField: 'Invoice_Date',
    dateLabel: 'Invoice Date',
    rows: [['Due Date', 'Due_Date'], ['Status', 'Status'], ['Sales Order', 'Sales_Order']],
  },
};

/** pdfkit's typings describe the constructor as the document interface (it has a `new` signature). */
type PdfKit = PDFKit.PDFDocument;
let pdfkit: Promise<PdfKit> | undefined;

/**
 * pdfkit (with fontkit) takes 0.3–0.7 s to import; loading it on the first PDF keeps that off the
 * start of every process that merely links send_mail (the server, each CLI command).
 */
function loadPdfKit(): Promise<PdfKit> {
  // The ESM build's default export is the class; the ambient typings only know `export =`.
  pdfkit ??= import('pdfkit').then((m) => (m as unknown as { default: PdfKit }).default);
  return pdfkit;
}

export async function renderInventoryDocument(input: InventoryDocumentInput): Promise<Buffer> {
  const [PDFDocument, fonts] = await Promise.all([loadPdfKit(), loadPdfFonts()]);
  const format = formatsFor(input.locale, input.currency);
  const record = input.record;
  const subject = textOf(record.Subject);
  const at = new Date(input.generatedAt);

  const doc = new PDFDocument({
    size: input.paperType === 'us_letter' ? 'LETTER' : 'A4',
    layout: input.viewType,
    margins: { top: MARGIN, bottom: MARGIN + FOOTER_SPACE, left: MARGIN, right: MARGIN },
    bufferPages: true,
    lang: format.locale,
    displayTitle: true,
    info: {
      Title: [input.template.title, subject].filter(Boolean).join(' – '),
      Author: input.orgName,
      Subject: `${input.module.singularLabel} ${textOf(record.id)}`.trim(),
      Creator: 'Mailroom',
      Producer: 'Mailroom (PDFKit)',
      CreationDate: at,
      ModDate: at,
    },
  });
  // pdfkit takes fontkit objects at runtime although its typings only list paths and buffers;
  // see pdf-fonts.ts for why parsed fonts are passed.
  doc.registerFont('Body', fonts.regular as unknown as Buffer);
  doc.registerFont('Bold', fonts.bold as unknown as Buffer);

  const chunks: Buffer[] = [];
  doc.on('data', (chunk: Buffer) => chunks.push(chunk));
  const finished = new Promise<Buffer>((resolve, reject) => {
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
  });

  const page = new PageGeometry(doc);
  let y = drawHeader(doc, page, input, format);
  y = drawAddresses(doc, page, record, y + GAP);
  y = drawLineItems(doc, page, input, format, y + GAP);
  y = drawTotals(doc, page, record, format, y + 10);
  drawClosingTexts(doc, page, textOf(record.Terms_and_Conditions), input.template.footerText ?? '', y + GAP);
  drawPageFooters(doc, page, [input.template.title, subject].filter(Boolean).join(' · '));

  doc.end();
  return finished;
}

type Doc = PDFKit.PDFDocument;
type Formats = { locale: string; money(value: number): string; quantity(value: number): string; date(isoDate: string): string };

/** Content box of the current page (all pages share size and orientation). */
class PageGeometry {
  constructor(private readonly doc: Doc) {}
  get left(): number {
    return this.doc.page.margins.left;
  }
  get right(): number {
    return this.doc.page.width - this.doc.page.margins.right;
  }
  get width(): number {
    return this.right - this.left;
  }
  get top(): number {
    return this.doc.page.margins.top;
  }
  get bottom(): number {
    return this.doc.page.height - this.doc.page.margins.bottom;
  }
}

function drawHeader(doc: Doc, page: PageGeometry, input: InventoryDocumentInput, format: Formats): number {
  const record = input.record;
  const leftWidth = page.width * 0.55;
  const rightWidth = page.width * 0.4;
  const rightX = page.right - rightWidth;

  doc.font('Bold').fontSize(16).fillColor(COLOR_TEXT).text(input.orgName, page.left, page.top, { width: leftWidth });
  let leftY = doc.y + 2;
  const headerText = clean(input.template.headerText ?? '');
  if (headerText) {
    doc.font('Body').fontSize(9).fillColor(COLOR_MUTED).text(headerText, page.left, leftY, { width: leftWidth });
    leftY = doc.y;
  }

  doc.font('Bold').fontSize(20).fillColor(COLOR_TEXT).text(input.template.title, rightX, page.top, { width: rightWidth, align: 'right' });
  let rightY = doc.y + 4;
  const meta = MODULE_META[input.module.apiName] ?? { dateLabel: 'Date', rows: [] };
  const number = textOf(meta.numberField ? record[meta.numberField] : undefined) || textOf(record.id);
  const date = textOf(meta.dateField ? record[meta.dateField] : undefined) || textOf(record.Created_Time).slice(0, 10);
  const rows: [string, string][] = [
    [`${input.module.singularLabel} #`, number],
    [meta.dateLabel, date ? format.date(date) : ''],
    ...meta.rows.map(([label, field]): [string, string] => {
      const value = textOf(record[field]);
      return [label, /^\d{4}-\d{2}-\d{2}$/.test(value) ? format.date(value) : value];
    }),
  ];
  doc.fontSize(9);
  for (const [label, value] of rows) {
    if (!value) continue;
    const labelWidth = rightWidth * 0.4;
    doc.font('Body').fillColor(COLOR_MUTED).text(label, rightX, rightY, { width: labelWidth - PAD });
    const labelBottom = doc.y;
    doc.font('Body').fillColor(COLOR_TEXT).text(value, rightX + labelWidth, rightY, { width: rightWidth - labelWidth, align: 'right' });
    rightY = Math.max(labelBottom, doc.y) + 1;
  }

  let y = Math.max(leftY, rightY) + 10;
  const subject = textOf(record.Subject);
  if (subject) {
    doc.font('Bold').fontSize(11).fillColor(COLOR_TEXT).text(subject, page.left, y, { width: page.width });
    y = doc.y;
  }
  rule(doc, page.left, page.right, y + 6);
  return y + 6;
}

function drawAddresses(doc: Doc, page: PageGeometry, record: Readonly<Record<string, unknown>>, top: number): number {
  const width = (page.width - GAP) / 2;
  const party = [textOf(record.Account_Name) || textOf(record.Vendor_Name), textOf(record.Contact_Name)];
  const blocks: [string, string[]][] = [
    ['Bill To', [...party, ...addressLines(record, 'Billing')]],
    ['Ship To', [...party, ...addressLines(record, 'Shipping')]],
  ];
  let bottom = top;
  blocks.forEach(([heading, lines], i) => {
    const x = page.left + i * (width + GAP);
    doc.font('Bold').fontSize(10).fillColor(COLOR_TEXT).text(heading, x, top, { width });
    const body = lines.filter((line) => line.length > 0).join('\n') || '—';
    doc.font('Body').fontSize(9).fillColor(COLOR_TEXT).text(body, x, doc.y + 2, { width });
    bottom = Math.max(bottom, doc.y);
  });
  return bottom;
}

function addressLines(record: Readonly<Record<string, unknown>>, prefix: 'Billing' | 'Shipping'): string[] {
  const part = (name: string) => textOf(record[`${prefix}_${name}`]);
  const stateAndCode = [part('State'), part('Code')].filter(Boolean).join(' ');
  return [part('Street'), [part('City'), stateAndCode].filter(Boolean).join(', '), part('Country')];
}

type Cell = { text: string; note?: string; bold?: boolean };

function drawLineItems(doc: Doc, page: PageGeometry, input: InventoryDocumentInput, format: Formats, top: number): number {
  const field = input.module.lineItemsField ?? '';
  const lines = Array.isArray(input.record[field]) ? (input.record[field] as Record<string, unknown>[]) : [];
  const widths = COLUMNS.map((c) => c.weight * page.width);
  const xs = widths.map((_, i) => page.left + widths.slice(0, i).reduce((a, b) => a + b, 0));

  const measure = (cells: readonly Cell[], size: number): number =>
    Math.max(
      ...cells.map((cell, i) => {
        const w = widths[i]! - 2 * PAD;
        doc.font(cell.bold ? 'Bold' : 'Body').fontSize(size);
        let h = doc.heightOfString(cell.text || ' ', { width: w });
        if (cell.note) h += 1 + doc.font('Body').fontSize(size - 1).heightOfString(cell.note, { width: w });
        return h;
      }),
    ) +
    2 * PAD;

  const drawRow = (cells: readonly Cell[], y: number, height: number, size: number, header: boolean): void => {
    if (header) doc.rect(page.left, y, page.width, height).fill(COLOR_HEAD);
    cells.forEach((cell, i) => {
      const w = widths[i]! - 2 * PAD;
      const align = COLUMNS[i]!.align;
      doc.font(header || cell.bold ? 'Bold' : 'Body').fontSize(size).fillColor(COLOR_TEXT).text(cell.text, xs[i]! + PAD, y + PAD, { width: w, align });
      if (cell.note) doc.font('Body').fontSize(size - 1).fillColor(COLOR_MUTED).text(cell.note, xs[i]! + PAD, doc.y + 1, { width: w, align });
    });
    rule(doc, page.left, page.right, y + height);
  };

  const headerCells: Cell[] = COLUMNS.map((c) => ({ text: c.label, bold: true }));
  const headerHeight = measure(headerCells, 9);
  const rows = lines.map((line, index): Cell[] => {
    const quantity = numberOf(line.Quantity);
    const listPrice = numberOf(line.List_Price);
    const amount = numberOf(line.Net_Total ?? line.Total ?? quantity * listPrice);
    const description = textOf(line.Product_Description);
    return [
      { text: String(index + 1) },
      { text: textOf(line.Product_Name) || '—', ...(description ? { note: description } : {}) },
      { text: format.quantity(quantity) },
      { text: format.money(listPrice) },
      { text: format.money(numberOf(line.Discount)) },
      { text: format.money(numberOf(line.Tax)) },
      { text: format.money(amount) },
    ];
  });

  let y = top;
  // Never leave the table header alone at the foot of a page.
  const firstRowHeight = rows[0] ? measure(rows[0], 9) : 0;
  if (y + headerHeight + firstRowHeight > page.bottom) y = newPage(doc, page);
  drawRow(headerCells, y, headerHeight, 9, true);
  y += headerHeight;
  for (const cells of rows) {
    const height = measure(cells, 9);
    if (y + height > page.bottom) {
      y = newPage(doc, page);
      drawRow(headerCells, y, headerHeight, 9, true);
      y += headerHeight;
    }
    drawRow(cells, y, height, 9, false);
    y += height;
  }
  return y;
}

function drawTotals(doc: Doc, page: PageGeometry, record: Readonly<Record<string, unknown>>, format: Formats, top: number): number {
  const width = Math.min(260, page.width / 2);
  const x = page.right - width;
  const discount = numberOf(record.Discount);
  const rows: [string, string][] = [
    ['Sub Total', format.money(numberOf(record.Sub_Total))],
    ['Discount', format.money(discount === 0 ? 0 : -discount)],
    ['Tax', format.money(numberOf(record.Tax))],
    ['Adjustment', format.money(numberOf(record.Adjustment))],
  ];
  const lineHeight = 15;
  const needed = rows.length * lineHeight + 30;
  let y = top + needed > page.bottom ? newPage(doc, page) : top;
  doc.fontSize(9);
  for (const [label, value] of rows) {
    doc.font('Body').fillColor(COLOR_MUTED).text(label, x, y, { width: width / 2 });
    doc.font('Body').fillColor(COLOR_TEXT).text(value, x + width / 2, y, { width: width / 2, align: 'right' });
    y += lineHeight;
  }
  rule(doc, x, page.right, y);
  y += 5;
  doc.font('Bold').fontSize(11).fillColor(COLOR_TEXT).text('Grand Total', x, y, { width: width / 2 });
  doc.text(format.money(numberOf(record.Grand_Total)), x + width / 2, y, { width: width / 2, align: 'right' });
  return doc.y;
}

/** Terms may run over several pages: pdfkit flows long text onto new pages on its own. */
function drawClosingTexts(doc: Doc, page: PageGeometry, terms: string, footer: string, top: number): void {
  let y = top;
  const sections: [string | null, string][] = [];
  if (clean(terms)) sections.push(['Terms and Conditions', clean(terms)]);
  if (clean(footer)) sections.push([null, clean(footer)]);
  for (const [heading, body] of sections) {
    if (y + 40 > page.bottom) y = newPage(doc, page);
    if (heading) {
      doc.font('Bold').fontSize(10).fillColor(COLOR_TEXT).text(heading, page.left, y, { width: page.width });
      y = doc.y + 2;
    }
    doc.font('Body').fontSize(9).fillColor(COLOR_MUTED).text(body, page.left, y, { width: page.width });
    y = doc.y + 12;
  }
}

/** "Page n of m" and the document title, written into the reserved space under every page. */
function drawPageFooters(doc: Doc, page: PageGeometry, caption: string): void {
  const { start, count } = doc.bufferedPageRange();
  for (let i = start; i < start + count; i += 1) {
    doc.switchToPage(i);
    const bottomMargin = doc.page.margins.bottom;
    // Writing below the bottom margin would make pdfkit start a new page.
    doc.page.margins.bottom = 0;
    const y = doc.page.height - MARGIN - 10;
    rule(doc, page.left, page.right, y - 6);
    doc.font('Body').fontSize(8).fillColor(COLOR_MUTED);
    doc.text(caption, page.left, y, { width: page.width * 0.7, height: 10, lineBreak: false, ellipsis: true });
    doc.text(`Page ${i - start + 1} of ${count}`, page.right - page.width * 0.25, y, { width: page.width * 0.25, align: 'right', lineBreak: false });
    doc.page.margins.bottom = bottomMargin;
  }
}

function newPage(doc: Doc, page: PageGeometry): number {
  doc.addPage();
  return page.top;
}

function rule(doc: Doc, from: number, to: number, y: number): void {
  doc.moveTo(from, y).lineTo(to, y).lineWidth(0.5).strokeColor(COLOR_RULE).stroke();
}

/** A display string for a presented value: lookups show their name, numbers as given. */
function textOf(value: unknown): string {
  if (typeof value === 'string') return clean(value);
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  if (value && typeof value === 'object' && typeof (value as { name?: unknown }).name === 'string') {
    return clean((value as { name: string }).name);
  }
  return '';
}

function numberOf(value: unknown): number {
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  if (typeof value === 'string' && value.trim() !== '' && Number.isFinite(Number(value))) return Number(value);
  return 0;
}

/** Normalises line ends and drops control characters a font cannot show. */
function clean(text: string): string {
  return text
    .replace(/\r\n?/g, '\n')
    .replace(/\t/g, '    ')
    // eslint-disable-next-line no-control-regex
    .replace(/[\u0000-\u0008\u000b-\u001f\u007f]/g, '')
    .trim();
}

const formatCache = new Map<string, Formats>();

/** Intl formatters, built once per (locale, currency). Zoho writes locales as `en_US`. */
function formatsFor(locale: string, currency: string): Formats {
  const key = `${locale}|${currency}`;
  let formats = formatCache.get(key);
  if (formats) return formats;
  let tag = locale.replace(/_/g, '-');
  try {
    tag = Intl.getCanonicalLocales(tag)[0] ?? 'en-US';
  } catch {
    tag = 'en-US';
  }
  const money = new Intl.NumberFormat(tag, { style: 'currency', currency });
  const quantity = new Intl.NumberFormat(tag, { maximumFractionDigits: 3 });
  const date = new Intl.DateTimeFormat(tag, { dateStyle: 'medium', timeZone: 'UTC' });
  formats = {
    locale: tag,
    money: (value) => money.format(value),
    quantity: (value) => quantity.format(value),
    // Dates are calendar days (`yyyy-MM-dd`): format them at UTC midnight so no zone shifts the day.
    date: (isoDate) => {
      const ms = Date.parse(`${isoDate.slice(0, 10)}T00:00:00Z`);
      return Number.isNaN(ms) ? isoDate : date.format(ms);
    },
  };
  formatCache.set(key, formats);
  return formats;
}
