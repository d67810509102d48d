import type { HostLookup } from '../../src/delivery/smtp-host-guard.js';

/** Addresses of the IANA special-purpose registries (and multicast, reserved space), one or more per entry. */
export const SPECIAL_ADDRESSES = [
  // IPv4
  '0.0.0.0', '0.1.2.3', '10.0.0.1', '10.255.255.255', '100.64.0.1', '100.127.255.254', '127.0.0.1', '127.255.255.254',
  '169.254.169.254', '172.16.0.1', '172.31.255.255', '192.0.0.1', '192.0.0.9', '192.0.0.170', '192.0.2.1', '192.31.196.1',
  '192.52.193.1', '192.88.99.1', '192.168.1.1', '192.175.48.1', '198.18.0.1', '198.19.255.255', '198.51.100.1', '203.0.113.1',
  '224.0.0.1', '239.255.255.250', '240.0.0.1', '250.1.2.3', '255.255.255.255',
  // IPv6
  '::', '::1', '::127.0.0.1', '::ffff:127.0.0.1', '::ffff:10.0.0.1', '::ffff:7f00:1', '::ffff:a9fe:a9fe', '64:ff9b::127.0.0.1',
  '64:ff9b::a00:1', '64:ff9b:1::808:808', '100::1', '100:0:0:1::1', '2001::1', '2001:0:4136:e378:8000:63bf:3fff:fdd2', '2001:2::1',
  '2001:3::1', '2001:4:112::1', '2001:20::1', '2001:db8::1', '2002:7f00:1::1', '2002:a00:1::1', '2002:c0a8:101::1',
  '2620:4f:8000::1', '3fff::1', '5f00::1', 'fc00::1', 'fd00::1', 'fe80::1', 'febf::1', 'fec0::1', 'ff02::1', 'ff0e::1',
  '4000::1', '::2', '1::1',
];

/** A resolver that answers from a table, each name's answers in turn (the last one repeats). */
export function scriptedLookup(table: Record<string, readonly (readonly string[] | Error)[]>): HostLookup & { calls: string[] } {
  const calls: string[] = [];
  const lookup = async (hostname: string) => {
    const answers = table[hostname];
    const index = calls.filter((c) => c === hostname).length;
    calls.push(hostname);
    const answer = answers?.[Math.min(index, answers.length - 1)];
    if (answer === undefined) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' });
    if (answer instanceof Error) throw answer;
    return answer.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
  };
  return Object.assign(lookup, { calls });
}
