import type { Database } from '../db/database.js';
import type { EmailTemplateCategory, EmailTemplateEditorMode } from '../db/schema.js';
import { AppError } from '../errors.js';
import type { ModuleDefinition } from '../records/modules.js';
import { MAX_DATA_ITEMS } from '../records/data-array.js';
import { idText } from '../wire/json-ids.js';
import { findFiles, findFolderById, listTemplateNames } from './template-repository.js';

/**
 * Validation of the admin API's `email_templates` items (beyond Zoho, which edits templates only
 * in its UI). Errors follow the Records API: `api_name` + `json_path` of the offending key.
 * Unknown keys and read-only keys (`id`, `created_time`, …) are ignored.
 */
export const DEFAULT_FOLDER = 'Public Email Templates';
export const EDITOR_MODES: readonly EmailTemplateEditorMode[] = ['gallery', 'rich_text', 'plain_text'];
/** What an admin may set; the other categories are Zoho's own (system, plugin, marketplace). */
export const WRITABLE_CATEGORIES: readonly EmailTemplateCategory[] = ['normal', 'draft'];

const MAX_NAME = 255;
const MAX_FOLDER_NAME = 100;
const MAX_DESCRIPTION = 1000;
/** send_mail's own limit on `subject`. */
const MAX_SUBJECT = 500;
/** Measured in UTF-8 bytes. */
export const MAX_CONTENT_BYTES = 2 * 1024 * 1024;
/** Zoho's limit on a mail's attachments altogether; a template over it could never be sent. */
export const MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024;
/** Characters that would split a header line (the same set send_mail refuses in a subject). */
const HEADER_BREAKS = /[\r\n\0\u0085\u2028\u2029]/;

/** Templates whose content links the consent form (`consent_linked` in Zoho's answer). */
export const linksConsentForm = (content: string): boolean => content.includes('${ConsentForm.');

export type FolderChoice = { id: string } | { name: string };

/** The keys an item sets; `undefined` leaves a value as it is (update) or takes the default (create). */
export type TemplateChanges = {
  name?: string;
  module?: ModuleDefinition;
  subject?: string;
  content?: string;
  folder?: FolderChoice;
  /** Files API ids, in order; `[]` removes every attachment. */
  attachmentFileIds?: string[];
  editorMode?: EmailTemplateEditorMode;
  category?: EmailTemplateCategory;
  description?: string | null;
  active?: boolean;
  favorite?: boolean;
};

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** Reads the `email_templates` array of a write request; shape errors reject the whole request. */
export function readTemplateArray(body: unknown): unknown[] {
  if (!isPlainObject(body)) throw new AppError('INVALID_BODY', { details: { expected_data_type: 'jsonobject' } });
  const items = body.email_templates;
  const where = { api_name: 'email_templates', json_path: '$.email_templates' };
  if (items === undefined || items === null) throw new AppError('MANDATORY_NOT_FOUND', { details: where });
  if (!Array.isArray(items)) throw new AppError('INVALID_DATA', { details: { ...where, expected_data_type: 'jsonarray' } });
  if (items.length === 0) throw new AppError('INVALID_DATA', { details: { ...where, minimum_length: 1 } });
  if (items.length > MAX_DATA_ITEMS) {
    throw new AppError('LIMIT_EXCEEDED_RECORDS', { details: { ...where, maximum_length: MAX_DATA_ITEMS } });
  }
  return items;
}

export type PrepareTemplateOptions = {
  db: Database;
  orgId: string;
  index: number;
  modules: readonly ModuleDefinition[];
  /** Present on update: the template being changed (its id, name and module). */
  existing?: { id: string; name: string; module: string };
};

/** Validates one item; throws the AppError for its first problem. */
export async function prepareTemplateItem(item: unknown, options: PrepareTemplateOptions): Promise<TemplateChanges> {
  const { index, existing } = options;
  const path = (...keys: (string | number)[]) =>
    `$.email_templates[${index}]${keys.map((k) => (typeof k === 'number' ? `[${k}]` : `.${k}`)).join('')}`;
  const fail = (code: 'INVALID_DATA' | 'MANDATORY_NOT_FOUND', apiName: string, keys: (string | number)[], extra: Record<string, unknown> = {}) =>
    new AppError(code, { details: { ...extra, api_name: apiName, json_path: path(...keys) } });
  if (!isPlainObject(item)) throw new AppError('INVALID_DATA', { details: { expected_data_type: 'jsonobject', json_path: path() } });

  const changes: TemplateChanges = {};
  const has = (key: string) => Object.hasOwn(item, key);
  /** A required text: absent is fine on update, but never null or blank. */
  const requiredText = (key: string, max: number): string | undefined => {
    if (!has(key)) {
      if (existing) return undefined;
      throw fail('MANDATORY_NOT_FOUND', key, [key]);
    }
    const value = item[key];
    if (value === null || (typeof value === 'string' && value.trim() === '')) throw fail('MANDATORY_NOT_FOUND', key, [key]);
    if (typeof value !== 'string') throw fail('INVALID_DATA', key, [key], { expected_data_type: 'text' });
    if (value.length > max) throw fail('INVALID_DATA', key, [key], { maximum_length: max });
    if (HEADER_BREAKS.test(value)) throw fail('INVALID_DATA', key, [key]);
    return value;
  };

  const name = requiredText('name', MAX_NAME);
  if (name !== undefined) changes.name = name.trim();

  if (has('module') || !existing) {
    const raw = item.module;
    if (raw === undefined || raw === null) throw fail('MANDATORY_NOT_FOUND', 'module', ['module']);
    const byName = typeof raw === 'string' ? raw : isPlainObject(raw) && typeof raw.api_name === 'string' ? raw.api_name : undefined;
    const byId = isPlainObject(raw) ? idText(raw.id) : undefined;
    const module = options.modules.find(
      (m) => (byName !== undefined && m.apiName.toLowerCase() === byName.trim().toLowerCase()) || (byName === undefined && m.id === byId),
    );
    if (!module) {
      throw new AppError('INVALID_MODULE', { details: { api_name: 'module', json_path: path('module') } });
    }
    changes.module = module;
  }

  const subject = requiredText('subject', MAX_SUBJECT);
  if (subject !== undefined) changes.subject = subject;

  if (has('content')) {
    const content = item.content ?? '';
    if (typeof content !== 'string') throw fail('INVALID_DATA', 'content', ['content'], { expected_data_type: 'text' });
    if (Buffer.byteLength(content, 'utf8') > MAX_CONTENT_BYTES) {
      throw fail('INVALID_DATA', 'content', ['content'], { maximum_length: MAX_CONTENT_BYTES });
    }
    changes.content = content;
  }

  if (has('folder')) changes.folder = await readFolder(item.folder, options, (keys, extra) => fail('INVALID_DATA', 'folder', ['folder', ...keys], extra));

  if (has('attachments')) {
    changes.attachmentFileIds = await readAttachments(item.attachments, options, (keys, extra) =>
      fail('INVALID_DATA', 'attachments', ['attachments', ...keys], extra),
    );
  }

  if (has('editor_mode')) {
    const mode = item.editor_mode;
    if (!EDITOR_MODES.includes(mode as EmailTemplateEditorMode)) {
      throw fail('INVALID_DATA', 'editor_mode', ['editor_mode'], { supported_values: EDITOR_MODES });
    }
    changes.editorMode = mode as EmailTemplateEditorMode;
  }

  if (has('category')) {
    const category = item.category;
    if (!WRITABLE_CATEGORIES.includes(category as EmailTemplateCategory)) {
      throw fail('INVALID_DATA', 'category', ['category'], { supported_values: WRITABLE_CATEGORIES });
    }
    changes.category = category as EmailTemplateCategory;
  }

  if (has('description')) {
    const description = item.description;
    if (description !== null && typeof description !== 'string') {
      throw fail('INVALID_DATA', 'description', ['description'], { expected_data_type: 'textarea' });
    }
    if (typeof description === 'string' && description.length > MAX_DESCRIPTION) {
      throw fail('INVALID_DATA', 'description', ['description'], { maximum_length: MAX_DESCRIPTION });
    }
    changes.description = description === null || description.trim() === '' ? null : description;
  }

  for (const key of ['active', 'favorite'] as const) {
    if (!has(key)) continue;
    if (typeof item[key] !== 'boolean') throw fail('INVALID_DATA', key, [key], { expected_data_type: 'boolean' });
    changes[key] = item[key] as boolean;
  }

  // Names are unique among an org's templates of one module (case-insensitively), as in Zoho's UI.
  const finalName = changes.name ?? existing?.name;
  const finalModule = changes.module?.apiName ?? existing?.module;
  if ((changes.name !== undefined || changes.module !== undefined) && finalName !== undefined && finalModule !== undefined) {
    const taken = await listTemplateNames(options.db, options.orgId, finalModule);
    if (taken.some((t) => t.id !== existing?.id && t.name.toLowerCase() === finalName.toLowerCase())) {
      throw new AppError('DUPLICATE_DATA', { details: { api_name: 'name', json_path: path('name') } });
    }
  }
  return changes;
}

type Fail = (keys: (string | number)[], extra?: Record<string, unknown>) => AppError;

/** `{name}` (created on demand) or `{id}` of an existing folder of the org; null → the default folder. */
async function readFolder(raw: unknown, options: PrepareTemplateOptions, fail: Fail): Promise<FolderChoice> {
  if (raw === null) return { name: DEFAULT_FOLDER };
  if (typeof raw === 'string') raw = { name: raw };
  if (!isPlainObject(raw)) throw fail([], { expected_data_type: 'jsonobject' });
  if (raw.id !== undefined && raw.id !== null) {
    const id = idText(raw.id);
    const folder = id !== undefined && /^\d{1,19}$/.test(id) ? await findFolderById(options.db, options.orgId, id) : undefined;
    if (!folder) throw fail(['id']);
    return { id: folder.id };
  }
  const name = raw.name;
  if (typeof name !== 'string' || name.trim() === '') throw fail(['name']);
  if (name.trim().length > MAX_FOLDER_NAME) throw fail(['name'], { maximum_length: MAX_FOLDER_NAME });
  if (HEADER_BREAKS.test(name)) throw fail(['name']);
  return { name: name.trim() };
}

/**
 * `[{id}]` (send_mail's attachment shape) or `[{file_id}]` (what GET shows, so a read template can
 * be written back). Every file must be the org's own; the same file twice, or more than
 * `MAX_ATTACHMENT_BYTES` altogether, is refused.
 */
async function readAttachments(raw: unknown, options: PrepareTemplateOptions, fail: Fail): Promise<string[]> {
  if (raw === null) return [];
  if (!Array.isArray(raw)) throw fail([], { expected_data_type: 'jsonarray' });
  const ids: string[] = [];
  for (const [i, entry] of raw.entries()) {
    const id = isPlainObject(entry) ? (idText(entry.file_id) ?? idText(entry.id)) : undefined;
    if (id === undefined || id.length === 0 || id.length > 200) throw fail([i, 'id']);
    if (ids.includes(id)) throw fail([i, 'id'], { duplicate: true });
    ids.push(id);
  }
  const files = new Map((await findFiles(options.db, options.orgId, ids)).map((f) => [f.id, f]));
  const missing = ids.findIndex((id) => !files.has(id));
  if (missing !== -1) {
    const json_path = `$.email_templates[${options.index}].attachments[${missing}].id`;
    throw new AppError('ATTACHMENT_NOT_FOUND', { details: { api_name: 'attachments', json_path } });
  }
  const total = ids.reduce((sum, id) => sum + files.get(id)!.size, 0);
  if (total > MAX_ATTACHMENT_BYTES) {
    throw new AppError('ATTACHMENTS_TOO_LARGE', {
      details: { api_name: 'attachments', json_path: `$.email_templates[${options.index}].attachments`, maximum_size: MAX_ATTACHMENT_BYTES },
    });
  }
  return ids;
}
