import { createDkimKey, listDkimKeyViews, removeDkimKey, rotateDkimKey, type DkimAlgorithmOption, type DkimKeyView } from '../dkim/dkim-keys.js';
import { required, resolveOrg, str, UsageError, type Command, type Values } from './command-kit.js';

/** `mailroom dkim …`: an org's DKIM keys (docs/operations.md "DKIM"). */
const algorithmOf = (values: Values): DkimAlgorithmOption | undefined => {
  const value = str(values, 'algorithm');
  if (value === undefined) return undefined;
  if (value !== 'rsa-2048' && value !== 'ed25519') throw new UsageError('--algorithm takes rsa-2048 or ed25519');
  return value;
};
const shown = (key: DkimKeyView) => ({
  id: key.id,
  domain: key.domain,
  selector: key.selector,
  algorithm: key.algorithm,
  created_time: new Date(key.createdAt).toISOString(),
  dns_name: key.dns.name,
  dns_type: key.dns.type,
  dns_value: key.dns.value,
});

export const dkimCommands: Command[] = [
  {
    name: ['dkim', 'create'],
    usage: 'dkim create [--org ID] --domain D [--selector S] [--algorithm rsa-2048|ed25519]',
    summary: "make a DKIM key for a From domain and print the DNS record to publish",
    options: { org: { type: 'string' }, domain: { type: 'string' }, selector: { type: 'string' }, algorithm: { type: 'string' } },
    async run(app, values) {
      const org = await resolveOrg(app, values);
      const selector = str(values, 'selector');
      const algorithm = algorithmOf(values);
      const key = await createDkimKey(app, { orgId: org.id, domain: required(values, 'domain'), ...(selector ? { selector } : {}), ...(algorithm ? { algorithm } : {}) });
      return { ...shown(key), publish: `${key.dns.name}. IN TXT "${key.dns.value}"` };
    },
  },
  {
    name: ['dkim', 'list'],
    usage: 'dkim list [--org ID]',
    summary: "the org's DKIM keys with their DNS records",
    options: { org: { type: 'string' } },
    async run(app, values) {
      const org = await resolveOrg(app, values);
      return { keys: (await listDkimKeyViews(app, org.id)).map(shown) };
    },
  },
  {
    name: ['dkim', 'rotate'],
    usage: 'dkim rotate [--org ID] --domain D [--selector S] [--algorithm rsa-2048|ed25519]',
    summary: 'add a new key beside the current ones (both sign); delete the old one once the new record is live',
    options: { org: { type: 'string' }, domain: { type: 'string' }, selector: { type: 'string' }, algorithm: { type: 'string' } },
    async run(app, values) {
      const org = await resolveOrg(app, values);
      const selector = str(values, 'selector');
      const algorithm = algorithmOf(values);
      const { created, signing } = await rotateDkimKey(app, { orgId: org.id, domain: required(values, 'domain'), ...(selector ? { selector } : {}), ...(algorithm ? { algorithm } : {}) });
      return { created: shown(created), publish: `${created.dns.name}. IN TXT "${created.dns.value}"`, signing: signing.map((k) => k.selector) };
    },
  },
  {
    name: ['dkim', 'delete'],
    usage: 'dkim delete [--org ID] --domain D --selector S',
    summary: 'stop signing with a key and forget it',
    options: { org: { type: 'string' }, domain: { type: 'string' }, selector: { type: 'string' } },
    async run(app, values) {
      const org = await resolveOrg(app, values);
      const domain = required(values, 'domain');
      const selector = required(values, 'selector');
      await removeDkimKey(app, { orgId: org.id, domain, selector });
      return { deleted: true, domain: domain.toLowerCase(), selector };
    },
  },
];
