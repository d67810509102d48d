import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { Session } from '../../auth/web-sessions.js';
import type { Context } from '../../context.js';
import { isAppError, type AppError } from '../../errors.js';
import { pathOf } from '../../html/template.js';
import { renderWebhookDeliveries, renderWebhooks, type WebhookForm } from '../../ui/render-webhook-pages.js';
import type { FieldErrors } from '../../ui/render-settings-pages.js';
import { createWebhookEndpoint } from '../../webhooks/create-webhook-endpoint.js';
import { deleteWebhookEndpoint } from '../../webhooks/delete-webhook-endpoint.js';
import { listWebhookDeliveries } from '../../webhooks/list-webhook-deliveries.js';
import { listWebhookEndpoints } from '../../webhooks/list-webhook-endpoints.js';
import { rotateWebhookSecret } from '../../webhooks/rotate-webhook-secret.js';
import { sendWebhookAgain } from '../../webhooks/send-webhook-again.js';
import { updateWebhookEndpoint } from '../../webhooks/update-webhook-endpoint.js';
import { MAX_WEBHOOK_ENDPOINTS } from '../../webhooks/webhook-endpoint-rules.js';
import { webhookDeliveryJson, webhookEndpointJson } from '../../wire/webhook-endpoints.js';
import type { DeliveryView, EndpointView } from '../../ui/render-webhook-pages.js';
import * as schemas from '../schemas/web-ui.js';

type Helpers = {
  send: (reply: FastifyReply, html: string, status?: number) => FastifyReply;
  sessionOf: (request: FastifyRequest) => Session;
};

const NOTICES: Record<string, string> = {
  enabled: 'The endpoint is enabled: new events are sent to it again.',
  disabled: 'The endpoint is disabled: its pending deliveries were marked failed and no new events are sent to it.',
  deleted: 'The endpoint and its delivery log were deleted.',
  sent_again: 'The delivery is pending again and will be sent shortly.',
};
const noticeOf = (request: FastifyRequest): string | null => {
  const key = (request.query as { notice?: unknown }).notice;
  return typeof key === 'string' ? (NOTICES[key] ?? null) : null;
};
const field = (body: unknown, key: string): string => {
  const value = (body as Record<string, unknown> | undefined)?.[key];
  return typeof value === 'string' ? value : '';
};
const list = (body: unknown, key: string): string[] => {
  const value = (body as Record<string, unknown> | undefined)?.[key];
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : typeof value === 'string' ? [value] : [];
};
const one = (value: unknown): string | undefined => (Array.isArray(value) ? (value[0] as string | undefined) : typeof value === 'string' ? value : undefined);

/** A use-case's refusal on the form field its `api_name` names (else over the whole form). */
function formErrors(error: AppError): FieldErrors {
  const name = typeof error.details.api_name === 'string' ? error.details.api_name : '';
  const reason = typeof error.details.reason === 'string' ? `: ${error.details.reason}` : '';
  const key = ['url', 'description', 'events'].includes(name) ? name : 'form';
  return { [key]: `${error.message}${reason}` };
}

/**
 * Settings › Webhooks of the web UI (under the session and CSRF checks of ui.route.ts): thin
 * handlers over the webhook use-cases, which refuse anyone but an Administrator (ADMIN_ONLY: the
 * UI's error page).
 */
export const webhookUiRoutes =
  (ctx: Context, { send, sessionOf }: Helpers): FastifyPluginAsync =>
  async (plain) => {
    const app = plain.withTypeProvider<TypeBoxTypeProvider>();
    const listPage = async (
      session: Session,
      extra: { form?: WebhookForm; errors?: FieldErrors; notice?: string | null; secret?: { endpointId: string; url: string; secret: string } | null } = {},
    ) => {
      const endpoints = (await listWebhookEndpoints(ctx, session.principal)).map((e) => webhookEndpointJson(e, session.principal.timeZone) as unknown as EndpointView);
      return renderWebhooks(session, {
        endpoints,
        form: extra.form ?? { url: '', description: '', events: [] },
        errors: extra.errors ?? {},
        notice: extra.notice ?? null,
        secret: extra.secret ?? null,
        max: MAX_WEBHOOK_ENDPOINTS,
      });
    };
    const endpointPath = (id: string) => pathOf('ui', 'settings', 'webhooks', id);

    app.get('/ui/settings/webhooks', { schema: schemas.webhooks }, async (request, reply) =>
      send(reply, await listPage(sessionOf(request), { notice: noticeOf(request) })),
    );

    // The answer shows the new secret, once: a page, not a redirect (the secret never goes in a URL).
    app.post('/ui/settings/webhooks', { schema: schemas.createWebhook }, async (request, reply) => {
      const session = sessionOf(request);
      const form: WebhookForm = { url: field(request.body, 'url').trim(), description: field(request.body, 'description'), events: list(request.body, 'events') };
      try {
        const { endpoint, secret } = await createWebhookEndpoint(ctx, session.principal, () => ({ url: form.url, description: form.description, events: form.events }));
        return send(reply, await listPage(session, { notice: 'The endpoint was added.', secret: { endpointId: endpoint.id, url: endpoint.url, secret } }), 201);
      } catch (error) {
        if (isAppError(error) && error.code !== 'ADMIN_ONLY') return send(reply, await listPage(session, { form, errors: formErrors(error) }), error.spec.status);
        throw error;
      }
    });

    app.post('/ui/settings/webhooks/:id/enabled', { schema: schemas.setWebhookEnabled }, async (request, reply) => {
      const session = sessionOf(request);
      const value = field(request.body, 'enabled');
      if (value !== 'true' && value !== 'false') return send(reply, await listPage(session, { errors: { form: 'Choose enable or disable.' } }), 400);
      await updateWebhookEndpoint(ctx, session.principal, request.params.id, () => ({ enabled: value === 'true' }));
      return reply.redirect(`/ui/settings/webhooks?notice=${value === 'true' ? 'enabled' : 'disabled'}`, 303);
    });

    app.post('/ui/settings/webhooks/:id/rotate-secret', { schema: schemas.rotateWebhookSecret }, async (request, reply) => {
      const session = sessionOf(request);
      const { endpoint, secret } = await rotateWebhookSecret(ctx, session.principal, request.params.id);
      return send(reply, await listPage(session, { notice: 'The signing secret was replaced.', secret: { endpointId: endpoint.id, url: endpoint.url, secret } }));
    });

    app.post('/ui/settings/webhooks/:id/delete', { schema: schemas.deleteWebhook }, async (request, reply) => {
      await deleteWebhookEndpoint(ctx, sessionOf(request).principal, request.params.id);
      return reply.redirect('/ui/settings/webhooks?notice=deleted', 303);
    });

    const deliveriesPage = async (session: Session, id: string, query: { state?: string; index?: string }, notice: string | null, error: string | null) => {
      const page = await listWebhookDeliveries(ctx, session.principal, id, query);
      const timeZone = session.principal.timeZone;
      return renderWebhookDeliveries(session, {
        endpoint: webhookEndpointJson(page.endpoint, timeZone) as unknown as EndpointView,
        deliveries: page.deliveries.map((d) => webhookDeliveryJson(d, timeZone) as unknown as DeliveryView),
        state: query.state ?? null,
        nextIndex: page.nextIndex,
        notice,
        error,
      });
    };

    app.get('/ui/settings/webhooks/:id', { schema: schemas.webhookDeliveries }, async (request, reply) => {
      const state = one(request.query.state);
      const index = one(request.query.index);
      const query = { ...(state ? { state } : {}), ...(index ? { index } : {}) };
      return send(reply, await deliveriesPage(sessionOf(request), request.params.id, query, noticeOf(request), null));
    });

    app.post('/ui/settings/webhooks/:id/deliveries/:eventId/send-again', { schema: schemas.sendWebhookAgain }, async (request, reply) => {
      const session = sessionOf(request);
      const { id, eventId } = request.params;
      try {
        await sendWebhookAgain(ctx, session.principal, id, eventId);
      } catch (error) {
        if (isAppError(error) && error.code === 'WEBHOOK_DISABLED') return send(reply, await deliveriesPage(session, id, {}, null, error.message), 400);
        throw error;
      }
      return reply.redirect(`${endpointPath(id)}?notice=sent_again`, 303);
    });
  };
