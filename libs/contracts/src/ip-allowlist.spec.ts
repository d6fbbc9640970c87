import fc from 'fast-check';
import { addressInBlocks, addressInIndex, allowedIpIndex, clientAddressHex, normalizeAllowedIp } from './ip-allowlist';

const bitsOf = (hex: string) => [...hex].map((digit) => parseInt(digit, 16).toString(2).padStart(4, '0')).join('');
/** The naive reference: the first `prefix` bits of the address and of the network, compared as text. */
const inBlock = (addressHex: string, block: string) => {
  const [network, prefix] = block.split('/') as [string, string];
  return bitsOf(addressHex).slice(0, Number(prefix)) === bitsOf(network).slice(0, Number(prefix));
};

describe('IP allowlists', () => {
  it.each([
    ['10.0.0.0/8', '10.0.0.0/8'],
    [' 192.0.2.7 ', '192.0.2.7/32'],
    ['2001:DB8:0:0::/32', '2001:db8::/32'],
    ['::ffff:10.0.0.0/104', '::ffff:a00:0/104'],
    ['0.0.0.0/0', '0.0.0.0/0'],
    ['::/0', '::/0'],
  ])('normalizes %j to %s', (input, cidr) => {
    expect(normalizeAllowedIp(input)).toMatchObject({ ok: true, cidr });
  });

  it.each(['10.0.0.1/8', '10.0.0.0/33', '::/129', 'example.com', '10.0.0.0/', '10.0.0.0/-1', 'fe80::1%eth0', ''])('refuses %j', (input) => {
    expect(normalizeAllowedIp(input).ok).toBe(false);
  });

  it('reads IPv4, IPv4-mapped and IPv6 client addresses as 32 hex digits', () => {
    expect(clientAddressHex('10.1.2.3')).toBe('00000000000000000000ffff0a010203');
    expect(clientAddressHex('::ffff:10.1.2.3')).toBe('00000000000000000000ffff0a010203');
    expect(clientAddressHex('2001:db8::1')).toBe('20010db8000000000000000000000001');
    expect(clientAddressHex('fe80::1%eth0')).toBe('fe800000000000000000000000000001');
    expect(clientAddressHex('nope')).toBeNull();
  });

  it('matches as the naive bit-by-bit reference does, by blocks and by the index the script reads', () => {
    const address = fc.oneof(
      fc.tuple(fc.nat(255), fc.nat(255), fc.nat(255), fc.nat(255)).map((parts) => parts.join('.')),
      fc.array(fc.nat(0xffff), { minLength: 8, maxLength: 8 }).map((groups) => groups.map((g) => g.toString(16)).join(':')),
    );
    // A block cut from an address at any length, so that near misses are common.
    const block = fc.tuple(address, fc.nat(128)).map(([cut, length]) => {
      const hex = clientAddressHex(cut)!;
      const bits = cut.includes(':') ? length : 96 + (length % 33);
      const network = BigInt(`0b${bitsOf(hex).slice(0, bits).padEnd(128, '0')}`).toString(16).padStart(32, '0');
      return { block: `${network}/${bits}`, from: hex };
    });
    fc.assert(
      fc.property(fc.array(block, { minLength: 1, maxLength: 5 }), address, fc.boolean(), (cut, other, near) => {
        const client = near ? cut[0]!.from : clientAddressHex(other)!;
        const blocks = cut.map((entry) => entry.block);
        const expected = blocks.some((b) => inBlock(client, b));
        expect(addressInBlocks(client, blocks)).toBe(expected);
        expect(addressInIndex(client, allowedIpIndex(blocks))).toBe(expected);
      }),
      { numRuns: 2000 },
    );
  });
});
