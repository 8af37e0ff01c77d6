import { isIPv4, isIPv6 } from 'node:net';

/**
 * The key under which a client IP is counted by rate limits and lockouts: an IPv4 address as is,
 * an IPv4-mapped IPv6 address (`::ffff:192.0.2.1`) as that IPv4 address, and any other IPv6
 * address as its /64 prefix (`2001:db8:1:2::/64`), since one customer line usually gets a whole
 * /64 and could otherwise count as 2^64 clients. A port some proxies append (`192.0.2.1:5123`,
 * `[2001:db8::1]:443`) is dropped, or each connection would be a new client; anything that is not
 * an address at all shares one key.
 */
export function clientKey(ip: string): string {
  const address = withoutPort(ip).split('%')[0]; // an IPv6 zone (`fe80::1%eth0`) names an interface, not a client
  if (isIPv4(address)) return address;
  // Not an address at all: one bucket for every such client, so garbage cannot count as many clients.
  if (!isIPv6(address)) return NOT_AN_ADDRESS;
  const groups = ipv6Groups(address);
  if (groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff) {
    return [groups[6] >> 8, groups[6] & 0xff, groups[7] >> 8, groups[7] & 0xff].join('.');
  }
  return `${groups
    .slice(0, 4)
    .map((g) => g.toString(16))
    .join(':')}::/64`;
}

const NOT_AN_ADDRESS = 'not-an-address';

/** `a.b.c.d:port` and `[v6]:port` (or `[v6]`) without the port and brackets; anything else as it is. */
function withoutPort(ip: string): string {
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(ip);
  if (bracketed) return bracketed[1];
  const v4 = /^(\d{1,3}(?:\.\d{1,3}){3}):\d+$/.exec(ip);
  return v4 ? v4[1] : ip;
}

/** The eight 16-bit groups of a valid IPv6 address (`::` expanded, a dotted IPv4 tail as two groups). */
function ipv6Groups(address: string): number[] {
  const toGroups = (part: string): number[] =>
    part === ''
      ? []
      : part.split(':').flatMap((g) => {
          if (!g.includes('.')) return [parseInt(g, 16)];
          const [a, b, c, d] = g.split('.').map(Number);
          return [(a << 8) | b, (c << 8) | d];
        });
  const [head, tail] = address.split('::');
  if (tail === undefined) return toGroups(head);
  const before = toGroups(head);
  const after = toGroups(tail);
  return [...before, ...Array<number>(8 - before.length - after.length).fill(0), ...after];
}
