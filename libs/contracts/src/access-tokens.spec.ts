import { randomBytes } from 'node:crypto';
import { AccessTokenClaims, accessTokenSignedWith, formatAccessToken, readAccessToken } from './access-tokens';

const key = { id: 'k3yK3yK3yK3y', secret: randomBytes(32) };
const claims: AccessTokenClaims = {
  grantId: '0193a4c2-0000-7000-8000-000000000001',
  accountId: '0193a4c2-0000-7000-8000-000000000002',
  credentialId: '0193a4c2-0000-7000-8000-000000000003',
  issuedAt: 1_900_000_000,
  expiresAt: 1_900_000_900,
  scope: ['records:write'],
};

describe('access tokens', () => {
  it('carry their claims, signed by the key they name', () => {
    const token = formatAccessToken(claims, key);
    expect(token.startsWith('wdn_at_k3yK3yK3yK3y.')).toBe(true);
    const read = readAccessToken(token)!;
    expect(read.keyId).toBe(key.id);
    expect(read.claims).toEqual(claims);
    expect(accessTokenSignedWith(read, key.secret)).toBe(true);
    expect(accessTokenSignedWith(read, randomBytes(32))).toBe(false);
  });

  it('refuse a changed claim: the MAC no longer holds', () => {
    const token = formatAccessToken(claims, key);
    const [prefix, , mac] = token.split('.');
    const widened = Buffer.from(JSON.stringify({ g: claims.grantId, a: claims.accountId, c: claims.credentialId, i: claims.issuedAt, e: claims.expiresAt + 86_400, s: null })).toString('base64url');
    const forged = readAccessToken(`${prefix}.${widened}.${mac}`)!;
    expect(forged.claims.scope).toBeNull();
    expect(accessTokenSignedWith(forged, key.secret)).toBe(false);
  });

  it('are not read from anything else', () => {
    for (const presented of ['', 'wdn_at_', 'wdn_at_short.e30.x', 'wdn_p_abc', `wdn_at_${key.id}.${Buffer.from('[]').toString('base64url')}.${'A'.repeat(43)}`, `wdn_at_${key.id}.not json.${'A'.repeat(43)}`]) {
      expect(readAccessToken(presented)).toBeNull();
    }
  });
});
