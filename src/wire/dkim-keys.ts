import type { DkimKeyRequest } from '../dkim/admin-dkim-keys.js';
import type { DkimKeyView } from '../dkim/dkim-keys.js';
import { AppError } from '../errors.js';
import { formatZohoDateTime } from '../time.js';

/**
 * `/crm/{v}/settings/dkim_keys` on the wire (beyond Zoho): `{"dkim_keys": [{"domain": "example.com",
 * "selector": "s1", "algorithm": "rsa-2048" | "ed25519"}]}` (one item; `selector`, `algorithm`
 * optional) in, keys with their DNS record out — never a private key.
 */
export function readDkimKeyRequest(body: unknown): DkimKeyRequest {
  const list = (body as { dkim_keys?: unknown } | undefined)?.dkim_keys;
  if (!Array.isArray(list) || list.length !== 1 || typeof list[0] !== 'object' || list[0] === null) {
    throw new AppError('INVALID_DATA', { details: { api_name: 'dkim_keys', expected_data_type: 'jsonarray', maximum_length: 1 } });
  }
  const item = list[0] as Record<string, unknown>;
  const text = (key: string, required: boolean): string | undefined => {
    const value = item[key];
    if (value === undefined && !required) return undefined;
    if (typeof value !== 'string' || value.length > 253) {
      throw new AppError(value === undefined ? 'MANDATORY_NOT_FOUND' : 'INVALID_DATA', { details: { api_name: key, json_path: `$.dkim_keys[0].${key}` } });
    }
    return value;
  };
  const selector = text('selector', false);
  const algorithm = text('algorithm', false);
  if (algorithm !== undefined && algorithm !== 'rsa-2048' && algorithm !== 'ed25519') {
    throw new AppError('INVALID_DATA', { details: { api_name: 'algorithm', json_path: '$.dkim_keys[0].algorithm', supported_values: ['rsa-2048', 'ed25519'] } });
  }
  return { domain: text('domain', true)!, ...(selector !== undefined ? { selector } : {}), ...(algorithm !== undefined ? { algorithm } : {}) };
}

export function dkimKeyJson(key: DkimKeyView, timeZone: string): Record<string, unknown> {
  return { id: key.id, domain: key.domain, selector: key.selector, algorithm: key.algorithm, created_time: formatZohoDateTime(key.createdAt, timeZone), dns: key.dns };
}

export function dkimKeyWritten(message: string, details: Record<string, unknown>): { dkim_keys: Record<string, unknown>[] } {
  return { dkim_keys: [{ code: 'SUCCESS', details, message, status: 'success' }] };
}
