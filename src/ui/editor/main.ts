/**
 * The web UI's rich-text editor (docs/web-ui.md "Rich-text editor"): progressive enhancement of a
 * `<textarea data-rich-editor>` and its format select. Bundled by scripts/build-editor.mjs into
 * /ui/assets/editor.js; it runs under the UI's CSP (no inline script or style: Tiptap's injectCSS
 * is off, the editor's CSS is in ui.css, colours are shown through a data attribute).
 *
 * Without JavaScript nothing here runs and the textarea posts the body as before. With it, when the
 * format is HTML the editor replaces the textarea on screen and writes its HTML back into the
 * textarea when the form is submitted; the server sanitises it with the same rules as ever.
 */
import { Editor, Extension } from '@tiptap/core';
import Image from '@tiptap/extension-image';
import { Color, TextStyle } from '@tiptap/extension-text-style';
import { Plugin } from '@tiptap/pm/state';
import StarterKit from '@tiptap/starter-kit';
import { chipify, MergeField } from './merge-field.js';

/** Colours every mail client renders as inline `color` styles; shown in the editor by [data-color]. */
const PALETTE: readonly (readonly [string, string])[] = [
  ['', 'Default'],
  ['#b3261e', 'Red'],
  ['#1e6b2f', 'Green'],
  ['#0b57d0', 'Blue'],
  ['#8a5300', 'Brown'],
  ['#5f6368', 'Grey'],
];

const ALLOWED_LINK = /^(?:https?:\/\/[^\s]+|mailto:[^\s]+)$/i;

/** What a user typed into the link dialog as a URL we allow (http, https, mailto), or null. */
export function normaliseLink(raw: string): string | null {
  const value = raw.trim();
  if (value === '') return null;
  if (/^[a-z][a-z0-9+.-]*:/i.test(value)) return ALLOWED_LINK.test(value) ? value : null;
  if (/^[^\s@/]+@[^\s@/]+\.[^\s@/]+$/.test(value)) return `mailto:${value}`;
  if (/^[^\s/:]+\.[^\s/:]+/.test(value)) return `https://${value}`;
  return null;
}

const hex = (n: string) => Number(n).toString(16).padStart(2, '0');
/** `rgb(179, 38, 30)` as `#b3261e`; black (every Google Docs span says so) as no colour. */
function normaliseColour(value: string | null | undefined): string | null {
  if (!value) return null;
  const rgb = /^rgb\(\s*(\d+)\s*,\s*(\d+)\s*,\s*(\d+)\s*\)$/i.exec(value.trim());
  const colour = rgb ? `#${hex(rgb[1]!)}${hex(rgb[2]!)}${hex(rgb[3]!)}` : value.trim().toLowerCase().replace(/['"]+/g, '');
  return colour === '' || colour === '#000000' || colour === '#000' || colour === 'black' || colour === 'inherit' ? null : colour;
}

/**
 * A declaration of an element's style attribute, read from the attribute's text: under the CSP the
 * browser does not apply (so `element.style` does not show) style attributes of parsed HTML.
 */
function styleValue(element: HTMLElement, property: string): string | null {
  const match = new RegExp(`(?:^|;)\\s*${property}\\s*:\\s*([^;]+)`, 'i').exec(element.getAttribute('style') ?? '');
  return match ? match[1]!.replace(/!important/i, '').trim() : null;
}

const colourOf = (element: HTMLElement) => normaliseColour(element.getAttribute('data-color') ?? styleValue(element, 'color'));

/** A span is a text style only when it carries a colour (else pasted spans would leave empty `<span>`s). */
const MailTextStyle = TextStyle.extend({
  parseHTML() {
    return [{ tag: 'span', consuming: false, getAttrs: (element: HTMLElement) => (colourOf(element) === null ? false : {}) }];
  },
});

/**
 * Colour as `data-color` in the editor (the CSP refuses style attributes set by a script; ui.css
 * colours the palette), written out as an inline `color` style when the form is submitted.
 */
const MailColor = Color.extend({
  addGlobalAttributes() {
    return [
      {
        types: ['textStyle'],
        attributes: {
          color: {
            default: null,
            parseHTML: colourOf,
            renderHTML: (attributes: Record<string, unknown>) =>
              typeof attributes.color === 'string' && attributes.color !== '' ? { 'data-color': attributes.color } : {},
          },
        },
      },
    ];
  },
});

/** Only http(s) images are kept from pasted HTML (file: and data: images are dropped). */
const MailImage = Image.extend({
  parseHTML() {
    return [{ tag: 'img[src]', getAttrs: (element: HTMLElement) => (/^https?:\/\//i.test(element.getAttribute('src') ?? '') ? null : false) }];
  },
});

/**
 * Word's and Google Docs' clipboard HTML made readable for ProseMirror's parser, whose style rules
 * (and Tiptap's) read `element.style`, which stays empty under the CSP: bold, italic and underline
 * given as span styles (Google Docs) become <strong>, <em>, <u>; Google Docs' whole-paste
 * `<b style="font-weight:normal">` wrapper is dropped; style sheets and Office tags go. Read in an
 * inert document (no script runs, nothing loads); nothing here sets a style.
 */
function cleanPastedHtml(html: string): string {
  const doc = new DOMParser().parseFromString(html, 'text/html');
  for (const element of doc.querySelectorAll('style, script, xml, meta, link, title')) element.remove();
  for (const element of doc.body.querySelectorAll('*')) if (element.localName.includes(':')) element.replaceWith(...element.childNodes);
  for (const b of doc.body.querySelectorAll<HTMLElement>('b')) {
    if (/^(normal|[1-4]00)$/i.test(styleValue(b, 'font-weight') ?? '')) b.replaceWith(...b.childNodes);
  }
  for (const span of doc.body.querySelectorAll<HTMLElement>('span[style]')) {
    const wraps: string[] = [];
    if (/^(bold|bolder|[6-9]00)$/i.test(styleValue(span, 'font-weight') ?? '')) wraps.push('strong');
    if (/^(italic|oblique)/i.test(styleValue(span, 'font-style') ?? '')) wraps.push('em');
    if (/underline/i.test(styleValue(span, 'text-decoration') ?? styleValue(span, 'text-decoration-line') ?? '')) wraps.push('u');
    for (const tag of wraps) {
      const wrapper = doc.createElement(tag);
      wrapper.append(...span.childNodes);
      span.append(wrapper);
    }
  }
  return doc.body.innerHTML;
}

/**
 * The editor's HTML as mail HTML: `<span data-color="…">` (the colour mark, alone on its span)
 * becomes `<span style="color: …">`. A string rewrite, not a DOM one: setting a style attribute from
 * a script is what the CSP refuses, even in a parsed document. Text cannot match: its `<` is `&lt;`.
 */
function mailHtml(html: string): string {
  return html.replace(/<span data-color="([^"<>]*)">/g, '<span style="color: $1">');
}

const escapeText = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** Plain text as paragraphs (blank lines) and line breaks. */
function textToHtml(text: string): string {
  return text
    .split(/\r?\n\s*\r?\n/)
    .filter((p) => p.trim() !== '')
    .map((p) => `<p>${escapeText(p).replace(/\r?\n/g, '<br>')}</p>`)
    .join('');
}

const looksLikeHtml = (value: string) => /^\s*</.test(value);

function el<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Record<string, string> = {}, text?: string): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) node.setAttribute(name, value);
  if (text !== undefined) node.textContent = text;
  return node;
}

type ToolButton = { id: string; text: string; label: string; toggle: boolean; run: () => void; active?: () => boolean };

let counter = 0;

function mount(textarea: HTMLTextAreaElement): void {
  const form = textarea.form;
  if (!form) return;
  const formatSelect = document.getElementById(textarea.dataset.formatSelect ?? '') as HTMLSelectElement | null;
  const htmlValue = textarea.dataset.htmlValue ?? 'html';
  const uploadUrl = textarea.dataset.uploadUrl ?? '';
  const mergeFields = JSON.parse(textarea.dataset.mergeFields ?? '{}') as Record<string, string[]>;
  const commonFields = JSON.parse(textarea.dataset.commonFields ?? '[]') as string[];
  const moduleSelect = document.getElementById(textarea.dataset.mergeModuleSelect ?? '') as HTMLSelectElement | null;
  const fixedModule = textarea.dataset.mergeModule ?? '';
  const label = document.querySelector<HTMLLabelElement>(`label[for="${textarea.id}"]`);
  const n = (counter += 1);
  const ids = { label: label?.id || `rte-label-${n}`, content: `rte-content-${n}`, status: `rte-status-${n}` };
  if (label && !label.id) label.id = ids.label;

  // ---- The editor's markup -------------------------------------------------------------------------
  const wrapper = el('div', { class: 'rte', hidden: '' });
  const toolbar = el('div', { class: 'rte-toolbar', role: 'toolbar', 'aria-label': 'Editor tools', 'aria-controls': ids.content });
  const surface = el('div', { class: 'rte-surface' });
  const extras = el('div', { class: 'rte-extras' });
  const status = el('p', { class: 'rte-status small', id: ids.status, role: 'status', 'aria-live': 'polite' });
  const fileInput = el('input', { type: 'file', accept: 'image/png,image/jpeg,image/gif,image/webp', hidden: '', tabindex: '-1', 'aria-hidden': 'true' });
  wrapper.append(toolbar, surface, extras, status, fileInput);
  textarea.after(wrapper);

  const describedBy = [textarea.getAttribute('aria-describedby'), ids.status].filter(Boolean).join(' ');
  let active = false;
  const editor = new Editor({
    element: surface,
    injectCSS: false,
    extensions: [
      StarterKit.configure({
        heading: { levels: [2, 3] },
        code: false,
        codeBlock: false,
        horizontalRule: false,
        strike: false,
        link: {
          openOnClick: false,
          autolink: true,
          defaultProtocol: 'https',
          protocols: ['mailto'],
          isAllowedUri: (url: string) => normaliseLink(url) !== null,
          HTMLAttributes: { rel: null, target: null, class: null },
        },
      }),
      MailTextStyle,
      MailColor,
      MailImage.configure({ inline: false, allowBase64: false }),
      MergeField,
      Extension.create({
        name: 'mailroomLabel',
        // Named by the field's label only while it stands in for the textarea (one "Body" at a time);
        // a plugin's attributes prop may be a function of the state (Tiptap's editorProps may not).
        addProseMirrorPlugins: () => [new Plugin({ props: { attributes: (): Record<string, string> => (active ? { 'aria-labelledby': ids.label } : {}) } })],
      }),
      Extension.create({
        name: 'mailroomShortcuts',
        addKeyboardShortcuts: () => ({
          'Mod-k': () => {
            openLinkDialog();
            return true;
          },
        }),
      }),
    ],
    editorProps: {
      attributes: {
        id: ids.content,
        class: 'rte-content',
        role: 'textbox',
        'aria-multiline': 'true',
        'aria-describedby': describedBy,
        ...(textarea.getAttribute('aria-invalid') === 'true' ? { 'aria-invalid': 'true' } : {}),
        spellcheck: 'true',
      },
      transformPastedHTML: cleanPastedHtml,
      handlePaste: (_view, event) => {
        const images = [...(event.clipboardData?.files ?? [])].filter((f) => f.type.startsWith('image/'));
        if (images.length === 0) return false;
        event.preventDefault();
        void uploadImages(images);
        return true;
      },
      handleDrop: (_view, event) => {
        const images = [...((event as DragEvent).dataTransfer?.files ?? [])].filter((f) => f.type.startsWith('image/'));
        if (images.length === 0) return false;
        event.preventDefault();
        void uploadImages(images);
        return true;
      },
    },
  });

  // ---- Toolbar: one tab stop, arrow keys move between buttons -------------------------------------
  const chain = () => editor.chain().focus();
  const buttons: ToolButton[] = [
    { id: 'bold', text: 'B', label: 'Bold (Ctrl+B)', toggle: true, run: () => chain().toggleBold().run(), active: () => editor.isActive('bold') },
    { id: 'italic', text: 'I', label: 'Italic (Ctrl+I)', toggle: true, run: () => chain().toggleItalic().run(), active: () => editor.isActive('italic') },
    { id: 'underline', text: 'U', label: 'Underline (Ctrl+U)', toggle: true, run: () => chain().toggleUnderline().run(), active: () => editor.isActive('underline') },
    { id: 'h2', text: 'H2', label: 'Heading H2', toggle: true, run: () => chain().toggleHeading({ level: 2 }).run(), active: () => editor.isActive('heading', { level: 2 }) },
    { id: 'h3', text: 'H3', label: 'Subheading H3', toggle: true, run: () => chain().toggleHeading({ level: 3 }).run(), active: () => editor.isActive('heading', { level: 3 }) },
    { id: 'quote', text: '“ ”', label: 'Quote', toggle: true, run: () => chain().toggleBlockquote().run(), active: () => editor.isActive('blockquote') },
    { id: 'ul', text: '• Bulleted', label: 'Bulleted list', toggle: true, run: () => chain().toggleBulletList().run(), active: () => editor.isActive('bulletList') },
    { id: 'ol', text: '1. Numbered', label: '1. Numbered list', toggle: true, run: () => chain().toggleOrderedList().run(), active: () => editor.isActive('orderedList') },
    { id: 'link', text: 'Link', label: 'Link (Ctrl+K)', toggle: true, run: () => openLinkDialog(), active: () => editor.isActive('link') },
    { id: 'image', text: 'Image', label: 'Insert image', toggle: false, run: () => fileInput.click() },
  ];
  // Each name holds the button's visible text (WCAG 2.5.3, axe's label-content-name-mismatch).
  const buttonEls = buttons.map((b, i) => {
    const button = el('button', { type: 'button', class: `rte-button rte-${b.id}`, 'aria-label': b.label, title: b.label, tabindex: i === 0 ? '0' : '-1' }, b.text);
    if (b.toggle) button.setAttribute('aria-pressed', 'false');
    button.addEventListener('mousedown', (e) => e.preventDefault()); // keep the editor's selection
    button.addEventListener('click', () => b.run());
    toolbar.append(button);
    return button;
  });
  toolbar.addEventListener('keydown', (event) => {
    const index = buttonEls.indexOf(document.activeElement as HTMLButtonElement);
    if (index < 0) return;
    const next =
      event.key === 'ArrowRight' ? (index + 1) % buttonEls.length : event.key === 'ArrowLeft' ? (index - 1 + buttonEls.length) % buttonEls.length : event.key === 'Home' ? 0 : event.key === 'End' ? buttonEls.length - 1 : -1;
    if (next < 0) return;
    event.preventDefault();
    buttonEls.forEach((b, i) => b.setAttribute('tabindex', i === next ? '0' : '-1'));
    buttonEls[next]!.focus();
  });
  const refresh = () => {
    buttons.forEach((b, i) => b.active && buttonEls[i]!.setAttribute('aria-pressed', String(b.active())));
    // The colour select shows the colour at the cursor (a colour not in the palette shows as Default).
    const colour = normaliseColour(editor.getAttributes('textStyle').color as string | undefined) ?? '';
    colourSelect.value = PALETTE.some(([value]) => value === colour) ? colour : '';
  };

  // ---- Text colour and merge fields ------------------------------------------------------------------
  const colourId = `rte-colour-${n}`;
  const colourSelect = el('select', { id: colourId });
  for (const [value, name] of PALETTE) colourSelect.append(el('option', { value }, name));
  colourSelect.addEventListener('change', () => {
    const value = colourSelect.value;
    if (value === '') editor.chain().focus().unsetMark('textStyle').run(); // colour is its only attribute
    else editor.chain().focus().setColor(value).run();
  });
  editor.on('transaction', refresh);
  editor.on('selectionUpdate', refresh);
  const mergeId = `rte-merge-${n}`;
  const mergeSelect = el('select', { id: mergeId });
  const insertField = el('button', { type: 'button', class: 'secondary' }, 'Insert field');
  const fillMergeFields = () => {
    const module = moduleSelect?.value ?? fixedModule;
    mergeSelect.replaceChildren(el('option', { value: '' }, 'Choose a field'));
    for (const token of [...(mergeFields[module] ?? []), ...commonFields]) mergeSelect.append(el('option', { value: token }, `\${${token}}`));
  };
  fillMergeFields();
  moduleSelect?.addEventListener('change', fillMergeFields);
  insertField.addEventListener('click', () => {
    const token = mergeSelect.value;
    if (token === '') {
      status.textContent = 'Choose a field to insert first.';
      mergeSelect.focus();
      return;
    }
    editor.chain().focus().insertContent([{ type: 'mergeField', attrs: { token } }, { type: 'text', text: ' ' }]).run();
    status.textContent = `Inserted \${${token}}.`;
  });
  extras.append(
    el('label', { for: colourId }, 'Text colour'),
    colourSelect,
    el('label', { for: mergeId }, 'Merge field'),
    mergeSelect,
    insertField,
  );

  // ---- Link dialog ---------------------------------------------------------------------------------
  const dialog = el('dialog', { class: 'rte-dialog', 'aria-labelledby': `rte-link-h-${n}` });
  const linkInput = el('input', { type: 'text', id: `rte-link-${n}`, inputmode: 'url', autocomplete: 'off', 'aria-describedby': `rte-link-hint-${n}` });
  const linkError = el('p', { class: 'error', id: `rte-link-error-${n}`, hidden: '' });
  const applyLink = el('button', { type: 'button' }, 'Apply link');
  const removeLink = el('button', { type: 'button', class: 'secondary' }, 'Remove link');
  const cancelLink = el('button', { type: 'button', class: 'secondary' }, 'Cancel');
  dialog.append(
    el('h2', { id: `rte-link-h-${n}` }, 'Link'),
    el('div', { class: 'field' }),
  );
  const linkField = dialog.lastElementChild!;
  linkField.append(el('label', { for: linkInput.id }, 'Link address'), el('p', { class: 'hint', id: `rte-link-hint-${n}` }, 'A web address (https://…) or an email address (mailto:…).'), linkInput, linkError);
  const dialogActions = el('div', { class: 'actions' });
  dialogActions.append(applyLink, removeLink, cancelLink);
  dialog.append(dialogActions);
  document.body.append(dialog);
  const closeDialog = () => {
    if (dialog.open) dialog.close();
    editor.commands.focus();
  };
  function openLinkDialog() {
    const current = editor.getAttributes('link').href;
    linkInput.value = typeof current === 'string' ? current : '';
    linkError.hidden = true;
    linkInput.removeAttribute('aria-invalid');
    linkInput.setAttribute('aria-describedby', `rte-link-hint-${n}`);
    removeLink.hidden = !editor.isActive('link');
    dialog.showModal();
    linkInput.focus();
  }
  const apply = () => {
    const href = normaliseLink(linkInput.value);
    if (href === null) {
      linkError.textContent = 'Enter a web address (http or https) or an email address (mailto).';
      linkError.hidden = false;
      linkInput.setAttribute('aria-invalid', 'true');
      linkInput.setAttribute('aria-describedby', `rte-link-hint-${n} ${linkError.id}`);
      linkInput.focus();
      return;
    }
    const { empty } = editor.state.selection;
    if (empty && !editor.isActive('link')) {
      editor.chain().focus().insertContent({ type: 'text', text: linkInput.value.trim(), marks: [{ type: 'link', attrs: { href } }] }).run();
    } else {
      editor.chain().focus().extendMarkRange('link').setLink({ href }).run();
    }
    closeDialog();
  };
  applyLink.addEventListener('click', apply);
  linkInput.addEventListener('keydown', (event) => {
    if (event.key === 'Enter') {
      event.preventDefault();
      apply();
    }
  });
  removeLink.addEventListener('click', () => {
    editor.chain().focus().extendMarkRange('link').unsetLink().run();
    closeDialog();
  });
  cancelLink.addEventListener('click', closeDialog);
  dialog.addEventListener('cancel', (event) => {
    event.preventDefault();
    closeDialog();
  });

  // ---- Images: uploaded as inline files, referenced as the API does (cid: on the wire) ------------
  async function uploadImages(files: File[]) {
    for (const file of files) {
      status.textContent = `Uploading ${file.name || 'image'}…`;
      const body = new FormData();
      const csrf = (form!.elements.namedItem('_csrf') as HTMLInputElement | null)?.value ?? '';
      body.append('_csrf', csrf);
      body.append('image', file, file.name || 'pasted-image.png');
      try {
        const response = await fetch(uploadUrl, { method: 'POST', body, credentials: 'same-origin', headers: { accept: 'application/json' } });
        const answer = (await response.json().catch(() => ({}))) as { src?: string; error?: string };
        if (!response.ok || typeof answer.src !== 'string') {
          status.textContent = `The image was not added: ${answer.error ?? `error ${response.status}`}`;
          continue;
        }
        const src = new URL(answer.src, window.location.href).href;
        editor.chain().focus().setImage({ src, alt: file.name || 'image' }).run();
        status.textContent = `Image ${file.name || ''} added.`;
      } catch {
        status.textContent = 'The image was not added: the upload failed.';
      }
    }
  }
  fileInput.addEventListener('change', () => {
    const files = [...(fileInput.files ?? [])];
    fileInput.value = '';
    if (files.length > 0) void uploadImages(files);
  });

  // ---- Switching between the textarea and the editor ---------------------------------------------------
  const isHtml = () => (formatSelect ? formatSelect.value === htmlValue : true);
  const html = () => (editor.isEmpty && !editor.getHTML().includes('<img') ? '' : mailHtml(editor.getHTML()));
  const load = (value: string) => editor.commands.setContent(chipify(looksLikeHtml(value) || value === '' ? value : textToHtml(value)), { emitUpdate: false });
  const showEditor = (on: boolean) => {
    if (on === active) return;
    active = on;
    if (on) {
      load(textarea.value);
      textarea.hidden = true;
      wrapper.hidden = false;
      // The label names the editor now (aria-labelledby); clicking it focuses the editor.
      label?.removeAttribute('for');
    } else {
      textarea.value = editor.getText({ blockSeparator: '\n\n' });
      editor.view.dispatch(editor.state.tr); // drops aria-labelledby
      wrapper.hidden = true;
      textarea.hidden = false;
      label?.setAttribute('for', textarea.id);
    }
  };
  label?.addEventListener('click', () => {
    if (active) editor.commands.focus();
  });
  formatSelect?.addEventListener('change', () => showEditor(isHtml()));
  form.addEventListener('submit', () => {
    if (active) textarea.value = html();
  });
  showEditor(isHtml());

  // ---- The compose page's template choice fills Subject and Body at once --------------------------------
  const templateSelect = form.querySelector<HTMLSelectElement>('select#template');
  const templateUrl = form.getAttribute('data-template-url');
  if (templateSelect && templateUrl) {
    templateSelect.addEventListener('change', () => {
      if (!templateSelect.value) return;
      fetch(`${templateUrl}?template_id=${encodeURIComponent(templateSelect.value)}`, { credentials: 'same-origin', headers: { accept: 'application/json' } })
        .then((r) => (r.ok ? (r.json() as Promise<{ subject: string; content: string; mail_format: string }>) : null))
        .then((t) => {
          if (!t) return;
          (form.elements.namedItem('subject') as HTMLInputElement).value = t.subject ?? '';
          if (formatSelect) formatSelect.value = t.mail_format === 'html' ? htmlValue : 'text';
          if (active) showEditor(false);
          textarea.value = t.content;
          showEditor(isHtml());
        })
        .catch(() => undefined);
    });
  }
}

for (const textarea of document.querySelectorAll<HTMLTextAreaElement>('textarea[data-rich-editor]')) mount(textarea);
