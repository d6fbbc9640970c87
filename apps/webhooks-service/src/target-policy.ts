// Which addresses a webhook may be sent to. A URL whose host resolves to a private, loopback,
// link-local or otherwise internal address (IPv4 or IPv6) is refused, when the subscription
// is made or changed and again at every delivery, where the connection goes to the very
// address that was checked (DNS may answer differently from one lookup to the next). A
// deployment lets some through by configuration (WEBHOOKS_ALLOWED_TARGETS).
import { LookupAddress, lookup as dnsLookup } from 'node:dns';
import { BlockList, isIP } from 'node:net';
import { WardenError, WebhooksErrorCode } from '@warden/contracts';

const BLOCKED_V4 = [
  ['0.0.0.0', 8], // this network
  ['10.0.0.0', 8],
  ['100.64.0.0', 10], // carrier-grade NAT
  ['127.0.0.0', 8],
  ['169.254.0.0', 16], // link-local, cloud metadata
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.0.2.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['198.51.100.0', 24],
  ['203.0.113.0', 24],
  ['224.0.0.0', 4], // multicast
  ['240.0.0.0', 4], // reserved, broadcast
] as const;

const BLOCKED_V6 = [
  ['::', 128], // unspecified
  ['::1', 128], // loopback
  ['64:ff9b::', 96], // NAT64: an IPv4 address inside
  ['100::', 64], // discard
  ['2001:db8::', 32], // documentation
  ['fc00::', 7], // unique local
  ['fe80::', 10], // link-local
  ['fec0::', 10], // site-local (deprecated)
  ['ff00::', 8], // multicast
] as const;

export type LookupFunction = (hostname: string) => Promise<LookupAddress[]>;

const systemLookup: LookupFunction = (hostname) =>
  new Promise((resolve, reject) => dnsLookup(hostname, { all: true, verbatim: true }, (error, addresses) => (error ? reject(error) : resolve(addresses))));

/** Parses `127.0.0.1`, `10.0.0.0/8`, `::1`, `fd00::/8` entries, comma-separated. */
export function parseAllowedTargets(value: string): string[] {
  const entries = value
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '');
  for (const entry of entries) {
    const [address, bits] = entry.split('/');
    const family = isIP(address ?? '');
    const max = family === 6 ? 128 : 32;
    if (family === 0 || (bits !== undefined && !(/^\d+$/.test(bits) && Number(bits) <= max))) {
      throw new Error(`not an IP address or CIDR range: ${JSON.stringify(entry)}`);
    }
  }
  return entries;
}

export class WebhookTargetPolicy {
  private readonly blocked = new BlockList();
  private readonly allowed = new BlockList();

  constructor(
    allowedTargets: readonly string[] = [],
    private readonly lookup: LookupFunction = systemLookup,
  ) {
    for (const [address, bits] of BLOCKED_V4) this.blocked.addSubnet(address, bits, 'ipv4');
    for (const [address, bits] of BLOCKED_V6) this.blocked.addSubnet(address, bits, 'ipv6');
    for (const entry of allowedTargets) {
      const [address, bits] = entry.split('/') as [string, string | undefined];
      const family = isIP(address) === 6 ? 'ipv6' : 'ipv4';
      if (bits === undefined) this.allowed.addAddress(address, family);
      else this.allowed.addSubnet(address, Number(bits), family);
    }
  }

  /** Whether a connection to this address is allowed. */
  permits(address: string): boolean {
    const family = isIP(address);
    if (family === 0) return false;
    const type = family === 6 ? 'ipv6' : 'ipv4';
    if (this.allowed.check(address, type)) return true;
    if (this.blocked.check(address, type)) return false;
    // An IPv4 address written as IPv6 (::ffff:10.0.0.1) is judged as the IPv4 address.
    const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
    if (mapped) return this.permits(mapped[1]!);
    return true;
  }

  /**
   * The addresses the URL's host resolves to, all of them allowed; a refusal names the field.
   * Every address must pass, not only the first: otherwise a host with one public and one
   * internal address would pass here and be called on the other.
   */
  async resolve(url: string, field = 'url'): Promise<LookupAddress[]> {
    const hostname = new URL(url).hostname.replace(/^\[(.*)\]$/, '$1');
    let addresses: LookupAddress[];
    if (isIP(hostname) !== 0) {
      addresses = [{ address: hostname, family: isIP(hostname) }];
    } else {
      try {
        addresses = await this.lookup(hostname);
      } catch {
        throw new WardenError(WebhooksErrorCode.WebhookTargetNotAllowed, `${field} names a host that does not resolve`, [
          { field, message: 'the host does not resolve' },
        ]);
      }
    }
    if (addresses.length === 0 || addresses.some((entry) => !this.permits(entry.address))) {
      throw new WardenError(WebhooksErrorCode.WebhookTargetNotAllowed, `${field} resolves to an address webhooks may not be sent to`, [
        { field, message: 'resolves to a private, loopback, link-local or reserved address' },
      ]);
    }
    return addresses;
  }
}
