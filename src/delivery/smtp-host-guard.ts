import { lookup } from 'node:dns/promises';
import { BlockList, isIP } from 'node:net';

/**
 * SSRF guard for users' own SMTP servers (reliability.md b.7): a host that resolves to loopback,
 * private, link-local, CGNAT or metadata addresses is refused unless the operator allows it
 * (SMTP_ALLOW_PRIVATE_HOSTS=true, e.g. for a relay on the same network or for tests).
 */
const blocked = new BlockList();
for (const [net, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.168.0.0', 16],
  ['224.0.0.0', 4],
] as const) {
  blocked.addSubnet(net, prefix, 'ipv4');
}
for (const [net, prefix] of [
  ['::', 128],
  ['::1', 128],
  ['fc00::', 7],
  ['fe80::', 10],
  ['ff00::', 8],
] as const) {
  blocked.addSubnet(net, prefix, 'ipv6');
}

export function isPrivateAddress(ip: string): boolean {
  const family = isIP(ip);
  if (family === 4) return blocked.check(ip, 'ipv4');
  if (family === 6) {
    const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip);
    return mapped ? blocked.check(mapped[1]!, 'ipv4') : blocked.check(ip, 'ipv6');
  }
  return true;
}

/** Resolves `host` and returns a reason to refuse it, or null when every address is public. */
export async function checkSmtpHost(host: string, allowPrivate: boolean): Promise<string | null> {
  if (allowPrivate) return null;
  let addresses: { address: string }[];
  try {
    addresses = isIP(host) ? [{ address: host }] : await lookup(host, { all: true });
  } catch {
    return `host ${host} does not resolve`;
  }
  if (addresses.length === 0 || addresses.some((a) => isPrivateAddress(a.address))) {
    return `host ${host} resolves to a private or loopback address`;
  }
  return null;
}
