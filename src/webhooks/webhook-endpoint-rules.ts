import { randomBytes } from 'node:crypto';
import type { Config } from '../config.js';
import { isForbiddenAddress, parseSmtpHost } from '../delivery/smtp-host-guard.js';
import { AppError } from '../errors.js';
import { isWebhookEventType, WEBHOOK_EVENT_TYPES, type WebhookEventType } from './event-types.js';

/**
 * The rules of a webhook endpoint, shared by the create and update use-cases (API, CLI and web UI
 * alike; README "Webhooks"). Every check runs before anything is written.
 */

/** Endpoints per org. Each event is one outbox row per subscribed endpoint: ten bounds that fan-out. */
export const MAX_WEBHOOK_ENDPOINTS = 10;
export const MAX_WEBHOOK_URL_LENGTH = 2048;
export const MAX_WEBHOOK_DESCRIPTION_LENGTH = 255;
/** `["*"]`: every event type there is when the endpoint is saved (stored as given, subscribed type by type). */
export const ALL_EVENT_TYPES = '*';

/** What an admin gives for an endpoint: read from the API body, the CLI's options or the UI's form. */
export type WebhookEndpointInput = Readonly<{
  url?: string;
  description?: string | null;
  events?: readonly string[];
  enabled?: boolean;
}>;

const where = (key: string) => ({ api_name: key, json_path: `$.webhooks[0].${key}` });
const invalid = (key: string, reason: string, extra: Record<string, unknown> = {}) => new AppError('INVALID_DATA', { details: { ...where(key), reason, ...extra } });

/** Private hosts (and http) are allowed when WEBHOOK_ALLOW_PRIVATE_HOSTS or SMTP_ALLOW_PRIVATE_HOSTS is on, as for the sender. */
export function privateWebhookHostsAllowed(config: Config): boolean {
  return config.webhooks.allowPrivateHosts;
}

/**
 * An absolute `https://` URL (http only with private hosts allowed: a receiver on the same
 * network, the tests'), at most 2048 characters, without user name or password, whose host is
 * not `localhost` nor an IP address that is not public (src/delivery/smtp-host-guard.ts) unless
 * private hosts are allowed. A host name is resolved, and refused if it resolves to a private
 * address, by the sender at every attempt; here only what the URL itself says is judged.
 * Answers the URL as the URL parser writes it.
 */
export function checkWebhookUrl(value: string | undefined, allowPrivate: boolean): string {
  if (value === undefined || value.trim() === '') throw new AppError('MANDATORY_NOT_FOUND', { details: where('url') });
  const text = value.trim();
  if (text.length > MAX_WEBHOOK_URL_LENGTH) throw invalid('url', `the URL is longer than ${MAX_WEBHOOK_URL_LENGTH} characters`, { maximum_length: MAX_WEBHOOK_URL_LENGTH });
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw invalid('url', 'it is not an absolute URL');
  }
  if (url.protocol !== 'https:' && !(allowPrivate && url.protocol === 'http:')) throw invalid('url', 'the URL must start with https://');
  if (url.username !== '' || url.password !== '') throw invalid('url', 'the URL must not carry a user name or password');
  if (url.hash !== '') throw invalid('url', 'the URL must not have a fragment (#…)');
  const host = parseSmtpHost(url.hostname);
  if (host === null) throw invalid('url', 'the host is not a valid name or address');
  if (!allowPrivate) {
    const forbidden = host.kind === 'address' ? isForbiddenAddress(host.address) : host.name === 'localhost' || host.name.endsWith('.localhost');
    if (forbidden) throw new AppError('WEBHOOK_URL_NOT_ALLOWED', { details: where('url') });
  }
  const written = url.toString();
  if (written.length > MAX_WEBHOOK_URL_LENGTH) throw invalid('url', `the URL is longer than ${MAX_WEBHOOK_URL_LENGTH} characters`, { maximum_length: MAX_WEBHOOK_URL_LENGTH });
  return written;
}

/**
 * A non-empty list of event types (src/webhooks/event-types.ts), or `["*"]` alone for all of
 * them; duplicates are dropped. Answers what is stored (`given`) and what is subscribed (`types`).
 */
export function checkEventTypes(value: readonly string[] | undefined): { given: string[]; types: WebhookEventType[] } {
  if (value === undefined || value.length === 0) throw new AppError('MANDATORY_NOT_FOUND', { details: where('events') });
  const given = [...new Set(value.map((v) => v.trim()))];
  if (given.includes(ALL_EVENT_TYPES)) {
    if (given.length > 1) throw invalid('events', '"*" (every event type) stands alone', { supported_values: [ALL_EVENT_TYPES, ...WEBHOOK_EVENT_TYPES] });
    return { given, types: [...WEBHOOK_EVENT_TYPES] };
  }
  const unknown = given.find((type) => !isWebhookEventType(type));
  if (unknown !== undefined) throw invalid('events', `unknown event type ${JSON.stringify(unknown)}`, { supported_values: [ALL_EVENT_TYPES, ...WEBHOOK_EVENT_TYPES] });
  return { given, types: given as WebhookEventType[] };
}

/** Up to 255 characters; empty is none. */
export function checkDescription(value: string | null | undefined): string | null {
  if (value === undefined || value === null) return null;
  const text = value.trim();
  if (text.length > MAX_WEBHOOK_DESCRIPTION_LENGTH) {
    throw invalid('description', `the description is longer than ${MAX_WEBHOOK_DESCRIPTION_LENGTH} characters`, { maximum_length: MAX_WEBHOOK_DESCRIPTION_LENGTH });
  }
  return text === '' ? null : text;
}

/** A Standard Webhooks signing secret: `whsec_` and the base64 of 24 random bytes. */
export function newWebhookSecret(): string {
  return `whsec_${randomBytes(24).toString('base64')}`;
}

/** The event types an endpoint's `event_types` column lists. */
export function storedEventTypes(column: string): string[] {
  try {
    const parsed: unknown = JSON.parse(column);
    return Array.isArray(parsed) ? parsed.filter((v): v is string => typeof v === 'string') : [];
  } catch {
    return [];
  }
}

/** Endpoint ids are Mailroom ids (19 digits; tests' rows may use other short tokens); anything longer or with other characters names no endpoint. */
export const isEndpointId = (id: string): boolean => /^[A-Za-z0-9_-]{1,64}$/.test(id);
