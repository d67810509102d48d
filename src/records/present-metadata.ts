import type { FieldDefinition, FieldType, ModuleDefinition } from './modules.js';

/** Shapes of `GET /settings/modules` and `GET /settings/fields?module=` (what Zoho's SDK reads). */
const JSON_TYPES: Record<FieldType, string> = {
  text: 'string',
  textarea: 'string',
  email: 'string',
  phone: 'string',
  website: 'string',
  picklist: 'string',
  date: 'string',
  datetime: 'string',
  boolean: 'boolean',
  integer: 'integer',
  double: 'double',
  currency: 'double',
  lookup: 'jsonobject',
  ownerlookup: 'jsonobject',
  consent_lookup: 'jsonobject',
  subform: 'jsonarray',
};

/** Field ids are stable: derived from the module id and the field's position. */
export function fieldId(module: ModuleDefinition, index: number): string {
  return `2${module.id.slice(1, 16)}${String(index).padStart(3, '0')}`;
}

export function presentModule(module: ModuleDefinition): Record<string, unknown> {
  return {
    api_name: module.apiName,
    module_name: module.apiName,
    plural_label: module.pluralLabel,
    singular_label: module.singularLabel,
    id: module.id,
    api_supported: true,
    generated_type: module.isCustom ? 'custom' : 'default',
    visible: true,
    creatable: true,
    editable: true,
    deletable: true,
    viewable: true,
    inventory_template_supported: module.lineItemsField !== undefined,
    modified_time: null,
  };
}

export function presentField(module: ModuleDefinition, field: FieldDefinition, index: number, modules: readonly ModuleDefinition[]): Record<string, unknown> {
  const target = field.lookupModule ? modules.find((m) => m.apiName === field.lookupModule) : undefined;
  return {
    api_name: field.apiName,
    id: fieldId(module, index),
    field_label: field.label,
    display_label: field.label,
    data_type: field.type,
    json_type: JSON_TYPES[field.type],
    system_mandatory: field.mandatory === true,
    custom_field: field.isCustom === true,
    read_only: field.readOnly === true,
    field_read_only: field.readOnly === true,
    visible: true,
    length: field.maxLength ?? (field.type === 'textarea' ? 32000 : 255),
    lookup:
      field.type === 'lookup' && target
        ? { display_label: target.singularLabel, api_name: field.apiName, module: { api_name: target.apiName, id: target.id }, id: fieldId(module, index) }
        : {},
    pick_list_values: [],
  };
}
