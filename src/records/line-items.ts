/**
 * Line items of inventory records (Quotes, Sales Orders, Purchase Orders, Invoices) and their
 * totals, computed as Zoho does:
 *
 *   Total                = Quantity × List_Price
 *   Total_After_Discount = Total − Discount
 *   Net_Total            = Total_After_Discount + Tax
 *   Sub_Total            = Σ Net_Total
 *   Grand_Total          = Sub_Total − Discount + Tax + Adjustment   (record-level values)
 *
 * Money is rounded to cents at each step. Pure: no I/O.
 */
export type LineItemInput = {
  id: string;
  Product_Name: string;
  Quantity: number;
  List_Price: number;
  Discount: number;
  Tax: number;
  Product_Description?: string;
  Total?: number;
  Total_After_Discount?: number;
  Net_Total?: number;
};

export const roundMoney = (value: number): number => Math.round((value + Number.EPSILON) * 100) / 100;

export function computeLineItems(lines: readonly Omit<LineItemInput, 'id'>[], newId: () => string): LineItemInput[] {
  return lines.map((line) => {
    const total = roundMoney(line.Quantity * line.List_Price);
    const afterDiscount = roundMoney(total - line.Discount);
    return {
      id: newId(),
      ...line,
      Total: total,
      Total_After_Discount: afterDiscount,
      Net_Total: roundMoney(afterDiscount + line.Tax),
    };
  });
}

export function computeTotals(
  lines: readonly LineItemInput[],
  record: Record<string, unknown>,
): { subTotal: number; grandTotal: number } {
  const amount = (key: string): number => (typeof record[key] === 'number' ? (record[key] as number) : 0);
  const subTotal = roundMoney(lines.reduce((sum, line) => sum + (line.Net_Total ?? 0), 0));
  const grandTotal = roundMoney(subTotal - amount('Discount') + amount('Tax') + amount('Adjustment'));
  return { subTotal, grandTotal };
}
