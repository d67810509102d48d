import https from 'node:https';
import { isSnsCertificateUrl, isSnsUrl } from './ses-sns.js';

/**
 * The outgoing HTTPS requests the SES webhook makes, injectable (`AppOptions.relayHttp`) so tests
 * supply certificates they made and see the confirmations without reaching Amazon:
 * - `fetchSnsCertificate(url)`: the PEM of an SNS signing certificate (the SNS verifier caches it
 *   per URL);
 * - `confirmSnsSubscription(url)`: GET of a verified SubscriptionConfirmation's SubscribeURL, which
 *   confirms the subscription.
 * The default implementation only ever asks SNS hosts (`isSnsCertificateUrl`, `isSnsUrl`: https,
 * default port, `sns.<region>.amazonaws.com`), with a 5 s timeout and 64 KiB of answer at most;
 * redirects are not followed.
 */
export interface RelayHttp {
  fetchSnsCertificate(url: string): Promise<string>;
  confirmSnsSubscription(url: string): Promise<void>;
}

export const RELAY_HTTP_TIMEOUT_MS = 5000;
export const RELAY_HTTP_MAX_BYTES = 64 * 1024;

const PEM_CERTIFICATE = /^-----BEGIN CERTIFICATE-----\r?\n[A-Za-z0-9+/=\r\n]+-----END CERTIFICATE-----\s*$/;

export const systemRelayHttp: RelayHttp = {
  async fetchSnsCertificate(url) {
    if (!isSnsCertificateUrl(url)) throw new Error('not an SNS signing certificate URL');
    const pem = (await httpsGet(url)).trim();
    if (!PEM_CERTIFICATE.test(`${pem}\n`)) throw new Error('the answer is not a PEM certificate');
    return pem;
  },
  async confirmSnsSubscription(url) {
    if (!isSnsUrl(url)) throw new Error('not an SNS URL');
    await httpsGet(url);
  },
};

/** GET over https: the body of a 2xx answer as text; throws on anything else, on a timeout and beyond RELAY_HTTP_MAX_BYTES. */
function httpsGet(url: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const request = https.get(url, { timeout: RELAY_HTTP_TIMEOUT_MS, headers: { accept: '*/*' } }, (response) => {
      const status = response.statusCode ?? 0;
      if (status < 200 || status > 299) {
        response.resume();
        reject(new Error(`HTTP ${status}`));
        return;
      }
      const chunks: Buffer[] = [];
      let size = 0;
      response.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > RELAY_HTTP_MAX_BYTES) {
          request.destroy(new Error('answer too large'));
          return;
        }
        chunks.push(chunk);
      });
      response.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
      response.on('error', reject);
    });
    // `timeout` is the socket's idle time; the whole exchange is bounded too.
    const deadline = setTimeout(() => request.destroy(new Error('timed out')), RELAY_HTTP_TIMEOUT_MS);
    request.on('timeout', () => request.destroy(new Error('timed out')));
    request.on('error', reject);
    request.on('close', () => clearTimeout(deadline));
  });
}
