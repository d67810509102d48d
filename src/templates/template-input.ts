import type { Database } from '../db/database.js';
import type { EmailTemplateCategory, EmailTemplateEditorMode } from '../db/schema.js';
import type { FieldPath } from '../errors.js';
import type { ModuleDefinition } from '../records/modules.js';
import { refuse } from '../refusals.js';
import { findFiles, findFolderById, listTemplateNames } from './template-repository.js';

/**
 * An email template as the admin API (beyond Zoho, which edits templates only in its UI), the web
 * UI's editor and the CLI give it, and the rules its values must meet. `wire/template-writes.ts`
 * reads the API's `email_templates` items into `TemplateInput` (JSON types); `prepareTemplateItem`
 * checks the values. A refusal names the template's key (`['folder', 'id']`); on the wire it is
 * `api_name` (the template's key) + `json_path`.
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

/**
 * The keys a write gives; `undefined`: not given (kept on update, the default on create). `null`
 * where a key was given as null: refused for name, module and subject, the default folder, no
 * attachments, no description.
 */
export type TemplateInput = {
  name?: string | null;
  /** By API name (any case) or by module id. */
  module?: { apiName: string } | { id: string } | null;
  subject?: string | null;
  content?: string;
  folder?: FolderChoice | null;
  /** Files API ids, in order; `[]` or null removes every attachment. */
  attachmentFileIds?: readonly string[] | null;
  editorMode?: string;
  category?: string;
  description?: string | null;
  active?: boolean;
  favorite?: boolean;
};

/** The checked values of a write; `undefined` leaves a value as it is (update) or takes the default (create). */
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

export type PrepareTemplateOptions = {
  db: Database;
  orgId: string;
  modules: readonly ModuleDefinition[];
  /** Present on update: the template being changed (its id, name and module). */
  existing?: { id: string; name: string; module: string };
};

/** Checks one template's values; throws the refusal for its first problem. */
export async function prepareTemplateItem(input: TemplateInput, options: PrepareTemplateOptions): Promise<TemplateChanges> {
  const { existing } = options;
  const changes: TemplateChanges = {};
  /** A required text: absent is fine on update, but never null or blank. */
  const requiredText = (key: 'name' | 'subject', max: number): string | undefined => {
    const value = input[key];
    if (value === undefined) {
      if (existing) return undefined;
      throw refuse('MANDATORY_NOT_FOUND', [key]);
    }
    if (value === null || value.trim() === '') throw refuse('MANDATORY_NOT_FOUND', [key]);
    if (value.length > max) throw refuse('INVALID_DATA', [key], { maximum_length: max });
    if (HEADER_BREAKS.test(value)) throw refuse('INVALID_DATA', [key]);
    return value;
  };

  const name = requiredText('name', MAX_NAME);
  if (name !== undefined) changes.name = name.trim();

  if (input.module !== undefined || !existing) {
    const ref = input.module;
    if (ref === undefined || ref === null) throw refuse('MANDATORY_NOT_FOUND', ['module']);
    const module = options.modules.find((m) =>
      'apiName' in ref ? m.apiName.toLowerCase() === ref.apiName.trim().toLowerCase() : m.id === ref.id,
    );
    if (!module) throw refuse('INVALID_MODULE', ['module']);
    changes.module = module;
  }

  const subject = requiredText('subject', MAX_SUBJECT);
  if (subject !== undefined) changes.subject = subject;

  if (input.content !== undefined) {
    if (Buffer.byteLength(input.content, 'utf8') > MAX_CONTENT_BYTES) throw refuse('INVALID_DATA', ['content'], { maximum_length: MAX_CONTENT_BYTES });
    changes.content = input.content;
  }

  if (input.folder !== undefined) changes.folder = await checkFolder(input.folder, options);
  if (input.attachmentFileIds !== undefined) changes.attachmentFileIds = await checkAttachments(input.attachmentFileIds ?? [], options);

  if (input.editorMode !== undefined) {
    if (!EDITOR_MODES.includes(input.editorMode as EmailTemplateEditorMode)) {
      throw refuse('INVALID_DATA', ['editor_mode'], { supported_values: EDITOR_MODES });
    }
    changes.editorMode = input.editorMode as EmailTemplateEditorMode;
  }

  if (input.category !== undefined) {
    if (!WRITABLE_CATEGORIES.includes(input.category as EmailTemplateCategory)) {
      throw refuse('INVALID_DATA', ['category'], { supported_values: WRITABLE_CATEGORIES });
    }
    changes.category = input.category as EmailTemplateCategory;
  }

  if (input.description !== undefined) {
    const description = input.description;
    if (description !== null && description.length > MAX_DESCRIPTION) {
      throw refuse('INVALID_DATA', ['description'], { maximum_length: MAX_DESCRIPTION });
    }
    changes.description = description === null || description.trim() === '' ? null : description;
  }

  if (input.active !== undefined) changes.active = input.active;
  if (input.favorite !== undefined) changes.favorite = input.favorite;

  // Names are unique among an org's templates of one module (case-insensitively), as in Zoho's UI.
  const finalName = changes.name ?? existing?.name;
  const finalModule = changes.module?.apiName ?? existing?.module;
  if ((changes.name !== undefined || changes.module !== undefined) && finalName !== undefined && finalModule !== undefined) {
    const taken = await listTemplateNames(options.db, options.orgId, finalModule);
    if (taken.some((t) => t.id !== existing?.id && t.name.toLowerCase() === finalName.toLowerCase())) {
      throw refuse('DUPLICATE_DATA', ['name']);
    }
  }
  return changes;
}

/** `{name}` (created on demand) or `{id}` of an existing folder of the org; null → the default folder. */
async function checkFolder(choice: FolderChoice | null, options: PrepareTemplateOptions): Promise<FolderChoice> {
  if (choice === null) return { name: DEFAULT_FOLDER };
  const at = (key: string): FieldPath => ['folder', key];
  if ('id' in choice) {
    const folder = /^\d{1,19}$/.test(choice.id) ? await findFolderById(options.db, options.orgId, choice.id) : undefined;
    if (!folder) throw refuse('INVALID_DATA', at('id'));
    return { id: folder.id };
  }
  const name = choice.name.trim();
  if (name === '') throw refuse('INVALID_DATA', at('name'));
  if (name.length > MAX_FOLDER_NAME) throw refuse('INVALID_DATA', at('name'), { maximum_length: MAX_FOLDER_NAME });
  if (HEADER_BREAKS.test(choice.name)) throw refuse('INVALID_DATA', at('name'));
  return { name };
}

/**
 * Every file must be the org's own; the same file twice, or more than `MAX_ATTACHMENT_BYTES`
 * altogether, is refused.
 */
async function checkAttachments(fileIds: readonly string[], options: PrepareTemplateOptions): Promise<string[]> {
  const ids: string[] = [];
  for (const [i, id] of fileIds.entries()) {
    if (id.length === 0 || id.length > 200) throw refuse('INVALID_DATA', ['attachments', i, 'id']);
    if (ids.includes(id)) throw refuse('INVALID_DATA', ['attachments', i, 'id'], { duplicate: true });
    ids.push(id);
  }
  const files = new Map((await findFiles(options.db, options.orgId, ids)).map((f) => [f.id, f]));
  const missing = ids.findIndex((id) => !files.has(id));
  if (missing !== -1) throw refuse('ATTACHMENT_NOT_FOUND', ['attachments', missing, 'id']);
  const total = ids.reduce((sum, id) => sum + files.get(id)!.size, 0);
  if (total > MAX_ATTACHMENT_BYTES) throw refuse('ATTACHMENTS_TOO_LARGE', ['attachments'], { maximum_size: MAX_ATTACHMENT_BYTES });
  return ids;
}
