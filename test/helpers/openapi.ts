import assert from 'node:assert/strict';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import type { LightMyRequestResponse } from 'fastify';

/**
 * Checks real answers against the OpenAPI document the server serves: the operation exists, the
 * status is one it declares (exactly, or as `4XX`/`5XX`), the media type is one it declares for
 * that status, and a JSON body validates against that schema (JSON Schema 2020-12, with the
 * document's components).
 */
type Doc = { paths: Record<string, Record<string, { responses: Record<string, { content?: Record<string, { schema: unknown }> }> }>> };

const addFormats = addFormatsModule as unknown as (ajv: Ajv2020) => void;
const DOC_ID = 'openapi.json';

/** `/crm/:version/:module` → `/crm/{version}/{module}`; `/ui/*` → `/ui/{*}`; no trailing slash. */
export function openApiPath(url: string): string {
  const path = url.replace(/:([A-Za-z0-9_]+)/g, '{$1}').replace(/\*/g, '{*}');
  return path.length > 1 ? path.replace(/\/$/, '') : path;
}

const pointer = (...parts: string[]) => parts.map((p) => p.replace(/~/g, '~0').replace(/\//g, '~1')).join('/');

export class AnswerChecker {
  private readonly ajv = new Ajv2020({ strict: false, allErrors: true, validateFormats: true });
  private readonly validators = new Map<string, ReturnType<Ajv2020['compile']>>();
  readonly checked: string[] = [];

  constructor(private readonly doc: Doc) {
    addFormats(this.ajv);
    this.ajv.addSchema({ ...(doc as object), $id: DOC_ID });
  }

  /** Asserts that `response`, an answer of `method url` (`url` as the route declares it), is documented as it is. */
  check(method: string, url: string, response: LightMyRequestResponse): void {
    const path = openApiPath(url);
    const operation = this.doc.paths[path]?.[method.toLowerCase()];
    assert.ok(operation, `${method} ${path} is not in the document`);
    const status = String(response.statusCode);
    const key = [status, `${status[0]}XX`, 'default'].find((k) => k in operation.responses);
    assert.ok(key, `${method} ${path} answered ${status}, which the document does not declare: ${response.body.slice(0, 300)}`);
    const content = operation.responses[key]!.content;
    const where = `${method} ${path} ${status}`;
    if (response.body.length === 0 || status === '204' || status === '303') {
      assert.ok(!content || response.body.length === 0, `${where}: an empty answer where the document expects a body`);
      this.checked.push(where);
      return;
    }
    assert.ok(content, `${where}: a body the document does not declare`);
    const mediaType = String(response.headers['content-type'] ?? '').split(';')[0]!.trim();
    const declared = Object.keys(content).find((t) => t === mediaType || (t.endsWith('/*') && mediaType.startsWith(t.slice(0, -1))));
    assert.ok(declared, `${where}: media type ${mediaType} is not one of ${Object.keys(content).join(', ')}`);
    if (mediaType === 'application/json') {
      const ref = `${DOC_ID}#/${pointer('paths', path, method.toLowerCase(), 'responses', key, 'content', declared, 'schema')}`;
      const validate = this.validators.get(ref) ?? this.ajv.compile({ $ref: ref });
      this.validators.set(ref, validate);
      const body: unknown = JSON.parse(response.body);
      assert.ok(validate(body), `${where}: the answer does not match the document: ${this.ajv.errorsText(validate.errors)}\n${response.body.slice(0, 500)}`);
    }
    this.checked.push(where);
  }
}
