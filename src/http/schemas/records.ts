import { Type } from 'typebox';
import { MAX_DATA_ITEMS } from '../../wire/item-array.js';
import { bulkResponses, JsonBody, ModuleParams, OneResponses, OpenObject, PageResponses, QueryValue, RecordParams } from './common.js';

/** Records API (docs/zoho-contract.md §13). */
const tags = ['Records'];

/** A record as Zoho renders it: every field of the module by API name, lookups as `{name, id}`. */
export const RecordSchema = OpenObject({ id: Type.String() }, 'A record: its fields by API name (null when empty), lookups and users as objects');

const RecordsBody = JsonBody(
  `\`{"data": [record, …]}\`, at most ${MAX_DATA_ITEMS} records; every record is judged on its own (per-item results)`,
  { data: [{ Last_Name: 'Boyle', Email: 'p.boyle@example.com' }] },
);

const RECORDS_QUERY = {
  fields: QueryValue('Comma-separated API names (at most 50); required from v7 on (REQUIRED_PARAM_MISSING)'),
  page: QueryValue('Page number, from 1 (default 1)'),
  per_page: QueryValue('Records per page, 1–200 (default 200)'),
  sort_by: QueryValue('`id`, `Created_Time` or `Modified_Time` (default `id`)'),
  sort_order: QueryValue('`asc` or `desc` (default `desc`)'),
  ids: QueryValue(`Comma-separated record ids (at most ${MAX_DATA_ITEMS})`),
};

const IdsQuery = Type.Object({ ids: Type.Optional(QueryValue(`Comma-separated record ids to delete (at most ${MAX_DATA_ITEMS})`)) });

export const createRecords = {
  summary: 'Insert records',
  tags,
  params: ModuleParams,
  body: RecordsBody,
  response: bulkResponses(201),
};

export const listRecords = {
  summary: 'List records',
  tags,
  params: ModuleParams,
  querystring: Type.Partial(Type.Object(RECORDS_QUERY)),
  response: PageResponses('data', RecordSchema, 'A page of records', 'No record on this page'),
};

export const updateRecords = { summary: 'Update records (ids in the body)', tags, params: ModuleParams, body: RecordsBody, response: bulkResponses(200) };

export const deleteRecords = { summary: 'Delete records', tags, params: ModuleParams, querystring: IdsQuery, response: bulkResponses(200) };

export const getRecord = {
  summary: 'Get a record',
  tags,
  params: RecordParams,
  querystring: Type.Object({ fields: Type.Optional(RECORDS_QUERY.fields) }),
  response: OneResponses('data', RecordSchema, 'The record'),
};

export const updateRecord = { summary: 'Update a record', tags, params: RecordParams, body: RecordsBody, response: bulkResponses(200) };

export const deleteRecord = { summary: 'Delete a record', tags, params: RecordParams, response: bulkResponses(200) };
