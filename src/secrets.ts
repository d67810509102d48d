import { createCipheriv, createDecipheriv, createHmac, hkdfSync, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { decodeKey, type Config } from './config.js';

/**
 * Secrets at rest (users' SMTP passwords): AES-256-GCM with a random 96-bit nonce per value,
 * stored as `v1:<nonce b64>:<tag b64>:<ciphertext b64>`. The key comes from SECRETS_KEY; in the
 * embedded default it is generated once into DATA_DIR/secrets.key (mode 0600).
 */
export interface SecretBox {
  seal(plain: string): string;
  open(sealed: string): string;
  /**
   * An HMAC-SHA-256 (base64url) of `data` under a key derived (HKDF) from the secret key for
   * `purpose` alone, so a MAC made for one purpose never verifies for another.
   */
  mac(purpose: string, data: string): string;
  /** A 32-byte key derived (HKDF-SHA-256) from the secret key with `info`, for one purpose alone. */
  derive(info: string): Buffer;
}

export function createSecretBox(key: Buffer): SecretBox {
  if (key.length !== 32) throw new Error('secret key must be 32 bytes');
  const macKeys = new Map<string, Buffer>();
  const derivedKeys = new Map<string, Buffer>();
  return {
    derive(info) {
      // Asked for on every delivery (the VERP key) and inbound report: derived once per purpose.
      let derived = derivedKeys.get(info);
      if (!derived) {
        derived = Buffer.from(hkdfSync('sha256', key, Buffer.alloc(0), info, 32));
        derivedKeys.set(info, derived);
      }
      return derived;
    },
    mac(purpose, data) {
      let macKey = macKeys.get(purpose);
      if (!macKey) {
        macKey = Buffer.from(hkdfSync('sha256', key, Buffer.alloc(0), `mailroom mac ${purpose}`, 32));
        macKeys.set(purpose, macKey);
      }
      return createHmac('sha256', macKey).update(data, 'utf8').digest('base64url');
    },
    seal(plain) {
      const nonce = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', key, nonce);
      const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
      return `v1:${nonce.toString('base64')}:${cipher.getAuthTag().toString('base64')}:${body.toString('base64')}`;
    },
    open(sealed) {
      const [version, nonce, tag, body] = sealed.split(':');
      if (version !== 'v1' || !nonce || !tag || body === undefined) throw new Error('unknown secret format');
      const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(nonce, 'base64'));
      decipher.setAuthTag(Buffer.from(tag, 'base64'));
      return Buffer.concat([decipher.update(Buffer.from(body, 'base64')), decipher.final()]).toString('utf8');
    },
  };
}

/** The configured key, or the embedded key file (created on first use). */
export function loadSecretKey(config: Pick<Config, 'secretsKey' | 'dataDir'>): Buffer {
  if (config.secretsKey !== null) {
    const key = decodeKey(config.secretsKey);
    if (!key) throw new Error('SECRETS_KEY is not a 32-byte hex or base64 value');
    return key;
  }
  const file = path.join(config.dataDir, 'secrets.key');
  if (!fs.existsSync(file)) {
    fs.mkdirSync(config.dataDir, { recursive: true });
    try {
      fs.writeFileSync(file, randomBytes(32).toString('hex'), { mode: 0o600, flag: 'wx' });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
  }
  const key = decodeKey(fs.readFileSync(file, 'utf8').trim());
  if (!key) throw new Error(`${file} does not hold a 32-byte hex key; remove it only if no SMTP password was stored with it`);
  return key;
}
