import { BlockList, isIPv4, isIPv6 } from 'node:net';

/**
 * Telling a person's open or click from a machine's (README "Tracking opens and clicks"). Pure.
 * A fetch this module flags is recorded with its reason but does not count as the person's: it
 * makes no `first_open`, `last_open` or `count`, and a recipient with only flagged events stays
 * `sent`.
 *
 * 1. By user agent (KNOWN_AGENTS, case-insensitive substrings): proxies that fetch images when the
 *    mail arrives or on the reader's behalf (`prefetch`), and link and attachment scanners of
 *    mail security gateways (`scanner`).
 * 2. By address (KNOWN_NETWORKS): Apple's 17.0.0.0/8, from which Apple Mail Privacy Protection
 *    prefetches every image of every mail (`prefetch`).
 * 3. By timing: a fetch by a non-browser user agent (none, no `Mozilla/` product, or a known
 *    library, headless browser or bot) within QUICK_FETCH_MS of the recipient's last delivery
 *    attempt is a scanner (`scanner`): a person does not read within seconds with curl.
 */
export type FlagReason = 'prefetch' | 'scanner';

/** The window of rule 3: 60 seconds after the delivery attempt (the relay's 250). */
export const QUICK_FETCH_MS = 60_000;

/** Rule 1: [substring, reason, who]. */
export const KNOWN_AGENTS: readonly (readonly [string, FlagReason, string])[] = [
  ['GoogleImageProxy', 'prefetch', "Gmail's image proxy (\"Mozilla/5.0 (Windows NT 5.1; rv:11.0) Gecko Firefox/11.0 (via ggpht.com GoogleImageProxy)\")"],
  ['ggpht.com', 'prefetch', "Gmail's image proxy"],
  ['YahooMailProxy', 'prefetch', "Yahoo Mail's image proxy"],
  ['OutlookImageProxy', 'prefetch', "Outlook.com's image proxy"],
  ['Outlook-Proxy', 'prefetch', "Outlook.com's image proxy"],
  ['BingPreview', 'scanner', 'Microsoft link preview and Safe Links'],
  ['Barracuda', 'scanner', 'Barracuda Email Security'],
  ['Mimecast', 'scanner', 'Mimecast URL Protect'],
  ['Proofpoint', 'scanner', 'Proofpoint URL Defense'],
  ['MessageLabs', 'scanner', 'Symantec / Broadcom Email Security'],
  ['Symantec', 'scanner', 'Symantec / Broadcom Email Security'],
  ['Trend Micro', 'scanner', 'Trend Micro Email Security'],
  ['Sophos', 'scanner', 'Sophos Email'],
  ['FortiGuard', 'scanner', 'Fortinet FortiMail'],
  ['IronPort', 'scanner', 'Cisco Secure Email'],
];

/** Rule 2: [CIDR, reason, who]. */
export const KNOWN_NETWORKS: readonly (readonly [string, number, FlagReason, string])[] = [['17.0.0.0', 8, 'prefetch', 'Apple (Mail Privacy Protection)']];

/** The bare `Mozilla/5.0`, Apple Mail Privacy Protection's user agent (no platform, no engine). */
const APPLE_PROXY_AGENT = /^Mozilla\/5\.0$/;
const TOOLS = /(curl|wget|python|go-http-client|java\/|okhttp|libwww|httpclient|node-fetch|axios|headless|phantomjs|bot\b|crawler|spider|scanner|preview)/i;

const networks = KNOWN_NETWORKS.map(([address, prefix, reason]) => {
  const list = new BlockList();
  list.addSubnet(address, prefix, 'ipv4');
  return { list, reason };
});

/** Whether a user agent is not a person's browser or mail client. */
export function isNonBrowserAgent(userAgent: string | null): boolean {
  const agent = (userAgent ?? '').trim();
  return agent === '' || !agent.includes('Mozilla/') || TOOLS.test(agent);
}

export type Fetch = Readonly<{
  userAgent: string | null;
  remoteAddress: string | null;
  /** When the fetch came. */
  at: number;
  /** The recipient's last delivery attempt (null: none recorded). */
  lastAttemptAt: number | null;
}>;

/** Why this fetch is not the person's, or null when it counts. */
export function flagOf(fetch: Fetch): FlagReason | null {
  const agent = (fetch.userAgent ?? '').trim();
  const lower = agent.toLowerCase();
  for (const [needle, reason] of KNOWN_AGENTS) if (lower.includes(needle.toLowerCase())) return reason;
  if (APPLE_PROXY_AGENT.test(agent)) return 'prefetch';
  const address = mappedIpv4(fetch.remoteAddress);
  if (address !== null) {
    for (const { list, reason } of networks) if (list.check(address, 'ipv4')) return reason;
  }
  if (fetch.lastAttemptAt !== null && fetch.at - fetch.lastAttemptAt < QUICK_FETCH_MS && isNonBrowserAgent(agent)) return 'scanner';
  return null;
}

/** An IPv4 address (also one written IPv4-mapped in IPv6), or null. */
function mappedIpv4(address: string | null): string | null {
  if (address === null) return null;
  if (isIPv4(address)) return address;
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  return isIPv6(address) && mapped && isIPv4(mapped[1]!) ? mapped[1]! : null;
}

