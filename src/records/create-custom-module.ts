import type { Context } from '../context.js';
import { AppError } from '../errors.js';
import { findOrg } from '../orgs/org-repository.js';
import { insertCustomModule } from './custom-module-repository.js';
import { listModules } from './module-registry.js';
import { customModule, CUSTOM_MODULE_DEFAULT_FIELDS, FIELD_TYPES, RESERVED_MODULE_NAMES, type FieldDefinition, type FieldType, type ModuleDefinition } from './modules.js';

export type CustomFieldInput = { apiName: string; label?: string; type: string; lookupModule?: string };

export type CreateCustomModuleInput = {
  orgId: string;
  apiName: string;
  singularLabel?: string;
  pluralLabel?: string;
  fields?: readonly CustomFieldInput[];
};

const API_NAME = /^[A-Za-z][A-Za-z0-9_]{0,49}$/;
/** Types an admin may give a custom field; subforms, owner and consent fields are system-defined. */
const CUSTOM_FIELD_TYPES = FIELD_TYPES.filter((t) => !['subform', 'ownerlookup', 'consent_lookup'].includes(t));

/** Creates a custom module for an org (what Zoho's Setup › Modules does). */
export async function createCustomModule(ctx: Context, input: CreateCustomModuleInput): Promise<ModuleDefinition> {
  if (!(await findOrg(ctx.db, input.orgId))) throw new AppError('NOT_FOUND', { details: { api_name: 'org' } });
  if (!API_NAME.test(input.apiName) || RESERVED_MODULE_NAMES.has(input.apiName.toLowerCase())) {
    throw new AppError('INVALID_DATA', { details: { api_name: 'api_name' } });
  }
  const existing = await listModules(ctx.db, input.orgId);
  if (existing.some((m) => m.apiName.toLowerCase() === input.apiName.toLowerCase())) {
    throw new AppError('ALREADY_EXISTS', { details: { api_name: 'api_name' } });
  }
  const taken = new Set(CUSTOM_MODULE_DEFAULT_FIELDS.map((f) => f.apiName.toLowerCase()));
  for (const system of ['owner', 'created_by', 'modified_by', 'created_time', 'modified_time', 'last_activity_time', 'locked__s', 'id']) {
    taken.add(system);
  }
  const fields: FieldDefinition[] = [];
  for (const field of input.fields ?? []) {
    if (!API_NAME.test(field.apiName) || taken.has(field.apiName.toLowerCase())) {
      throw new AppError('INVALID_DATA', { details: { api_name: 'fields', field: field.apiName } });
    }
    if (!(CUSTOM_FIELD_TYPES as string[]).includes(field.type)) {
      throw new AppError('INVALID_DATA', {
        details: { api_name: 'fields', field: field.apiName, supported_values: CUSTOM_FIELD_TYPES },
      });
    }
    if (field.type === 'lookup') {
      const target = existing.find((m) => m.apiName.toLowerCase() === (field.lookupModule ?? '').toLowerCase());
      if (!target) throw new AppError('INVALID_MODULE', { details: { api_name: 'lookup_module', field: field.apiName } });
      fields.push({ apiName: field.apiName, label: field.label ?? field.apiName.replace(/_/g, ' '), type: 'lookup', lookupModule: target.apiName });
    } else {
      fields.push({ apiName: field.apiName, label: field.label ?? field.apiName.replace(/_/g, ' '), type: field.type as FieldType });
    }
    taken.add(field.apiName.toLowerCase());
  }
  const row = {
    id: ctx.ids.next(),
    org_id: input.orgId,
    api_name: input.apiName,
    singular_label: input.singularLabel?.trim() || input.apiName.replace(/_/g, ' '),
    plural_label: input.pluralLabel?.trim() || input.apiName.replace(/_/g, ' '),
    fields: JSON.stringify(fields),
    created_at: ctx.clock.now(),
  };
  await insertCustomModule(ctx.db, row);
  ctx.cache.customModules.invalidate(input.orgId);
  return customModule(row);
}
