import { isIPv4, isIPv6 } from 'node:net';

/**
 * IP address helpers shared by the SMTP host guard and the sign-in throttle. Parsing is left to
 * the WHATWG URL parser (Node's), which canonicalises IPv6 (lower case, `::` compression, a dotted
 * IPv4 tail written as hex) so that one textual form exists per address.
 */

/** The canonical text of an IP address (IPv6 without brackets or zone), or null if it is none. */
export function canonicalIp(text: string): string | null {
  if (isIPv4(text)) return new URL(`http://${text}/`).hostname;
  if (!isIPv6(text)) return null;
  try {
    return new URL(`http://[${text}]/`).hostname.slice(1, -1);
  } catch {
    // A zone id (`fe80::1%eth0`) or another form the URL parser does not take.
    return null;
  }
}

/** The eight 16-bit groups of a canonical IPv6 address. */
export function ipv6Groups(canonical: string): number[] {
  const [head = '', tail] = canonical.split('::');
  const first = head === '' ? [] : head.split(':');
  const last = tail === undefined || tail === '' ? [] : tail.split(':');
  const zeros = tail === undefined ? 0 : 8 - first.length - last.length;
  return [...first, ...Array<string>(zeros).fill('0'), ...last].map((group) => parseInt(group, 16));
}

/** Dotted IPv4 text of two 16-bit groups. */
export function ipv4FromGroups(high: number, low: number): string {
  return [high >> 8, high & 0xff, low >> 8, low & 0xff].join('.');
}

/**
 * The network a client address stands for when counting: an IPv4 address itself (an IPv4-mapped
 * IPv6 address as its IPv4 address), an IPv6 address as its /64 — one subscriber usually holds a
 * whole /64, so counting single IPv6 addresses would let one client count as 2^64.
 */
export function clientNetwork(address: string): string {
  const canonical = canonicalIp(address);
  if (canonical === null) return address;
  if (isIPv4(canonical)) return canonical;
  const groups = ipv6Groups(canonical);
  if (groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff) return ipv4FromGroups(groups[6]!, groups[7]!);
  return `${groups.slice(0, 4).map((g) => g.toString(16)).join(':')}::/64`;
}
