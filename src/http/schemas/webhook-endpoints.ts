import { Type } from 'typebox';
import { ERRORS, JsonBody, OneResponses, OpenObject, PathSegment, QueryValue, VersionParams } from './common.js';

/** Webhook endpoints of the org and their delivery logs (beyond Zoho; README "Webhooks", docs/webhooks.md). Administrators only. */
const tags = ['Webhook endpoints'];

const EndpointParams = Type.Object({ ...VersionParams.properties, id: PathSegment("Webhook endpoint id; another org's id answers like a missing one (NOT_FOUND)") });
const DeliveryParams = Type.Object({ ...EndpointParams.properties, event_id: PathSegment('The event id (`webhook-id` header of the request)') });

const Endpoint = OpenObject(
  {
    id: Type.String(),
    url: Type.String(),
    description: Type.Union([Type.String(), Type.Null()]),
    events: Type.Array(Type.String(), { description: 'Event types, or `["*"]` for all' }),
    enabled: Type.Boolean(),
    disabled_reason: Type.Union([Type.String(), Type.Null()], { description: 'Why it is disabled: an administrator, or failing for too long' }),
    disabled_time: Type.Union([Type.String(), Type.Null()]),
    failing_since: Type.Union([Type.String(), Type.Null()]),
    last_success_time: Type.Union([Type.String(), Type.Null()]),
    created_time: Type.String(),
    modified_time: Type.String(),
  },
  'A webhook endpoint (never its secret)',
);

const Delivery = OpenObject(
  {
    event_id: Type.String(),
    event_type: Type.String(),
    state: Type.Union([Type.Literal('pending'), Type.Literal('delivered'), Type.Literal('failed')]),
    attempts: Type.Integer(),
    last_status: Type.Union([Type.Integer(), Type.Null()], { description: 'HTTP status of the last attempt; null when there was no answer' }),
    last_error: Type.Union([Type.String(), Type.Null()]),
    occurred_time: Type.String(),
    next_attempt_time: Type.Union([Type.String(), Type.Null()]),
    delivered_time: Type.Union([Type.String(), Type.Null()]),
    possible_duplicate: Type.Boolean({ description: 'An attempt may have reached the endpoint without its answer being recorded' }),
  },
  'One event for this endpoint',
);

// Typed `unknown`: the schema documents the answer (common.ts), the wire module writes it.
const Write = (details: Record<string, ReturnType<typeof Type.String>>, description: string, key = 'webhooks') =>
  Type.Unsafe<unknown>(Type.Object(
    {
      [key]: Type.Array(
        Type.Object({ code: Type.Literal('SUCCESS'), details: Type.Object(details, { additionalProperties: true }), message: Type.String(), status: Type.Literal('success') }),
        { minItems: 1, maxItems: 1 },
      ),
    },
    { description },
  ));

const BODY = JsonBody(
  '`{"webhooks": [{"url": "https://…", "events": ["recipient.sent", "recipient.bounced"], "description": "…", "enabled": true}]}`: one item. `url` absolute https, ≤ 2048 characters, no credentials, a public host; `events` from the event types of docs/webhooks.md, or `["*"]` for all; at most 10 endpoints per org',
  { webhooks: [{ url: 'https://hooks.example.com/mailroom', events: ['recipient.sent', 'recipient.bounced'], description: 'CRM sync' }] },
);

export const listWebhookEndpoints = {
  summary: "List the org's webhook endpoints (beyond Zoho)",
  tags,
  params: VersionParams,
  response: { 200: Type.Object({ webhooks: Type.Array(Endpoint) }, { description: 'Every endpoint of the org, oldest first (possibly none)' }), ...ERRORS },
};

export const createWebhookEndpoint = {
  summary: 'Add a webhook endpoint; its signing secret is answered here only (beyond Zoho)',
  tags,
  params: VersionParams,
  body: BODY,
  response: { 201: Write({ id: Type.String(), secret: Type.String({ description: '`whsec_…`: shown once' }) }, 'Created'), ...ERRORS },
};

export const getWebhookEndpoint = { summary: 'Get a webhook endpoint (beyond Zoho)', tags, params: EndpointParams, response: OneResponses('webhooks', Endpoint, 'The endpoint') };

export const updateWebhookEndpoint = {
  summary: 'Change a webhook endpoint: url, events, description, enabled (beyond Zoho)',
  tags,
  params: EndpointParams,
  body: JsonBody('`{"webhooks": [{…}]}` with any of `url`, `events`, `description`, `enabled` (true clears the disabled reason and the failing streak; false fails its pending deliveries)', {
    webhooks: [{ enabled: true }],
  }),
  response: { 200: Write({ id: Type.String() }, 'Saved'), ...ERRORS },
};

export const deleteWebhookEndpoint = {
  summary: 'Delete a webhook endpoint with its delivery log (beyond Zoho)',
  tags,
  params: EndpointParams,
  response: { 200: Write({ id: Type.String() }, 'Deleted'), ...ERRORS },
};

export const rotateWebhookSecret = {
  summary: "Replace a webhook endpoint's signing secret; the new one is answered here only (beyond Zoho)",
  tags,
  params: EndpointParams,
  response: { 200: Write({ id: Type.String(), secret: Type.String() }, 'Rotated'), ...ERRORS },
};

export const listWebhookDeliveries = {
  summary: "A webhook endpoint's delivery log, newest first (beyond Zoho)",
  tags,
  params: EndpointParams,
  querystring: Type.Object({
    state: Type.Optional(QueryValue('`pending`, `delivered` or `failed`')),
    index: Type.Optional(QueryValue('The cursor `info.next_index` of the previous page (default `0`)')),
  }),
  response: {
    200: Type.Object(
      {
        deliveries: Type.Array(Delivery),
        info: OpenObject({ per_page: Type.Integer(), count: Type.Integer(), more_records: Type.Boolean(), next_index: Type.Union([Type.String(), Type.Null()]) }),
      },
      { description: 'A page of the log (possibly empty)' },
    ),
    ...ERRORS,
  },
};

export const getWebhookDelivery = {
  summary: 'One delivery of a webhook endpoint with its body and every attempt (beyond Zoho)',
  tags,
  params: DeliveryParams,
  response: OneResponses('deliveries', OpenObject({ ...Delivery.properties, payload: Type.Unknown(), attempt_log: Type.Array(OpenObject()) }), 'The delivery'),
};

export const sendWebhookAgain = {
  summary: 'Send a delivery again: pending and due now, same body and webhook-id (beyond Zoho)',
  tags,
  params: DeliveryParams,
  response: { 200: Write({ event_id: Type.String(), state: Type.String() }, 'Pending again', 'deliveries'), ...ERRORS },
};
