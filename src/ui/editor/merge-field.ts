import { mergeAttributes, Node } from '@tiptap/core';

/**
 * A merge field (`${Leads.First Name}`) as one atomic chip: it is selected, deleted and moved as a
 * whole, never half-edited. It is written out as `<span data-merge-field="…">${…}</span>`: the
 * server's sanitiser keeps the span and its text (dropping the data attribute), and send_mail
 * fills the token from the record as it does for any content.
 */
export const MergeField = Node.create({
  name: 'mergeField',
  group: 'inline',
  inline: true,
  atom: true,
  selectable: true,
  draggable: false,

  addAttributes() {
    return {
      token: {
        default: '',
        parseHTML: (element) => element.getAttribute('data-merge-field') ?? '',
        renderHTML: (attributes) => ({ 'data-merge-field': String(attributes.token) }),
      },
    };
  },

  parseHTML() {
    return [{ tag: 'span[data-merge-field]' }];
  },

  renderHTML({ node, HTMLAttributes }) {
    return ['span', mergeAttributes(HTMLAttributes, { class: 'rte-chip' }), `\${${String(node.attrs.token)}}`];
  },

  renderText({ node }) {
    return `\${${String(node.attrs.token)}}`;
  },
});

const TOKEN = /(\$\{[^{}]*\})/;

/**
 * Stored HTML with its `${…}` tokens (in text, not in attributes) turned into chips. Parsed in an
 * inert document (DOMParser: no script runs, no image loads).
 */
export function chipify(html: string): string {
  const doc = new DOMParser().parseFromString(`<!doctype html><body>${html}</body>`, 'text/html');
  const walker = doc.createTreeWalker(doc.body, NodeFilter.SHOW_TEXT);
  const texts: Text[] = [];
  while (walker.nextNode()) texts.push(walker.currentNode as Text);
  for (const text of texts) {
    if (text.parentElement?.closest('[data-merge-field]')) continue;
    const parts = text.data.split(TOKEN);
    if (parts.length === 1) continue;
    const fragment = doc.createDocumentFragment();
    parts.forEach((part, i) => {
      if (i % 2 === 1) {
        const span = doc.createElement('span');
        span.setAttribute('data-merge-field', part.slice(2, -1));
        span.textContent = part;
        fragment.append(span);
      } else if (part !== '') {
        fragment.append(part);
      }
    });
    text.replaceWith(fragment);
  }
  return doc.body.innerHTML;
}
