import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { Context } from '../../context.js';
import { AppError } from '../../errors.js';
import { receiveRelayEvents, type RelayEventCounts } from '../../bounces/receive-relay-events.js';
import { parseSendgridEvents, SENDGRID_SIGNATURE_HEADER, SENDGRID_TIMESTAMP_HEADER, sendgridPublicKey, verifySendgridSignature } from '../../bounces/sendgrid.js';
import { createSnsVerifier, parseSesNotification, verifySnsMessage } from '../../bounces/ses-sns.js';
import { createWindowLimiter } from '../window-limiter.js';
import * as schemas from '../schemas/webhooks.js';

/** Largest webhook body: SendGrid batches events (its own limit is well under this), SNS messages are ≤ 256 KiB. */
export const WEBHOOK_BODY_LIMIT = 1024 * 1024;
/** Requests per client address, relay and minute (per process): a relay's retries and batches, not a flood. */
const PER_CLIENT = { max: 600, windowMs: 60_000, maxKeys: 10_000 };

const SNS_TYPES = new Set(['Notification', 'SubscriptionConfirmation', 'UnsubscribeConfirmation']);

/**
 * `POST /webhooks/ses` (Amazon SES through SNS) and `POST /webhooks/sendgrid` (SendGrid's signed
 * Event Webhook), outside `/crm`: no OAuth token — the relay's signature is the credential
 * (docs/bounces.md#relay-webhooks). The body is read as raw bytes (SendGrid signs the exact bytes;
 * SNS posts JSON as text/plain) by this plugin's own parser, up to WEBHOOK_BODY_LIMIT, and nothing
 * in it is believed before the signature verifies. A relay that is not configured answers 404 like
 * any unknown URL. Payloads are never logged: only the relay, counts and refusal reasons.
 */
export const webhookRoutes =
  (ctx: Context): FastifyPluginAsync =>
  async (plain) => {
    const fastify = plain.withTypeProvider<TypeBoxTypeProvider>();
    fastify.removeAllContentTypeParsers();
    fastify.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: WEBHOOK_BODY_LIMIT }, (_request, body, done) => done(null, body));

    const limiter = createWindowLimiter(PER_CLIENT);
    const throttle = (relay: string, request: FastifyRequest, reply: FastifyReply): void => {
      const waitMs = limiter.take(`${relay} ${request.ip}`, ctx.clock.now());
      if (waitMs === 0) return;
      reply.header('retry-after', String(Math.ceil(waitMs / 1000)));
      throw new AppError('WEBHOOK_RATE_LIMITED');
    };
    const refuse = (relay: string, reason: string): never => {
      ctx.log.warn({ event: 'webhook.refused', relay, reason }, 'relay webhook request refused');
      throw new AppError('WEBHOOK_SIGNATURE_INVALID', { details: { reason } });
    };
    const malformed = (relay: string, reason: string): never => {
      ctx.log.warn({ event: 'webhook.malformed', relay, reason }, 'relay webhook body not understood');
      throw new AppError('WEBHOOK_BODY_INVALID', { details: { reason } });
    };
    const answer = (counts: RelayEventCounts) => ({ status: 'ok' as const, ...counts });
    const none: RelayEventCounts = { applied: 0, replayed: 0, unmatched: 0 };

    // ---- Amazon SES through SNS -------------------------------------------------------------
    const topics = new Set(ctx.config.sesSnsTopicArns);
    const sns = createSnsVerifier({ fetchCertificate: (url) => ctx.relayHttp.fetchSnsCertificate(url), now: () => ctx.clock.now() });

    fastify.post('/webhooks/ses', { schema: schemas.ses }, async (request, reply) => {
      if (topics.size === 0) throw new AppError('INVALID_URL_PATTERN');
      throttle('ses', request, reply);
      const raw = rawOf(request.body);
      const envelope = jsonObject(raw);
      if (!envelope || typeof envelope.Type !== 'string' || !SNS_TYPES.has(envelope.Type)) return malformed('ses', 'not an SNS message');
      // Cheap first: a foreign topic is refused before any certificate is fetched (checked again once verified).
      if (typeof envelope.TopicArn !== 'string' || !topics.has(envelope.TopicArn)) return refuse('ses', 'topic not in SES_SNS_TOPIC_ARNS');
      const verified = await verifySnsMessage(raw, sns);
      if (!verified.ok) return refuse('ses', verified.reason);
      const message = verified.message;
      if (!topics.has(message.topicArn)) return refuse('ses', 'topic not in SES_SNS_TOPIC_ARNS');
      if (message.type === 'subscription-confirmation') {
        try {
          await ctx.relayHttp.confirmSnsSubscription(message.subscribeUrl);
        } catch (error) {
          ctx.log.warn({ event: 'webhook.ses.confirm_failed', topic_arn: message.topicArn, err: error }, 'SNS subscription confirmation failed');
          throw new AppError('SERVICE_UNAVAILABLE', { cause: error });
        }
        ctx.log.info({ event: 'webhook.ses.subscribed', topic_arn: message.topicArn }, 'SNS subscription confirmed');
        return answer(none);
      }
      if (message.type === 'unsubscribe-confirmation') {
        ctx.log.info({ event: 'webhook.ses.unsubscribed', topic_arn: message.topicArn }, 'SNS subscription ended');
        return answer(none);
      }
      const parsed = parseSesNotification(message.message);
      if (!parsed.ok) return malformed('ses', parsed.reason);
      const counts = await receiveRelayEvents(ctx, parsed.events);
      ctx.log.info({ event: 'webhook.received', relay: 'ses', ...counts }, 'relay events received');
      return answer(counts);
    });

    // ---- SendGrid -----------------------------------------------------------------------------
    const sendgridKey = ctx.config.sendgridWebhookPublicKey === null ? null : sendgridPublicKey(ctx.config.sendgridWebhookPublicKey);

    fastify.post('/webhooks/sendgrid', { schema: schemas.sendgrid }, async (request, reply) => {
      if (sendgridKey === null) throw new AppError('INVALID_URL_PATTERN');
      throttle('sendgrid', request, reply);
      const raw = rawOf(request.body);
      const verified = verifySendgridSignature({
        publicKey: sendgridKey,
        signature: headerOf(request, SENDGRID_SIGNATURE_HEADER),
        timestamp: headerOf(request, SENDGRID_TIMESTAMP_HEADER),
        rawBody: raw,
        now: ctx.clock.now(),
      });
      if (!verified.ok) return refuse('sendgrid', verified.reason);
      const parsed = parseSendgridEvents(raw);
      if (!parsed.ok) return malformed('sendgrid', parsed.reason);
      const counts = await receiveRelayEvents(ctx, parsed.events);
      ctx.log.info({ event: 'webhook.received', relay: 'sendgrid', ignored: parsed.ignored, ...counts }, 'relay events received');
      return answer(counts);
    });
  };

function rawOf(body: unknown): Buffer {
  return Buffer.isBuffer(body) ? body : Buffer.alloc(0);
}

function headerOf(request: FastifyRequest, name: string): string | undefined {
  const value = request.headers[name];
  return typeof value === 'string' ? value : undefined;
}

function jsonObject(raw: Buffer): Record<string, unknown> | null {
  try {
    const value: unknown = JSON.parse(raw.toString('utf8'));
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}
