import { randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';
import type { Database } from '../../src/db/database.js';
import type { SecretBox } from '../../src/secrets.js';
import { insertEndpoint } from '../../src/webhooks/endpoint-repository.js';
import type { WebhookEventType } from '../../src/webhooks/event-types.js';

/** One request the receiver got, verified with the `standardwebhooks` package. */
export type ReceivedWebhook = {
  id: string;
  /** The request's path and query. */
  path: string;
  headers: http.IncomingHttpHeaders;
  body: string;
  /** The parsed body when the signature verified; null when it did not. */
  verified: { type: string; timestamp: string; data: Record<string, any> } | null;
  /** What the receiver answered (null: held, never answered). */
  answered: number | null;
};

/**
 * A local HTTP endpoint that verifies every request with `standardwebhooks` and answers
 * `status` (settable), or holds requests unanswered (`hold`), and can go down and come back on
 * the same port.
 */
export interface WebhookReceiver {
  readonly url: string;
  readonly port: number;
  readonly secret: string;
  readonly received: ReceivedWebhook[];
  status: number;
  hold: boolean;
  /** Delivered = answered 2xx. */
  delivered(): ReceivedWebhook[];
  waitFor(predicate: (r: ReceivedWebhook[]) => boolean, timeoutMs?: number): Promise<void>;
  down(): Promise<void>;
  up(): Promise<void>;
  close(): Promise<void>;
}

export function newSecret(): string {
  return `whsec_${randomBytes(24).toString('base64')}`;
}

export async function startWebhookReceiver(options: { port?: number; secret?: string; path?: string } = {}): Promise<WebhookReceiver> {
  const secret = options.secret ?? newSecret();
  const verifier = new Webhook(secret);
  const received: ReceivedWebhook[] = [];
  const held = new Set<http.ServerResponse>();
  let server: http.Server | null = null;
  let port = options.port ?? 0;
  const sockets = new Set<import('node:net').Socket>();
  const listen = () =>
    new Promise<void>((resolve, reject) => {
      const s = http.createServer((req, res) => {
        const chunks: Buffer[] = [];
        req.on('data', (c: Buffer) => chunks.push(c));
        req.on('end', () => {
          const body = Buffer.concat(chunks).toString('utf8');
          let verified: ReceivedWebhook['verified'] = null;
          try {
            verified = verifier.verify(body, req.headers as Record<string, string>) as ReceivedWebhook['verified'];
          } catch {
            verified = null;
          }
          const entry: ReceivedWebhook = { id: String(req.headers['webhook-id']), path: req.url ?? '', headers: req.headers, body, verified, answered: null };
          received.push(entry);
          if (receiver.hold) {
            held.add(res);
            return;
          }
          entry.answered = receiver.status;
          res.writeHead(receiver.status, { 'content-type': 'text/plain' }).end(receiver.status >= 300 ? 'endpoint says no' : '');
        });
      });
      s.on('connection', (socket) => {
        sockets.add(socket);
        socket.on('close', () => sockets.delete(socket));
      });
      s.once('error', reject);
      s.listen(port, '127.0.0.1', () => {
        port = (s.address() as AddressInfo).port;
        server = s;
        resolve();
      });
    });
  await listen();
  const path = options.path ?? '/hooks/mailroom';
  const receiver: WebhookReceiver = {
    get url() {
      return `http://127.0.0.1:${port}${path}`;
    },
    get port() {
      return port;
    },
    secret,
    received,
    status: 204,
    hold: false,
    delivered: () => received.filter((r) => r.answered !== null && r.answered >= 200 && r.answered < 300),
    async waitFor(predicate, timeoutMs = 15_000) {
      const until = Date.now() + timeoutMs;
      while (!predicate(received)) {
        if (Date.now() > until) throw new Error(`webhook receiver: condition not met in ${timeoutMs} ms (got ${received.map((r) => r.verified?.type ?? r.id).join(', ')})`);
        await new Promise((r) => setTimeout(r, 25));
      }
    },
    async down() {
      const s = server;
      server = null;
      if (!s) return;
      for (const res of held) res.destroy();
      held.clear();
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => s.close(() => resolve()));
    },
    up: listen,
    close() {
      return receiver.down();
    },
  };
  return receiver;
}

/** Registers an endpoint of `orgId` at `url` with `secret` for these event types (as the admin surface does). */
export async function registerEndpoint(
  db: Database,
  secrets: SecretBox,
  input: { orgId: string; url: string; secret: string; eventTypes: WebhookEventType[]; now: number },
): Promise<string> {
  const id = `whe_${randomBytes(6).toString('hex')}`;
  await insertEndpoint(
    db,
    {
      id,
      org_id: input.orgId,
      url: input.url,
      description: null,
      secret: secrets.seal(input.secret),
      event_types: JSON.stringify(input.eventTypes),
      enabled: 1,
      disabled_reason: null,
      disabled_at: null,
      failing_since: null,
      last_success_at: null,
      created_by: null,
      created_at: input.now,
      updated_at: input.now,
    },
    input.eventTypes,
  );
  return id;
}
