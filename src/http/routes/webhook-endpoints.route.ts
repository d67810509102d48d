import type { FastifyPluginAsync } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { Context } from '../../context.js';
import { createWebhookEndpoint } from '../../webhooks/create-webhook-endpoint.js';
import { deleteWebhookEndpoint } from '../../webhooks/delete-webhook-endpoint.js';
import { getWebhookDelivery } from '../../webhooks/get-webhook-delivery.js';
import { getWebhookEndpoint } from '../../webhooks/get-webhook-endpoint.js';
import { listWebhookDeliveries } from '../../webhooks/list-webhook-deliveries.js';
import { listWebhookEndpoints } from '../../webhooks/list-webhook-endpoints.js';
import { rotateWebhookSecret } from '../../webhooks/rotate-webhook-secret.js';
import { sendWebhookAgain } from '../../webhooks/send-webhook-again.js';
import { updateWebhookEndpoint } from '../../webhooks/update-webhook-endpoint.js';
import {
  readWebhookEndpointBody,
  webhookDeliveriesPageJson,
  webhookDeliveryDetailJson,
  webhookEndpointJson,
  webhookWriteJson,
} from '../../wire/webhook-endpoints.js';
import { principalOf } from '../auth-hooks.js';
import * as schemas from '../schemas/webhook-endpoints.js';

const access = (operation: 'READ' | 'CREATE' | 'UPDATE' | 'DELETE') => ({ scopes: [`ZohoCRM.settings.webhooks.${operation}`], admin: true }) as const;
const one = (value: string | string[] | undefined): string | undefined => (Array.isArray(value) ? value[0] : value);

/**
 * Webhook endpoints of the org (beyond Zoho; README "Webhooks"): CRUD, the signing secret's
 * rotation, the delivery log and "send again". Administrators only (the use-cases check it).
 */
export const webhookEndpointRoutes =
  (ctx: Context): FastifyPluginAsync =>
  async (plain) => {
    const fastify = plain.withTypeProvider<TypeBoxTypeProvider>();
    const base = '/crm/:version/settings/webhooks';

    fastify.get(base, { schema: schemas.listWebhookEndpoints, config: access('READ') }, async (request) => {
      const principal = principalOf(request);
      return { webhooks: (await listWebhookEndpoints(ctx, principal)).map((e) => webhookEndpointJson(e, principal.timeZone)) };
    });

    fastify.post(base, { schema: schemas.createWebhookEndpoint, config: access('CREATE') }, async (request, reply) => {
      const { endpoint, secret } = await createWebhookEndpoint(ctx, principalOf(request), () => readWebhookEndpointBody(request.body));
      return reply.status(201).send(webhookWriteJson({ id: endpoint.id, secret }, 'created'));
    });

    fastify.get(`${base}/:id`, { schema: schemas.getWebhookEndpoint, config: access('READ') }, async (request) => {
      const principal = principalOf(request);
      return { webhooks: [webhookEndpointJson(await getWebhookEndpoint(ctx, principal, request.params.id), principal.timeZone)] };
    });

    fastify.put(`${base}/:id`, { schema: schemas.updateWebhookEndpoint, config: access('UPDATE') }, async (request) => {
      const { id } = request.params;
      const endpoint = await updateWebhookEndpoint(ctx, principalOf(request), id, () => readWebhookEndpointBody(request.body, id));
      return webhookWriteJson({ id: endpoint.id }, 'updated');
    });

    fastify.delete(`${base}/:id`, { schema: schemas.deleteWebhookEndpoint, config: access('DELETE') }, async (request) =>
      webhookWriteJson(await deleteWebhookEndpoint(ctx, principalOf(request), request.params.id), 'deleted'),
    );

    fastify.post(`${base}/:id/actions/rotate_secret`, { schema: schemas.rotateWebhookSecret, config: access('UPDATE') }, async (request) => {
      const { endpoint, secret } = await rotateWebhookSecret(ctx, principalOf(request), request.params.id);
      return webhookWriteJson({ id: endpoint.id, secret }, 'secret rotated');
    });

    fastify.get(`${base}/:id/deliveries`, { schema: schemas.listWebhookDeliveries, config: access('READ') }, async (request) => {
      const principal = principalOf(request);
      const state = one(request.query.state);
      const index = one(request.query.index);
      const page = await listWebhookDeliveries(ctx, principal, request.params.id, { ...(state !== undefined ? { state } : {}), ...(index !== undefined ? { index } : {}) });
      return webhookDeliveriesPageJson(page, principal.timeZone, index);
    });

    fastify.get(`${base}/:id/deliveries/:event_id`, { schema: schemas.getWebhookDelivery, config: access('READ') }, async (request) => {
      const principal = principalOf(request);
      const { delivery, attempts } = await getWebhookDelivery(ctx, principal, request.params.id, request.params.event_id);
      return { deliveries: [webhookDeliveryDetailJson(delivery, attempts, principal.timeZone)] };
    });

    fastify.post(`${base}/:id/deliveries/:event_id/actions/send_again`, { schema: schemas.sendWebhookAgain, config: access('UPDATE') }, async (request) => {
      const delivery = await sendWebhookAgain(ctx, principalOf(request), request.params.id, request.params.event_id);
      return { deliveries: [{ code: 'SUCCESS', details: { event_id: delivery.event_id, state: delivery.state }, message: 'webhook delivery scheduled again successfully', status: 'success' }] };
    });
  };
