import { Type } from 'typebox';
import { ERRORS, ZohoError } from './common.js';

/** Relay event webhooks (docs/bounces.md#relay-webhooks): outside `/crm`, authenticated by the relay's signature. */
const tags = ['Relay webhooks'];

const Counts = Type.Object(
  {
    status: Type.Literal('ok'),
    applied: Type.Integer({ description: 'Events applied to a recipient of ours (bounced, deferred, delivered, complained)' }),
    replayed: Type.Integer({ description: 'Events already applied before: nothing changed' }),
    unmatched: Type.Integer({ description: 'Events about no mail or recipient of ours: ignored' }),
  },
  { additionalProperties: false, description: 'The request was verified and its events handled' },
);

// The raw bytes are what the relay signed: the route reads them as they arrived (no JSON parsing before the signature is checked).
const rawBody = (description: string) => Type.Unsafe<unknown>({ description });

// 400 `INVALID_DATA`: signed, but not the JSON the relay sends; 403 `INVALID_SIGNATURE`: missing or bad
// signature, another topic, a stale timestamp (nothing changed); 404 `INVALID_URL_PATTERN`: the relay is not configured.
const refusals = { 400: ZohoError, 403: ZohoError, 404: ZohoError };

export const ses = {
  summary: 'Amazon SES events through Amazon SNS',
  description:
    'The HTTPS subscription endpoint of the SNS topics in `SES_SNS_TOPIC_ARNS`. Every message\'s signature is checked against its SNS signing certificate; a SubscriptionConfirmation of a configured topic is confirmed (GET of its SubscribeURL); a Notification\'s SES Bounce, Complaint, Delivery and DeliveryDelay events are applied to the recipients they name (by the VERP envelope sender or the Message-ID), idempotently.',
  tags,
  body: { content: { 'text/plain': { schema: rawBody('The SNS message (JSON, sent as text/plain)') }, 'application/json': { schema: rawBody('The SNS message') } } },
  response: { 200: Counts, ...refusals, ...ERRORS },
};

export const sendgrid = {
  summary: "SendGrid's signed Event Webhook",
  description:
    'The Event Webhook URL with signature verification on: `X-Twilio-Email-Event-Webhook-Signature` over `X-Twilio-Email-Event-Webhook-Timestamp` + the raw body, against `SENDGRID_WEBHOOK_PUBLIC_KEY`; timestamps more than 10 minutes off are refused. bounce, dropped, deferred, delivered and spamreport events are applied to the recipients they name (by `smtp-id`, our Message-ID), idempotently (`sg_event_id`); other events are ignored.',
  tags,
  headers: Type.Object({
    'x-twilio-email-event-webhook-signature': Type.Optional(Type.String({ description: 'base64 DER ECDSA signature' })),
    'x-twilio-email-event-webhook-timestamp': Type.Optional(Type.String({ description: 'seconds since the epoch' })),
  }),
  body: { content: { 'application/json': { schema: rawBody('The array of events') } } },
  response: { 200: Counts, ...refusals, ...ERRORS },
};
