import type { Edition } from '../db/schema.js';
import type { ModuleDefinition } from '../records/modules.js';

/**
 * The send_mail features an edition lacks: the one table every edition gate reads
 * (docs/zoho-compatibility.md, "Editions"). Zoho's free edition has no email scheduling
 * (docs/zoho-contract.md §3.6), no inventory modules (Quotes, Sales Orders, Purchase Orders, Invoices, so no
 * inventory PDFs either) and no custom modules; the paid editions have all three.
 */
export type EditionFeature = 'email_scheduling' | 'inventory_modules' | 'custom_modules';

const LACKING: Readonly<Record<Edition, readonly EditionFeature[]>> = {
  free: ['email_scheduling', 'inventory_modules', 'custom_modules'],
  standard: [],
  professional: [],
  enterprise: [],
  ultimate: [],
};

export const editionHas = (edition: Edition, feature: EditionFeature): boolean => !LACKING[edition].includes(feature);

/** The feature a module belongs to, when not every edition has it (inventory modules carry line items). */
function featureOfModule(module: Pick<ModuleDefinition, 'isCustom' | 'lineItemsField'>): EditionFeature | null {
  if (module.lineItemsField !== undefined) return 'inventory_modules';
  if (module.isCustom) return 'custom_modules';
  return null;
}

/** Whether mail may be sent from (and filed under) a record of this module in this edition. */
export function editionMailsFrom(edition: Edition, module: Pick<ModuleDefinition, 'isCustom' | 'lineItemsField'>): boolean {
  const feature = featureOfModule(module);
  return feature === null || editionHas(edition, feature);
}
