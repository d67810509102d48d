import { lookup as dnsLookup } from 'node:dns/promises';
import { BlockList, isIPv4 } from 'node:net';
import { canonicalIp, ipv4FromGroups, ipv6Groups } from '../ip-address.js';

/**
 * SSRF guard for users' own SMTP servers (docs/reliability.md b.7 #62). A user names a host; Mailroom
 * resolves it ONCE, refuses it unless every address it resolves to is a public unicast address,
 * and then connects to one of those checked addresses itself (nodemailer never resolves the name
 * again, so a DNS answer that changes between the check and the connection — DNS rebinding —
 * cannot move the connection; TLS still verifies the certificate against the name, see
 * smtp-transport.ts). SMTP_ALLOW_PRIVATE_HOSTS=true lifts the address check (a relay on the
 * same network, the tests' loopback sinks) but not the resolve-once-and-connect-there rule.
 */

/** Name resolution, injectable so tests can answer without DNS (e.g. public first, private next). */
export type HostLookup = (hostname: string) => Promise<readonly { address: string; family: number }[]>;

/** The system resolver (getaddrinfo: /etc/hosts, then DNS), every address in the resolver's order. */
export const systemLookup: HostLookup = (hostname) => dnsLookup(hostname, { all: true, verbatim: true });

// IANA IPv4 Special-Purpose Address Registry (iana-ipv4-special-registry), every entry, plus
// multicast (IPv4 Multicast Address Space registry). None of them is an SMTP server on the
// internet, including the few the registry marks "globally reachable" (anycast services).
const IPV4_SPECIAL: readonly (readonly [string, number, string])[] = [
  ['0.0.0.0', 8, '"This network" (RFC 791); 0.0.0.0/32 "this host on this network"'],
  ['10.0.0.0', 8, 'Private-Use (RFC 1918)'],
  ['100.64.0.0', 10, 'Shared Address Space, carrier-grade NAT (RFC 6598)'],
  ['127.0.0.0', 8, 'Loopback (RFC 1122)'],
  ['169.254.0.0', 16, 'Link Local (RFC 3927), cloud metadata endpoints (169.254.169.254)'],
  ['172.16.0.0', 12, 'Private-Use (RFC 1918)'],
  [
    '192.0.0.0',
    24,
    'IETF Protocol Assignments (RFC 6890): IPv4 Service Continuity Prefix 192.0.0.0/29 (RFC 7335), IPv4 dummy address 192.0.0.8/32 (RFC 7600), PCP Anycast 192.0.0.9/32 (RFC 7723), TURN Anycast 192.0.0.10/32 (RFC 8155), NAT64/DNS64 Discovery 192.0.0.170-171/32 (RFC 7050)',
  ],
  ['192.0.2.0', 24, 'Documentation TEST-NET-1 (RFC 5737)'],
  ['192.31.196.0', 24, 'AS112-v4 (RFC 7535)'],
  ['192.52.193.0', 24, 'AMT (RFC 7450)'],
  ['192.88.99.0', 24, 'Deprecated 6to4 Relay Anycast (RFC 7526)'],
  ['192.168.0.0', 16, 'Private-Use (RFC 1918)'],
  ['192.175.48.0', 24, 'Direct Delegation AS112 Service (RFC 7534)'],
  ['198.18.0.0', 15, 'Benchmarking (RFC 2544)'],
  ['198.51.100.0', 24, 'Documentation TEST-NET-2 (RFC 5737)'],
  ['203.0.113.0', 24, 'Documentation TEST-NET-3 (RFC 5737)'],
  ['224.0.0.0', 4, 'Multicast (RFC 5771)'],
  ['240.0.0.0', 4, 'Reserved (RFC 1112)'],
  ['255.255.255.255', 32, 'Limited Broadcast (RFC 8190, RFC 919)'],
];

// IANA IPv6 Special-Purpose Address Registry (iana-ipv6-special-registry), every entry, plus
// multicast and the deprecated site-local range. Three entries embed an IPv4 address and are
// judged by it instead (see embeddedIpv4): ::ffff:0:0/96 IPv4-mapped (RFC 4291), 64:ff9b::/96
// IPv4-IPv6 translation (RFC 6052), 2002::/16 6to4 (RFC 3056).
const IPV6_SPECIAL: readonly (readonly [string, number, string])[] = [
  ['::', 128, 'Unspecified Address (RFC 4291)'],
  ['::1', 128, 'Loopback Address (RFC 4291)'],
  ['::', 96, 'IPv4-compatible addresses (deprecated, RFC 4291)'],
  ['64:ff9b:1::', 48, 'IPv4-IPv6 Translation, local use (RFC 8215): the embedded IPv4 is not at a fixed place'],
  ['100::', 64, 'Discard-Only Address Block (RFC 6666)'],
  ['100:0:0:1::', 64, 'Dummy IPv6 Prefix (RFC 9780)'],
  [
    '2001::',
    23,
    'IETF Protocol Assignments (RFC 2928): TEREDO 2001::/32 (RFC 4380, embeds an obfuscated IPv4), PCP/TURN/DNS-SD anycast 2001:1::1-3/128, Benchmarking 2001:2::/48 (RFC 5180), AMT 2001:3::/32, AS112-v6 2001:4:112::/48, ORCHIDv2 2001:20::/28 (RFC 7343), Drone Remote ID 2001:30::/28 (RFC 9374)',
  ],
  ['2001:db8::', 32, 'Documentation (RFC 3849)'],
  ['2620:4f:8000::', 48, 'Direct Delegation AS112 Service (RFC 7534)'],
  ['3fff::', 20, 'Documentation (RFC 9637)'],
  ['5f00::', 16, 'Segment Routing SIDs (RFC 9602)'],
  ['fc00::', 7, 'Unique-Local (RFC 4193)'],
  ['fe80::', 10, 'Link-Local Unicast (RFC 4291)'],
  ['fec0::', 10, 'Site-Local (deprecated, RFC 3879)'],
  ['ff00::', 8, 'Multicast (RFC 4291)'],
];

const blockedV4 = new BlockList();
for (const [net, prefix] of IPV4_SPECIAL) blockedV4.addSubnet(net, prefix, 'ipv4');
const blockedV6 = new BlockList();
for (const [net, prefix] of IPV6_SPECIAL) blockedV6.addSubnet(net, prefix, 'ipv6');
// IANA IPv6 Address Space registry: 2000::/3 is the only Global Unicast space; everything outside
// it (apart from the embedded-IPv4 forms, handled first) is reserved or special.
const globalUnicastV6 = new BlockList();
globalUnicastV6.addSubnet('2000::', 3, 'ipv6');

/** The IPv4 address an IPv4-mapped, NAT64 (64:ff9b::/96) or 6to4 (2002::/16) address carries. */
function embeddedIpv4(groups: readonly number[]): string | null {
  const [g0, g1, g2, g3, g4, g5, g6, g7] = groups as [number, number, number, number, number, number, number, number];
  if (g0 === 0 && g1 === 0 && g2 === 0 && g3 === 0 && g4 === 0 && g5 === 0xffff) return ipv4FromGroups(g6, g7);
  if (g0 === 0x64 && g1 === 0xff9b && g2 === 0 && g3 === 0 && g4 === 0 && g5 === 0) return ipv4FromGroups(g6, g7);
  if (g0 === 0x2002) return ipv4FromGroups(g1, g2);
  return null;
}

/** Whether `address` is anything but a public unicast address (anything unparsable counts as not public). */
export function isForbiddenAddress(address: string): boolean {
  const ip = canonicalIp(address);
  if (ip === null) return true;
  if (isIPv4(ip)) return blockedV4.check(ip, 'ipv4');
  const embedded = embeddedIpv4(ipv6Groups(ip));
  if (embedded !== null) return blockedV4.check(embedded, 'ipv4');
  return !globalUnicastV6.check(ip, 'ipv6') || blockedV6.check(ip, 'ipv6');
}

/** An LDH host name (labels of letters, digits and hyphens), which is also how numeric IPv4 forms look. */
const HOST_NAME = /^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\.?$/;

export type SmtpHost = { kind: 'address'; address: string } | { kind: 'name'; name: string };

/**
 * What a host as typed stands for: an IP address in canonical form — IPv4 in any form the URL
 * standard and getaddrinfo read as one (`2130706433`, `0x7f.1`, `017700000001`, `127.1` are all
 * 127.0.0.1), IPv6 with or without brackets — or a lower-case host name. Null: neither.
 */
export function parseSmtpHost(input: string): SmtpHost | null {
  let host = input.trim();
  if (host.startsWith('[') && host.endsWith(']')) host = host.slice(1, -1);
  if (host.includes(':')) {
    const address = canonicalIp(host);
    return address === null ? null : { kind: 'address', address };
  }
  if (!HOST_NAME.test(host)) return null;
  let hostname: string;
  try {
    hostname = new URL(`http://${host}/`).hostname;
  } catch {
    return null; // e.g. 1.2.3.256: numeric, but no address
  }
  return isIPv4(hostname) ? { kind: 'address', address: hostname } : { kind: 'name', name: hostname.replace(/\.$/, '') };
}

/** The text a host is stored and compared as. */
export function smtpHostText(host: SmtpHost): string {
  return host.kind === 'address' ? host.address : host.name;
}

/** Where to connect: checked addresses (in the resolver's order) and the name for TLS (null for an address literal). */
export type SmtpDestination = Readonly<{ addresses: readonly string[]; servername: string | null }>;

export type GuardOptions = Readonly<{ allowPrivate: boolean; lookup: HostLookup; timeoutMs: number }>;

/**
 * Resolves `host` once and answers the addresses to connect to, or null when the host must not
 * be used: it does not parse, does not resolve (in `timeoutMs`), or any of its addresses is not
 * public (unless private hosts are allowed). One answer for all of these, so the guard tells a
 * caller nothing about names that only resolve inside our network.
 */
export async function resolveSmtpHost(host: string, options: GuardOptions): Promise<SmtpDestination | null> {
  const parsed = parseSmtpHost(host);
  if (parsed === null) return null;
  let addresses: string[];
  if (parsed.kind === 'address') {
    addresses = [parsed.address];
  } else {
    let timer: NodeJS.Timeout | undefined;
    try {
      const answers = await Promise.race([
        options.lookup(parsed.name),
        new Promise<never>((_resolve, reject) => {
          timer = setTimeout(() => reject(new Error('lookup timed out')), options.timeoutMs);
        }),
      ]);
      addresses = answers.map((answer) => canonicalIp(answer.address) ?? answer.address);
    } catch {
      return null;
    } finally {
      clearTimeout(timer);
    }
  }
  if (addresses.length === 0) return null;
  if (!options.allowPrivate && addresses.some(isForbiddenAddress)) return null;
  return { addresses, servername: parsed.kind === 'name' ? parsed.name : null };
}

/** Why a user's server is not used at send time (stored with the failed recipients). */
export const HOST_NOT_ALLOWED_REASON = 'the host must resolve to public internet addresses only';
