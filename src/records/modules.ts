/**
 * The CRM modules Mailroom knows, with their fields. Standard modules are defined here; custom
 * modules come from the database (created with `mailroom module create`) and get the same default
 * fields Zoho gives a new custom module.
 *
 * Field labels matter: merge fields are written with labels (`${Leads.First Name}`), and the
 * SDK reads `data_type` from `/settings/fields` to (de)serialise values.
 */
export type FieldType =
  | 'text'
  | 'textarea'
  | 'email'
  | 'phone'
  | 'website'
  | 'boolean'
  | 'integer'
  | 'double'
  | 'currency'
  | 'date'
  | 'datetime'
  | 'picklist'
  | 'lookup'
  | 'ownerlookup'
  | 'subform'
  | 'consent_lookup';

export const FIELD_TYPES: readonly FieldType[] = [
  'text',
  'textarea',
  'email',
  'phone',
  'website',
  'boolean',
  'integer',
  'double',
  'currency',
  'date',
  'datetime',
  'picklist',
  'lookup',
  'ownerlookup',
  'subform',
  'consent_lookup',
];

export type FieldDefinition = Readonly<{
  apiName: string;
  label: string;
  type: FieldType;
  /** Zoho's "system mandatory": required on insert, cannot be cleared. */
  mandatory?: boolean;
  /** Computed or system-maintained; ignored on input. */
  readOnly?: boolean;
  /** Target module of a lookup. */
  lookupModule?: string;
  /** A lookup that may point at a record of any of these modules (`Parent_Id` of a DSR). */
  lookupModules?: readonly string[];
  /** The values a picklist accepts; any text when absent. */
  pickList?: readonly string[];
  maxLength?: number;
  isCustom?: boolean;
}>;

export type ModuleDefinition = Readonly<{
  id: string;
  apiName: string;
  singularLabel: string;
  pluralLabel: string;
  isCustom: boolean;
  /** Field whose value names a record when it is shown as a lookup (`{name, id}`). */
  nameField: string;
  /** For inventory modules: the line-item subform field. */
  lineItemsField?: string;
  fields: readonly FieldDefinition[];
}>;

const f = (apiName: string, type: FieldType, extra: Partial<FieldDefinition> = {}): FieldDefinition => ({
  apiName,
  label: extra.label ?? apiName.replace(/_/g, ' '),
  type,
  ...extra,
});

/** Fields every record has; maintained by Mailroom. */
const SYSTEM_FIELDS: readonly FieldDefinition[] = [
  f('Owner', 'ownerlookup', { label: 'Owner' }),
  f('Created_By', 'ownerlookup', { readOnly: true }),
  f('Modified_By', 'ownerlookup', { readOnly: true }),
  f('Created_Time', 'datetime', { readOnly: true }),
  f('Modified_Time', 'datetime', { readOnly: true }),
  f('Last_Activity_Time', 'datetime', { readOnly: true }),
  f('Locked__s', 'boolean', { label: 'Locked', readOnly: true }),
];

const EMAIL_FIELDS: readonly FieldDefinition[] = [
  f('Email', 'email'),
  f('Secondary_Email', 'email'),
  f('Email_Opt_Out', 'boolean'),
  f('Unsubscribed_Mode', 'picklist', { readOnly: true }),
  f('Unsubscribed_Time', 'datetime', { readOnly: true }),
];

const PERSON_FIELDS: readonly FieldDefinition[] = [
  f('Salutation', 'picklist'),
  f('First_Name', 'text', { maxLength: 40 }),
  f('Last_Name', 'text', { mandatory: true, maxLength: 80 }),
  f('Full_Name', 'text', { readOnly: true }),
  f('Title', 'text'),
  f('Phone', 'phone'),
  f('Mobile', 'phone'),
  f('Lead_Source', 'picklist'),
  ...EMAIL_FIELDS,
  f('Data_Processing_Basis_Details', 'consent_lookup', { label: 'Data Processing Basis Details' }),
  f('Description', 'textarea'),
];

const address = (prefix: string, labelPrefix: string): FieldDefinition[] => [
  f(`${prefix}_Street`, 'text', { label: `${labelPrefix} Street` }),
  f(`${prefix}_City`, 'text', { label: `${labelPrefix} City` }),
  f(`${prefix}_State`, 'text', { label: `${labelPrefix} State` }),
  f(`${prefix}_Code`, 'text', { label: `${labelPrefix} Code` }),
  f(`${prefix}_Country`, 'text', { label: `${labelPrefix} Country` }),
];

/** Record-level totals of inventory modules; Sub_Total and Grand_Total are computed. */
const INVENTORY_TOTALS: readonly FieldDefinition[] = [
  f('Sub_Total', 'currency', { readOnly: true }),
  f('Discount', 'currency'),
  f('Tax', 'currency'),
  f('Adjustment', 'currency'),
  f('Grand_Total', 'currency', { readOnly: true }),
  f('Currency', 'picklist'),
  f('Terms_and_Conditions', 'textarea', { label: 'Terms and Conditions' }),
  f('Description', 'textarea'),
  ...address('Billing', 'Billing'),
  ...address('Shipping', 'Shipping'),
];

const moduleId = (n: number): string => `1000000000000${String(n).padStart(6, '0')}`;

function standard(
  n: number,
  apiName: string,
  singularLabel: string,
  pluralLabel: string,
  nameField: string,
  fields: readonly FieldDefinition[],
  lineItemsField?: string,
): ModuleDefinition {
  return {
    id: moduleId(n),
    apiName,
    singularLabel,
    pluralLabel,
    isCustom: false,
    nameField,
    ...(lineItemsField ? { lineItemsField } : {}),
    fields: [...fields, ...SYSTEM_FIELDS],
  };
}

export const STANDARD_MODULES: readonly ModuleDefinition[] = [
  standard(2, 'Leads', 'Lead', 'Leads', 'Full_Name', [
    ...PERSON_FIELDS,
    f('Company', 'text', { maxLength: 200 }),
    f('Lead_Status', 'picklist'),
    f('Industry', 'picklist'),
    f('Website', 'website'),
    f('Annual_Revenue', 'currency'),
    f('No_of_Employees', 'integer', { label: 'No. of Employees' }),
    f('Street', 'text'),
    f('City', 'text'),
    f('State', 'text'),
    f('Zip_Code', 'text'),
    f('Country', 'text'),
  ]),
  standard(3, 'Contacts', 'Contact', 'Contacts', 'Full_Name', [
    ...PERSON_FIELDS,
    f('Account_Name', 'lookup', { lookupModule: 'Accounts' }),
    f('Vendor_Name', 'lookup', { lookupModule: 'Vendors' }),
    f('Department', 'text'),
    f('Date_of_Birth', 'date'),
    f('Mailing_Street', 'text'),
    f('Mailing_City', 'text'),
    f('Mailing_State', 'text'),
    f('Mailing_Zip', 'text'),
    f('Mailing_Country', 'text'),
  ]),
  standard(4, 'Accounts', 'Account', 'Accounts', 'Account_Name', [
    f('Account_Name', 'text', { mandatory: true, maxLength: 200 }),
    f('Account_Number', 'text'),
    f('Account_Type', 'picklist'),
    f('Industry', 'picklist'),
    f('Website', 'website'),
    f('Phone', 'phone'),
    f('Annual_Revenue', 'currency'),
    f('Employees', 'integer'),
    f('Parent_Account', 'lookup', { lookupModule: 'Accounts' }),
    f('Description', 'textarea'),
    ...address('Billing', 'Billing'),
    ...address('Shipping', 'Shipping'),
  ]),
  standard(5, 'Deals', 'Deal', 'Deals', 'Deal_Name', [
    f('Deal_Name', 'text', { mandatory: true, maxLength: 120 }),
    f('Stage', 'picklist', { mandatory: true }),
    f('Amount', 'currency'),
    f('Closing_Date', 'date'),
    f('Probability', 'integer', { label: 'Probability (%)' }),
    f('Type', 'picklist'),
    f('Lead_Source', 'picklist'),
    f('Next_Step', 'text'),
    f('Account_Name', 'lookup', { lookupModule: 'Accounts' }),
    f('Contact_Name', 'lookup', { lookupModule: 'Contacts' }),
    f('Description', 'textarea'),
  ]),
  standard(6, 'Products', 'Product', 'Products', 'Product_Name', [
    f('Product_Name', 'text', { mandatory: true, maxLength: 200 }),
    f('Product_Code', 'text'),
    f('Product_Active', 'boolean'),
    f('Product_Category', 'picklist'),
    f('Unit_Price', 'currency'),
    f('Qty_in_Stock', 'double', { label: 'Qty in Stock' }),
    f('Vendor_Name', 'lookup', { lookupModule: 'Vendors' }),
    f('Description', 'textarea'),
  ]),
  standard(
    7,
    'Quotes',
    'Quote',
    'Quotes',
    'Subject',
    [
      f('Subject', 'text', { mandatory: true, maxLength: 200 }),
      f('Quote_Stage', 'picklist'),
      f('Valid_Till', 'date'),
      f('Carrier', 'picklist'),
      f('Deal_Name', 'lookup', { lookupModule: 'Deals' }),
      f('Contact_Name', 'lookup', { lookupModule: 'Contacts' }),
      f('Account_Name', 'lookup', { lookupModule: 'Accounts' }),
      f('Quoted_Items', 'subform', { mandatory: true, label: 'Quoted Items' }),
      ...INVENTORY_TOTALS,
    ],
    'Quoted_Items',
  ),
  standard(
    8,
    'Sales_Orders',
    'Sales Order',
    'Sales Orders',
    'Subject',
    [
      f('Subject', 'text', { mandatory: true, maxLength: 200 }),
      f('Status', 'picklist'),
      f('Due_Date', 'date'),
      f('Customer_No', 'text'),
      f('Quote_Name', 'lookup', { lookupModule: 'Quotes' }),
      f('Deal_Name', 'lookup', { lookupModule: 'Deals' }),
      f('Contact_Name', 'lookup', { lookupModule: 'Contacts' }),
      f('Account_Name', 'lookup', { lookupModule: 'Accounts' }),
      f('Ordered_Items', 'subform', { mandatory: true, label: 'Ordered Items' }),
      ...INVENTORY_TOTALS,
    ],
    'Ordered_Items',
  ),
  standard(
    9,
    'Purchase_Orders',
    'Purchase Order',
    'Purchase Orders',
    'Subject',
    [
      f('Subject', 'text', { mandatory: true, maxLength: 200 }),
      f('Status', 'picklist'),
      f('PO_Date', 'date', { label: 'PO Date' }),
      f('PO_Number', 'text', { label: 'PO Number' }),
      f('Vendor_Name', 'lookup', { lookupModule: 'Vendors', mandatory: true }),
      f('Contact_Name', 'lookup', { lookupModule: 'Contacts' }),
      f('Purchased_Items', 'subform', { mandatory: true, label: 'Purchased Items' }),
      ...INVENTORY_TOTALS,
    ],
    'Purchased_Items',
  ),
  standard(
    10,
    'Invoices',
    'Invoice',
    'Invoices',
    'Subject',
    [
      f('Subject', 'text', { mandatory: true, maxLength: 200 }),
      f('Status', 'picklist'),
      f('Invoice_Date', 'date'),
      f('Due_Date', 'date'),
      f('Sales_Order', 'lookup', { lookupModule: 'Sales_Orders' }),
      f('Deal_Name', 'lookup', { lookupModule: 'Deals' }),
      f('Contact_Name', 'lookup', { lookupModule: 'Contacts' }),
      f('Account_Name', 'lookup', { lookupModule: 'Accounts' }),
      f('Invoiced_Items', 'subform', { mandatory: true, label: 'Invoiced Items' }),
      ...INVENTORY_TOTALS,
    ],
    'Invoiced_Items',
  ),
  standard(11, 'Cases', 'Case', 'Cases', 'Subject', [
    f('Subject', 'text', { mandatory: true, maxLength: 200 }),
    f('Case_Origin', 'picklist', { mandatory: true }),
    f('Status', 'picklist', { mandatory: true }),
    f('Priority', 'picklist'),
    f('Type', 'picklist'),
    f('Case_Reason', 'picklist'),
    f('Email', 'email'),
    f('Phone', 'phone'),
    f('Account_Name', 'lookup', { lookupModule: 'Accounts' }),
    f('Related_To', 'lookup', { lookupModule: 'Contacts' }),
    f('Deal_Name', 'lookup', { lookupModule: 'Deals' }),
    f('Product_Name', 'lookup', { lookupModule: 'Products' }),
    f('Description', 'textarea'),
  ]),
  standard(12, 'Vendors', 'Vendor', 'Vendors', 'Vendor_Name', [
    f('Vendor_Name', 'text', { mandatory: true, maxLength: 200 }),
    f('Phone', 'phone'),
    f('Website', 'website'),
    f('Category', 'text'),
    f('GL_Account', 'picklist', { label: 'GL Account' }),
    f('Email', 'email'),
    f('Email_Opt_Out', 'boolean'),
    f('Unsubscribed_Mode', 'picklist', { readOnly: true }),
    f('Unsubscribed_Time', 'datetime', { readOnly: true }),
    f('Street', 'text'),
    f('City', 'text'),
    f('State', 'text'),
    f('Zip_Code', 'text'),
    f('Country', 'text'),
    f('Description', 'textarea'),
  ]),
  standard(13, 'Data_Subject_Requests', 'Data Subject Request', 'Data Subject Requests', 'Request_Type', [
    f('Request_Type', 'picklist', { mandatory: true, pickList: ['access', 'rectify', 'export'] }),
    f('Request_Source', 'picklist'),
    f('Parent_Id', 'lookup', { mandatory: true, label: 'Parent Id', lookupModules: ['Leads', 'Contacts'] }),
    f('Requested_By', 'text'),
    f('Requested_Date', 'date'),
    f('Is_Closed', 'boolean'),
    f('Closed_By', 'text'),
    f('Closed_Date', 'date'),
    f('Record_Status__s', 'picklist', { label: 'Record Status', readOnly: true }),
  ]),
];

/** The fields Zoho gives every new custom module, before any the admin adds. */
export const CUSTOM_MODULE_DEFAULT_FIELDS: readonly FieldDefinition[] = [
  f('Name', 'text', { mandatory: true, maxLength: 120 }),
  f('Email', 'email'),
  f('Secondary_Email', 'email'),
  f('Email_Opt_Out', 'boolean'),
];

export function customModule(row: {
  id: string;
  api_name: string;
  singular_label: string;
  plural_label: string;
  fields: string;
}): ModuleDefinition {
  const extra = JSON.parse(row.fields) as FieldDefinition[];
  return {
    id: row.id,
    apiName: row.api_name,
    singularLabel: row.singular_label,
    pluralLabel: row.plural_label,
    isCustom: true,
    nameField: 'Name',
    fields: [...CUSTOM_MODULE_DEFAULT_FIELDS, ...extra.map((x) => ({ ...x, isCustom: true })), ...SYSTEM_FIELDS],
  };
}

export function findField(module: ModuleDefinition, apiName: string): FieldDefinition | undefined {
  return module.fields.find((field) => field.apiName === apiName);
}

/** Names already taken by standard modules or by URL segments under `/crm/{v}/`. */
export const RESERVED_MODULE_NAMES = new Set(
  [
    ...STANDARD_MODULES.map((m) => m.apiName),
    'settings',
    'org',
    'users',
    'files',
    'coql',
    'Data_Subject_Requests',
    'Emails',
    'Tasks',
    'Events',
    'Calls',
    'Notes',
    'Attachments',
  ].map((n) => n.toLowerCase()),
);
