import { html, trusted, type SafeHtml } from './template.js';

/**
 * A standalone HTML page with its style sheet inline (the local mailbox, the consent page): the
 * same document shell, with the page's own extra `<meta>` and optional header. The style sheet is
 * a constant of the page's module, never data.
 */
export function standalonePage(options: { title: string; css: string; meta: SafeHtml; header?: SafeHtml; body: SafeHtml }): string {
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
${options.meta}
<title>${options.title}</title>
<style>${trusted(options.css)}</style>
</head>
<body>
${options.header ? html`${options.header}\n` : ''}<main>
${options.body}
</main>
</body>
</html>
`.value;
}
