import { spawn } from 'node:child_process';

/**
 * Reads PDFs back with poppler-utils (`pdftotext`, `pdfinfo`; .ci/run installs them), the PDF
 * given on stdin. Tests check what a reader of the PDF sees, not how pdfkit wrote it.
 */
function run(command: string, args: string[], input: Buffer): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', (error) => reject(new Error(`${command} could not run (is poppler-utils installed?): ${error.message}`)));
    child.on('close', (code) => (code === 0 ? resolve(stdout) : reject(new Error(`${command} exited ${code}: ${stderr}`))));
    child.stdin.on('error', () => undefined); // a failing tool may close stdin early; its exit code says why
    child.stdin.end(input);
  });
}

/** The text of the PDF (or of pages `first`…`last`), laid out as on the page. */
export function pdfText(pdf: Buffer, pages?: { first: number; last: number }): Promise<string> {
  const range = pages ? ['-f', String(pages.first), '-l', String(pages.last)] : [];
  return run('pdftotext', ['-layout', ...range, '-', '-'], pdf);
}

export type PdfInfo = { pages: number; width: number; height: number; creationDate: string; fields: Record<string, string> };

/** `pdfinfo` of the PDF: page count, first page size in points, and every field it printed. */
export async function pdfInfo(pdf: Buffer): Promise<PdfInfo> {
  const out = await run('pdfinfo', ['-isodates', '-'], pdf);
  const fields: Record<string, string> = {};
  for (const line of out.split('\n')) {
    const match = /^([^:]+):\s*(.*)$/.exec(line);
    if (match) fields[match[1]!.trim()] = match[2]!.trim();
  }
  const size = /^([\d.]+) x ([\d.]+) pts/.exec(fields['Page size'] ?? '');
  return {
    pages: Number(fields.Pages),
    width: Number(size?.[1]),
    height: Number(size?.[2]),
    creationDate: fields.CreationDate ?? '',
    fields,
  };
}
