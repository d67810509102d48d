import type { App } from '../app.js';
import { createWebhookEndpoint } from '../webhooks/create-webhook-endpoint.js';
import { deleteWebhookEndpoint } from '../webhooks/delete-webhook-endpoint.js';
import { getWebhookDelivery } from '../webhooks/get-webhook-delivery.js';
import { DELIVERY_STATES, listWebhookDeliveries } from '../webhooks/list-webhook-deliveries.js';
import { listWebhookEndpoints } from '../webhooks/list-webhook-endpoints.js';
import { rotateWebhookSecret } from '../webhooks/rotate-webhook-secret.js';
import { sendWebhookAgain } from '../webhooks/send-webhook-again.js';
import { updateWebhookEndpoint } from '../webhooks/update-webhook-endpoint.js';
import type { WebhookEndpointInput } from '../webhooks/webhook-endpoint-rules.js';
import { webhookDeliveryDetailJson, webhookDeliveryJson, webhookEndpointJson } from '../wire/webhook-endpoints.js';
import type { Principal } from '../context.js';
import { AppError } from '../errors.js';
import { listUsers } from '../users/user-repository.js';
import { required, resolveOrg, str, UsageError, type Command, type Values } from './command-kit.js';

/**
 * `mailroom webhook …` (README "Webhooks", docs/cli.md): the org's webhook endpoints through the
 * same use-cases as `/crm/{v}/settings/webhooks`, acting as the org's first administrator (or
 * `--user`). Endpoint and event ids are positional (`--id` works too).
 */

/** `--events a,b` (commas or spaces). */
const events = (values: Values): string[] | undefined => {
  const value = str(values, 'events');
  return value === undefined ? undefined : value.split(/[\s,]+/).filter((e) => e.length > 0);
};

const endpointId = (values: Values): string => {
  const id = str(values, 'endpoint') ?? str(values, 'id');
  if (id === undefined || id.trim() === '') throw new UsageError('the webhook id is required');
  return id;
};

const eventId = (values: Values): string => {
  const id = str(values, 'event');
  if (id === undefined || id.trim() === '') throw new UsageError('the event id is required');
  return id;
};

/** The org (`--org`, else the first) and who acts: `--user ID|EMAIL`, else its first administrator (the use-cases refuse anyone else). */
async function caller(app: App, values: Values) {
  const org = await resolveOrg(app, { org: str(values, 'org') });
  const ref = str(values, 'user');
  const users = await listUsers(app.db, org.id);
  const user = ref === undefined ? users.find((u) => u.profile === 'admin') : users.find((u) => u.id === ref || u.email.toLowerCase() === ref.toLowerCase());
  if (!user) throw new AppError('NOT_FOUND', { details: { api_name: 'user', id: ref ?? null } });
  const principal: Principal = { orgId: org.id, userId: user.id, scopes: [], timeZone: org.time_zone };
  return { org, principal };
}

const ORG = { org: { type: 'string' }, user: { type: 'string' } } as const;

export const WEBHOOK_COMMANDS: Command[] = [
  {
    name: ['webhook', 'create'],
    usage: 'webhook create [--org ID] --url U --events a,b|* [--description D] [--disabled]',
    summary: 'add a webhook endpoint; prints its id and signing secret (shown once)',
    options: { ...ORG, url: { type: 'string' }, events: { type: 'string' }, description: { type: 'string' }, disabled: { type: 'boolean' } },
    async run(app, values) {
      const { org, principal } = await caller(app, values);
      required(values, 'url');
      required(values, 'events');
      const description = str(values, 'description');
      const input: WebhookEndpointInput = {
        url: str(values, 'url')!,
        events: events(values)!,
        ...(description !== undefined ? { description } : {}),
        ...(values.disabled === true ? { enabled: false } : {}),
      };
      const { endpoint, secret } = await createWebhookEndpoint(app, principal, () => input);
      return { id: endpoint.id, secret, ...webhookEndpointJson(endpoint, org.time_zone) };
    },
  },
  {
    name: ['webhook', 'list'],
    usage: 'webhook list [--org ID]',
    summary: "list an org's webhook endpoints (state, disabled reason; never the secrets)",
    options: ORG,
    async run(app, values) {
      const { org, principal } = await caller(app, values);
      const endpoints = (await listWebhookEndpoints(app, principal)).map((e) => webhookEndpointJson(e, org.time_zone));
      return { webhooks: endpoints, count: endpoints.length };
    },
  },
  {
    name: ['webhook', 'update'],
    usage: 'webhook update ID [--org ID] [--url U] [--events a,b|*] [--description D] [--enable | --disable]',
    summary: 'change a webhook endpoint; --enable clears its disabled reason, --disable fails its pending deliveries',
    options: { ...ORG, id: { type: 'string' }, url: { type: 'string' }, events: { type: 'string' }, description: { type: 'string' }, enable: { type: 'boolean' }, disable: { type: 'boolean' } },
    positionals: ['endpoint'],
    async run(app, values) {
      const id = endpointId(values);
      if (values.enable === true && values.disable === true) throw new UsageError('give --enable or --disable, not both');
      const url = str(values, 'url');
      const list = events(values);
      const description = str(values, 'description');
      const input: WebhookEndpointInput = {
        ...(url !== undefined ? { url } : {}),
        ...(list !== undefined ? { events: list } : {}),
        ...(description !== undefined ? { description } : {}),
        ...(values.enable === true ? { enabled: true } : values.disable === true ? { enabled: false } : {}),
      };
      if (Object.keys(input).length === 0) throw new UsageError('nothing to change: give --url, --events, --description, --enable or --disable');
      const { org, principal } = await caller(app, values);
      return webhookEndpointJson(await updateWebhookEndpoint(app, principal, id, () => input), org.time_zone);
    },
  },
  {
    name: ['webhook', 'delete'],
    usage: 'webhook delete ID [--org ID]',
    summary: 'delete a webhook endpoint with its delivery log',
    options: { ...ORG, id: { type: 'string' } },
    positionals: ['endpoint'],
    async run(app, values) {
      const id = endpointId(values);
      const { principal } = await caller(app, values);
      await deleteWebhookEndpoint(app, principal, id);
      return { id, deleted: true };
    },
  },
  {
    name: ['webhook', 'rotate-secret'],
    usage: 'webhook rotate-secret ID [--org ID]',
    summary: "replace a webhook endpoint's signing secret; prints the new one (shown once)",
    options: { ...ORG, id: { type: 'string' } },
    positionals: ['endpoint'],
    async run(app, values) {
      const id = endpointId(values);
      const { principal } = await caller(app, values);
      const { endpoint, secret } = await rotateWebhookSecret(app, principal, id);
      return { id: endpoint.id, secret };
    },
  },
  {
    name: ['webhook', 'deliveries'],
    usage: 'webhook deliveries ID [--org ID] [--state pending|delivered|failed] [--index EVENT_ID]',
    summary: "a webhook endpoint's delivery log, newest first (50 a page)",
    options: { ...ORG, id: { type: 'string' }, state: { type: 'string' }, index: { type: 'string' } },
    positionals: ['endpoint'],
    async run(app, values) {
      const id = endpointId(values);
      const state = str(values, 'state');
      if (state !== undefined && !(DELIVERY_STATES as readonly string[]).includes(state)) throw new UsageError(`--state takes ${DELIVERY_STATES.join(', ')}`);
      const index = str(values, 'index');
      const { org, principal } = await caller(app, values);
      const page = await listWebhookDeliveries(app, principal, id, { ...(state !== undefined ? { state } : {}), ...(index !== undefined ? { index } : {}) });
      return { deliveries: page.deliveries.map((d) => webhookDeliveryJson(d, org.time_zone)), count: page.deliveries.length, next_index: page.nextIndex };
    },
  },
  {
    name: ['webhook', 'delivery'],
    usage: 'webhook delivery ID EVENT_ID [--org ID]',
    summary: 'one delivery of a webhook endpoint with its body and every attempt',
    options: ORG,
    positionals: ['endpoint', 'event'],
    async run(app, values) {
      const id = endpointId(values);
      const event = eventId(values);
      const { org, principal } = await caller(app, values);
      const { delivery, attempts } = await getWebhookDelivery(app, principal, id, event);
      return { delivery: webhookDeliveryDetailJson(delivery, attempts, org.time_zone) };
    },
  },
  {
    name: ['webhook', 'send-again'],
    usage: 'webhook send-again ID EVENT_ID [--org ID]',
    summary: 'send a delivery again (pending, due now, same body and webhook-id); refused while the endpoint is disabled',
    options: ORG,
    positionals: ['endpoint', 'event'],
    async run(app, values) {
      const id = endpointId(values);
      const event = eventId(values);
      const { principal } = await caller(app, values);
      const delivery = await sendWebhookAgain(app, principal, id, event);
      return { event_id: delivery.event_id, state: delivery.state };
    },
  },
];
