import type { FolderChoice, TemplateInput } from '../templates/template-input.js';
import { EDITOR_MODES, WRITABLE_CATEGORIES } from '../templates/template-input.js';
import type { TemplateUpdate } from '../templates/update-email-templates.js';
import { readItem, refuse, type ItemOutcome, type ReadItem } from '../refusals.js';
import { idText } from './json-ids.js';
import { isJsonObject, jsonObjectItem, readItemArray, readItems } from './item-array.js';
import { outcomesReply, type WireReply } from './zoho-envelope.js';

/**
 * The admin API's email-template writes (beyond Zoho, which edits templates only in its UI):
 * `{"email_templates": [...]}` in, per-item answers under `email_templates` out. An item's keys
 * are read for their JSON types here (unknown and read-only keys such as `created_time` are
 * ignored); `prepareTemplateItem` checks the values. Errors: `api_name` (the template's key) and
 * `json_path`.
 */
const ROOT = 'email_templates';
const RULES = { apiName: 'first-key' } as const;

export function readTemplateItems(body: unknown): ReadItem<TemplateInput>[] {
  return readItems(body, ROOT, readTemplateItem);
}

/** With a template in the URL the one item changes it; without, each item names its own (`id`). */
export function readTemplateUpdates(body: unknown, templateId: string | undefined): TemplateUpdate[] {
  return readItemArray(body, ROOT).map((raw) => {
    const bodyId = isJsonObject(raw) ? raw.id : undefined;
    // Any other number is echoed in the error as before (`1.5` → "the id given seems to be invalid").
    const id = templateId ?? idText(bodyId) ?? (typeof bodyId === 'number' ? String(bodyId) : null);
    return { id, item: readItem(() => readTemplateItem(raw)) };
  });
}

export function templatesReply(outcomes: readonly ItemOutcome<{ id: string }>[], done: 'created' | 'updated' | 'deleted'): WireReply {
  return outcomesReply(outcomes, (t) => ({ message: `email template ${done} successfully`, details: { id: t.id } }), {
    root: ROOT,
    rules: RULES,
    successStatus: done === 'created' ? 201 : 200,
  });
}

function readTemplateItem(raw: unknown): TemplateInput {
  const item = jsonObjectItem(raw);
  const has = (key: string) => Object.hasOwn(item, key);
  const text = (key: string): string | null | undefined => {
    if (!has(key)) return undefined;
    const value = item[key];
    if (value !== null && typeof value !== 'string') throw refuse('INVALID_DATA', [key], { expected_data_type: 'text' });
    return value;
  };
  const oneOf = (key: string, allowed: readonly string[]): string | undefined => {
    if (!has(key)) return undefined;
    const value = item[key];
    if (typeof value !== 'string') throw refuse('INVALID_DATA', [key], { supported_values: allowed });
    return value;
  };
  const input: TemplateInput = {};
  const name = text('name');
  if (name !== undefined) input.name = name;
  if (has('module')) input.module = readModule(item.module);
  const subject = text('subject');
  if (subject !== undefined) input.subject = subject;
  if (has('content')) {
    const content = item.content ?? '';
    if (typeof content !== 'string') throw refuse('INVALID_DATA', ['content'], { expected_data_type: 'text' });
    input.content = content;
  }
  if (has('folder')) input.folder = readFolder(item.folder);
  if (has('attachments')) input.attachmentFileIds = readAttachmentIds(item.attachments);
  const editorMode = oneOf('editor_mode', EDITOR_MODES);
  if (editorMode !== undefined) input.editorMode = editorMode;
  const category = oneOf('category', WRITABLE_CATEGORIES);
  if (category !== undefined) input.category = category;
  if (has('description')) {
    const description = item.description;
    if (description !== null && typeof description !== 'string') throw refuse('INVALID_DATA', ['description'], { expected_data_type: 'textarea' });
    input.description = description;
  }
  for (const key of ['active', 'favorite'] as const) {
    if (!has(key)) continue;
    const value = item[key];
    if (typeof value !== 'boolean') throw refuse('INVALID_DATA', [key], { expected_data_type: 'boolean' });
    input[key] = value;
  }
  return input;
}

/** `"Leads"`, `{"api_name": "Leads"}` or `{"id": "…"}`; null is kept (refused as missing). */
function readModule(raw: unknown): TemplateInput['module'] {
  if (raw === undefined || raw === null) return null;
  if (typeof raw === 'string') return { apiName: raw };
  if (!isJsonObject(raw)) throw refuse('INVALID_MODULE', ['module']);
  if (typeof raw.api_name === 'string') return { apiName: raw.api_name };
  return { id: idText(raw.id) ?? '' };
}

/** `{"name": …}` (or just the name) or `{"id": …}`; null → the default folder. */
function readFolder(raw: unknown): FolderChoice | null {
  if (raw === null) return null;
  if (typeof raw === 'string') return { name: raw };
  if (!isJsonObject(raw)) throw refuse('INVALID_DATA', ['folder'], { expected_data_type: 'jsonobject' });
  if (raw.id !== undefined && raw.id !== null) return { id: idText(raw.id) ?? '' };
  if (typeof raw.name !== 'string') throw refuse('INVALID_DATA', ['folder', 'name']);
  return { name: raw.name };
}

/**
 * `[{id}]` (send_mail's attachment shape) or `[{file_id}]` (what GET shows, so a read template can
 * be written back); null → none.
 */
function readAttachmentIds(raw: unknown): string[] | null {
  if (raw === null) return null;
  if (!Array.isArray(raw)) throw refuse('INVALID_DATA', ['attachments'], { expected_data_type: 'jsonarray' });
  return raw.map((entry) => (isJsonObject(entry) ? (idText(entry.file_id) ?? idText(entry.id)) : undefined) ?? '');
}
