import { createHash, randomBytes } from 'node:crypto';
import {
  BASE62_ALPHABET,
  SECRET_PREFIXES,
  crc32,
  credentialKey,
  formatSecret,
  parseSecret,
  secretChecksum,
  secretHash,
  secretLastFour,
} from './tokens';

const body = 'aB3dE5gH7jK9mN1pQ3sT5vW7yZ9bC1dF';

describe('the secret format', () => {
  it('computes the IEEE CRC-32 that zlib computes', () => {
    expect(crc32('')).toBe(0);
    expect(crc32('123456789')).toBe(0xcbf43926); // the standard check value
  });

  it('assembles prefix, body and a 6-character base62 checksum', () => {
    const session = formatSecret('session', body);
    expect(session).toBe(`wdn_s_${body}${secretChecksum(`wdn_s_${body}`)}`);
    expect(session).toMatch(/^wdn_s_[0-9A-Za-z]{38}$/);
    expect(formatSecret('api_token', body).startsWith(SECRET_PREFIXES.api_token)).toBe(true);
  });

  it('refuses a body that is not 32 base62 characters', () => {
    expect(() => formatSecret('session', body.slice(1))).toThrow(RangeError);
    expect(() => formatSecret('session', `${body.slice(1)}-`)).toThrow(RangeError);
  });

  it('parses a well-formed secret and names its kind', () => {
    expect(parseSecret(formatSecret('session', body))).toEqual({ kind: 'session', secret: formatSecret('session', body) });
    expect(parseSecret(formatSecret('api_token', body))?.kind).toBe('api_token');
  });

  it('rejects every single-character typo, wherever it is, by the checksum alone', () => {
    const secret = formatSecret('session', body);
    let typos = 0;
    for (let i = 'wdn_s_'.length; i < secret.length; i++) {
      for (const replacement of BASE62_ALPHABET) {
        if (replacement === secret[i]) continue;
        const typo = secret.slice(0, i) + replacement + secret.slice(i + 1);
        expect(parseSecret(typo)).toBeNull();
        typos++;
      }
    }
    expect(typos).toBe(38 * 61);
  });

  it('rejects two adjacent characters swapped', () => {
    const secret = formatSecret('api_token', body);
    for (let i = 6; i < secret.length - 1; i++) {
      if (secret[i] === secret[i + 1]) continue;
      const swapped = secret.slice(0, i) + secret[i + 1] + secret[i] + secret.slice(i + 2);
      expect(parseSecret(swapped)).toBeNull();
    }
  });

  it.each([
    ['empty', ''],
    ['truncated', formatSecret('session', body).slice(0, -1)],
    ['one character too many', `${formatSecret('session', body)}a`],
    ['unknown prefix', `wdn_x_${formatSecret('session', body).slice(6)}`],
    ['a space inside', `${formatSecret('session', body).slice(0, 10)} ${formatSecret('session', body).slice(11)}`],
    ['another vendor\'s token', 'ghp_' + 'a'.repeat(40)],
    ['another vendor\'s login key (40 lowercase letters and digits)', 'ltcg2p2w7o9vxju313f04rq7lcc4xu2bwso423b3'],
  ])('rejects %s', (_what, presented) => {
    expect(parseSecret(presented)).toBeNull();
  });

  it('rejects a secret whose body is valid but whose checksum belongs to the other kind', () => {
    const session = formatSecret('session', body);
    const relabelled = SECRET_PREFIXES.api_token + session.slice(SECRET_PREFIXES.session.length);
    expect(parseSecret(relabelled)).toBeNull();
  });

  it('hashes with SHA-256 in lowercase hex, as createHash does', () => {
    const secret = formatSecret('session', body);
    expect(secretHash(secret)).toBe(createHash('sha256').update(secret).digest('hex'));
    expect(credentialKey(secretHash(secret))).toMatch(/^credential:[0-9a-f]{64}$/);
  });

  it('shows the last four characters', () => {
    expect(secretLastFour(formatSecret('session', body))).toBe(formatSecret('session', body).slice(-4));
  });

  it('parses any secret built from random bodies', () => {
    for (let n = 0; n < 200; n++) {
      const randomBody = Array.from(randomBytes(32), (byte) => BASE62_ALPHABET[byte % 62]).join('');
      expect(parseSecret(formatSecret('session', randomBody))).not.toBeNull();
    }
  });
});
