import { escapeHtml } from './html-escape.js';

/**
 * A standalone HTML page with its style sheet inline (the local mailbox, the consent page): the
 * same document shell, with the page's own extra `<meta>` and optional header.
 */
export function standalonePage(options: { title: string; css: string; meta: string; header?: string; body: string }): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
${options.meta}
<title>${escapeHtml(options.title)}</title>
<style>${options.css}</style>
</head>
<body>
${options.header ? `${options.header}\n` : ''}<main>
${options.body}
</main>
</body>
</html>
`;
}
