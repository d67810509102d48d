import type { FastifyInstance } from 'fastify';
import { Type, type TSchema } from 'typebox';
import { API_VERSIONS } from '../../wire/versions.js';

/**
 * The pieces every route's schema is made of (docs/zoho-contract.md §1.3, §1.4). Two rules hold for
 * every schema under src/http/schemas (decision 0005):
 *
 * - Request schemas are permissive: they accept every request the handler used to judge itself,
 *   so no answer changes. A query value may arrive as a string or, when the key is repeated, an
 *   array; a JSON body is whatever the client sent, because Zoho judges `data` items one by one
 *   and names the faulty one (per-item errors). The expected shape is in the descriptions.
 * - Response schemas describe answers and are never used to write them: the server serialises
 *   every body with JSON.stringify (server.ts), so no key is dropped or coerced. The OpenAPI tests
 *   check real answers against them.
 */

/** Shared schemas, added once with `addSchema` and referenced as `#/components/schemas/<$id>`. */
const ZohoErrorSchema = Type.Object(
  {
    code: Type.String({ description: "Zoho's error code, e.g. `INVALID_DATA` (docs/errors.md)" }),
    details: Type.Object({}, { additionalProperties: true, description: 'Which field, parameter or limit (keys vary per code)' }),
    message: Type.String({ description: "Zoho's message, verbatim" }),
    status: Type.Literal('error'),
  },
  { $id: 'ZohoError', additionalProperties: false, description: "Zoho's error envelope: exactly these four keys" },
);

const ActionSuccessSchema = Type.Object(
  {
    code: Type.Literal('SUCCESS'),
    details: Type.Object({}, { additionalProperties: true }),
    message: Type.String(),
    status: Type.Literal('success'),
  },
  { $id: 'ActionSuccess', additionalProperties: false, description: 'One item that succeeded' },
);

const ActionResultSchema = Type.Union([Type.Ref('ActionSuccess'), Type.Ref('ZohoError')], {
  $id: 'ActionResult',
  description: 'The outcome of one item, in the order of the request',
});

const PageInfoSchema = Type.Object(
  {
    per_page: Type.Integer(),
    count: Type.Integer(),
    page: Type.Integer(),
    more_records: Type.Boolean(),
  },
  { $id: 'PageInfo', additionalProperties: true, description: 'Paging of a list' },
);

export const SHARED_SCHEMAS: readonly TSchema[] = [ZohoErrorSchema, ActionSuccessSchema, ActionResultSchema, PageInfoSchema];

export function addSharedSchemas(fastify: FastifyInstance): void {
  for (const schema of SHARED_SCHEMAS) fastify.addSchema(schema);
}

/**
 * Typed `unknown` on purpose: a route's reply type is the union of its response schemas, and these
 * schemas document answers rather than constrain handlers (the use-cases return Zoho's shapes).
 */
export const ZohoError = Type.Unsafe<unknown>(Type.Ref('ZohoError'));
export const ActionResult = Type.Ref('ActionResult');
export const PageInfo = Type.Ref('PageInfo');

// ---- Request parts ------------------------------------------------------------------------------

/** The API version segment: an unknown one never reaches validation (INVALID_URL_PATTERN first). */
export const Version = Type.Union(
  API_VERSIONS.map((v) => Type.Literal(v)),
  { description: 'API version: `v2` … `v8`; any other is INVALID_URL_PATTERN' },
);

/** A path segment: always a string; the use-case judges it (an unknown id is RECORD_NOT_FOUND). */
export const PathSegment = (description: string) => Type.String({ description });

/** `{version}` alone. */
export const VersionParams = Type.Object({ version: Version });

/** `{version}/{module}`: the module segment is resolved by the access hook (INVALID_MODULE). */
export const ModuleParams = Type.Object({
  version: Version,
  module: PathSegment('Module API name, any case (`Leads`, `leads`, a custom module); unknown: INVALID_MODULE'),
});

export const RecordParams = Type.Object({
  version: Version,
  module: ModuleParams.properties.module,
  id: PathSegment('Record id (up to 19 digits); another org\'s id answers like a missing one'),
});

/**
 * A query parameter as it arrives: a string, or an array when the key is repeated. The route never
 * refuses either form; the use-case answers Zoho's error for a bad value.
 */
export const QueryValue = (description: string) => Type.Union([Type.String(), Type.Array(Type.String())], { description });

/** A JSON body, read by the use-case whatever its shape (Zoho's top-level and per-item errors). */
export const JsonBody = (description: string, example?: unknown) =>
  Type.Unknown({ description, ...(example === undefined ? {} : { examples: [example] }) });

// ---- Responses ----------------------------------------------------------------------------------

/** Every JSON route may answer a catalogue error: 4xx for the client's, 5xx for ours or an outage. */
export const ERRORS = { '4xx': ZohoError, '5xx': ZohoError } as const;

/** `{<key>: [ActionResult…]}`: one result per item (Zoho's write answers). */
export const ActionResults = (key = 'data', description = 'One result per item, in the order of the request') =>
  Type.Unsafe<unknown>(Type.Object({ [key]: Type.Array(ActionResult) }, { required: [key], additionalProperties: false, description }));

/**
 * A bulk write (docs/zoho-contract.md §1.4): every item succeeded → `success`; some failed → 202;
 * every item failed → the first error's status with the per-item envelope; a fault of the whole
 * request → a top-level error envelope.
 */
export function bulkResponses(success: 200 | 201, key = 'data') {
  return {
    [success]: ActionResults(key, 'Every item succeeded'),
    202: ActionResults(key, 'Some items succeeded and some failed (partially complete)'),
    '4xx': Type.Union([ZohoError, ActionResults(key)], {
      description: 'The request was refused (a top-level error envelope), or every item failed (per-item results)',
    }),
    '5xx': ZohoError,
  };
}

/** 204: nothing to list (Zoho answers an empty body). */
export const NoContent = (description: string) => Type.Unsafe<unknown>(Type.Null({ description }));

/** A paged list under `key` with Zoho's `info`, or 204 when the page is empty. */
export const PageResponses = (key: string, item: TSchema, description: string, empty: string) => ({
  200: Type.Object({ [key]: Type.Array(item), info: PageInfo }, { description }),
  204: NoContent(empty),
  ...ERRORS,
});

/** One resource, as Zoho answers a read by id: a one-element list under `key`. */
export const OneResponses = (key: string, item: TSchema, description: string) => ({
  200: Type.Object({ [key]: Type.Array(item, { minItems: 1, maxItems: 1 }) }, { description }),
  ...ERRORS,
});

/** A server-rendered HTML page (web UI, mailbox, consent page); its errors are HTML pages too. */
export const HtmlPage = (description: string) => ({
  description,
  content: { 'text/html': { schema: Type.String() } },
});

/** A 303 to another page (Post/Redirect/Get, or the sign-in page). */
export const SeeOther = (description: string) => Type.Unsafe<unknown>(Type.Null({ description }));

/** File bytes of the given media type. */
export const Bytes = (description: string, mediaType: string) => ({
  description,
  content: { [mediaType]: { schema: Type.Unsafe<unknown>(Type.String({ contentMediaType: mediaType })) } },
});

/** A JSON object with open keys (records, settings answers Zoho extends over time). */
export const OpenObject = (properties: Parameters<typeof Type.Object>[0] = {}, description?: string) =>
  Type.Object(properties, { additionalProperties: true, ...(description ? { description } : {}) });
