import { isIPv4, isIPv6 } from 'node:net';

// The addresses an API token may be used from: IPv4 and IPv6 addresses and CIDR blocks.
// Every address is handled as 128 bits, an IPv4 one as its IPv4-mapped IPv6 form
// (::ffff:a.b.c.d), so a dual-stack socket's `::ffff:10.0.0.1` and `10.0.0.1` are one address.
// The credential record carries each block as `<32 hex digits>/<prefix bits>`, which the
// verification script matches nibble by nibble against the client address in the same form.

const IPV4_MAPPED = '00000000000000000000ffff';

/** An IPv4 address as 8 hex digits; null when it is not one. */
function ipv4Hex(address: string): string | null {
  if (!isIPv4(address)) return null;
  return address
    .split('.')
    .map((part) => Number(part).toString(16).padStart(2, '0'))
    .join('');
}

/** An IPv6 address (no zone) as 32 hex digits; null when it is not one. */
function ipv6Hex(address: string): string | null {
  if (!isIPv6(address) || address.includes('%')) return null;
  let text = address.toLowerCase();
  const lastColon = text.lastIndexOf(':');
  const tail = text.slice(lastColon + 1);
  if (tail.includes('.')) {
    const v4 = ipv4Hex(tail);
    if (v4 === null) return null;
    text = `${text.slice(0, lastColon + 1)}${v4.slice(0, 4)}:${v4.slice(4)}`;
  }
  const [head = '', rest] = text.split('::');
  const before = head === '' ? [] : head.split(':');
  const after = rest === undefined || rest === '' ? [] : rest.split(':');
  const groups = rest === undefined ? before : [...before, ...Array<string>(8 - before.length - after.length).fill('0'), ...after];
  return groups.map((group) => group.padStart(4, '0')).join('');
}

/**
 * A client address as 32 lowercase hex digits (IPv4 mapped into IPv6); null when it is not
 * an IP address. A zone (`fe80::1%eth0`) is dropped: allowlists do not name zones.
 */
export function clientAddressHex(address: string): string | null {
  const bare = address.trim();
  const v4 = ipv4Hex(bare);
  if (v4 !== null) return IPV4_MAPPED + v4;
  const zone = bare.indexOf('%');
  return ipv6Hex(zone === -1 ? bare : bare.slice(0, zone));
}

export type AllowedIpCheck = { ok: true; cidr: string; block: string } | { ok: false; reason: string };

/**
 * Checks and normalizes one allowlist entry: an address (a block of one) or a CIDR block,
 * IPv4 or IPv6. Host bits set in a block are refused (`10.1.2.3/8` is a typo of
 * `10.0.0.0/8` or of `10.1.2.3/32`; guessing which would widen or narrow the list).
 * `cidr` is the block as shown (`10.0.0.0/8`, `2001:db8::/32`), `block` as the record holds it.
 */
export function normalizeAllowedIp(input: string): AllowedIpCheck {
  const raw = input.trim();
  const slash = raw.indexOf('/');
  const address = slash === -1 ? raw : raw.slice(0, slash);
  const v4 = ipv4Hex(address);
  const v6 = v4 === null ? ipv6Hex(address) : null;
  if (v4 === null && v6 === null) return { ok: false, reason: 'must be an IPv4 or IPv6 address or CIDR block, e.g. 203.0.113.0/24 or 2001:db8::/32' };
  const width = v4 !== null ? 32 : 128;
  let bits = width;
  if (slash !== -1) {
    const prefix = raw.slice(slash + 1);
    if (!/^\d{1,3}$/.test(prefix) || Number(prefix) > width) return { ok: false, reason: `must have a prefix length from 0 to ${width}` };
    bits = Number(prefix);
  }
  const hex = v4 !== null ? IPV4_MAPPED + v4 : v6!;
  const prefixBits = v4 !== null ? 96 + bits : bits;
  if (maskHex(hex, prefixBits) !== hex) return { ok: false, reason: `has bits set after the first ${bits}; the block starts at ${showAddress(maskHex(hex, prefixBits), v4 !== null)}` };
  return { ok: true, cidr: `${showAddress(hex, v4 !== null)}/${bits}`, block: `${hex}/${prefixBits}` };
}

/** Whether a client address (as `clientAddressHex` gives it) is in one of the blocks (as `normalizeAllowedIp` gives them). */
export function addressInBlocks(addressHex: string, blocks: readonly string[]): boolean {
  return blocks.some((block) => {
    const [network = '', bits = ''] = block.split('/');
    const prefix = Number(bits);
    // Anything not a block as normalizeAllowedIp writes it matches nothing (fails closed).
    if (network.length !== 32 || !Number.isInteger(prefix) || prefix < 0 || prefix > 128) return false;
    return maskHex(addressHex, prefix) === network;
  });
}

/**
 * Blocks as the verification script matches them: by prefix length in hex digits, the
 * prefixes of that length between bars (`{"6": "|00000000000000000000ffffc63364|"}`). A
 * block whose length is not a whole number of hex digits is split into the blocks one digit
 * longer that make it up (at most 8), so a client matches when, for some length, its first
 * digits are one of the prefixes: one substring search per length.
 */
export function allowedIpIndex(blocks: readonly string[]): Record<string, string> {
  const byLength = new Map<number, Set<string>>();
  for (const block of blocks) {
    const [network = '', bits = ''] = block.split('/');
    const prefix = Number(bits);
    if (network.length !== 32 || !Number.isInteger(prefix) || prefix < 0 || prefix > 128) continue; // matches nothing
    const digits = Math.ceil(prefix / 4);
    const spare = digits * 4 - prefix;
    const head = network.slice(0, digits - 1);
    const last = digits === 0 ? 0 : parseInt(network[digits - 1]!, 16);
    const prefixes = byLength.get(digits) ?? new Set<string>();
    if (digits === 0) prefixes.add('');
    else for (let low = 0; low < 1 << spare; low++) prefixes.add(head + (last | low).toString(16));
    byLength.set(digits, prefixes);
  }
  return Object.fromEntries([...byLength].sort(([a], [b]) => a - b).map(([digits, prefixes]) => [String(digits), `|${[...prefixes].sort().join('|')}|`]));
}

/** Whether a client address (as `clientAddressHex` gives it) is in an index made by `allowedIpIndex` (as the script decides it). */
export function addressInIndex(addressHex: string, index: Readonly<Record<string, string>>): boolean {
  return Object.entries(index).some(([digits, prefixes]) => prefixes.includes(`|${addressHex.slice(0, Number(digits))}|`));
}

/** The first `bits` bits of a 32-hex-digit address, the rest zero. */
function maskHex(hex: string, bits: number): string {
  const value = BigInt(`0x${hex}`);
  const mask = bits === 0 ? 0n : ((1n << BigInt(bits)) - 1n) << BigInt(128 - bits);
  return (value & mask).toString(16).padStart(32, '0');
}

function showAddress(hex: string, v4: boolean): string {
  if (v4) return [0, 2, 4, 6].map((i) => parseInt(hex.slice(24 + i, 26 + i), 16)).join('.');
  // The URL parser writes IPv6 in its canonical compressed form (RFC 5952).
  return new URL(`http://[${hex.match(/.{4}/g)!.join(':')}]`).hostname.slice(1, -1);
}
