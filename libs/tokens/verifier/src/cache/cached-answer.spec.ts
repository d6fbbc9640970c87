import fc from 'fast-check';
import type { CredentialRecord, OrganizationPolicyRecord, PrincipalRecord } from '@warden/contracts';
import { acceptanceOf, answerFromCache, decideRecords } from '../verify-credential';
import { LeaseFencedCache } from './lease-fenced-cache';
import { leasedCache } from './test/acceptances';

// A cache hit answers from what an earlier verification decided, checking only the clock and a
// public token's origins again. The property: whatever the records, the moment kept and the
// moment, kind and origin of the later verification, a hit answers exactly what deciding on
// the same records again would, and answers every verification that decision accepts.

const T0 = Date.parse('2030-01-01T00:00:00.000Z');
const HOUR = 3_600_000;
const moment = fc.integer({ min: T0 - 48 * HOUR, max: T0 + 48 * HOUR });
// Mostly as Warden writes times; sometimes another spelling of the same moment, which a hit must answer as it was read.
const iso = fc.tuple(moment, fc.nat(4)).map(([ms, spelling]) => (spelling === 0 ? new Date(ms).toISOString().replace('Z', '+00:00') : new Date(ms).toISOString()));
const ORIGINS = ['https://a.example', 'https://b.example', 'http://a.example'];

const credentialArb = fc.record({
  kind: fc.constantFrom('api_token' as const, 'session' as const),
  credentialId: fc.constantFrom('t-1', 't-2'),
  userId: fc.constantFrom('u-1', 'u-2'),
  organizationId: fc.constantFrom('o-1', 'o-2'),
  expiresAt: fc.option(iso, { nil: null }),
  status: fc.constantFrom('active' as const, 'active' as const, 'active' as const, 'revoked' as const),
  allowedOrigins: fc.option(fc.subarray(ORIGINS), { nil: undefined }),
  issuedAt: fc.option(iso, { nil: undefined }),
  permissions: fc.option(fc.subarray(['tokens:read', 'users:read', 'audit:read']), { nil: undefined }),
  disabledAt: fc.oneof({ arbitrary: fc.constant(undefined), weight: 8 }, { arbitrary: iso, weight: 1 }),
  rotatedOutAt: fc.option(iso, { nil: undefined }),
}, { requiredKeys: ['kind', 'credentialId', 'userId', 'organizationId', 'expiresAt', 'status'] }) as fc.Arbitrary<CredentialRecord>;

const ownerArb = fc.record({
  userId: fc.constantFrom('u-1', 'u-2'),
  organizationId: fc.constantFrom('o-1', 'o-2'),
  accountType: fc.constantFrom('service_external' as const, 'service_internal' as const, 'service_external' as const, 'user' as const),
  username: fc.constant('robot'),
  roles: fc.subarray(['WARDEN_AUDITOR', 'WARDEN_SUPER_ADMIN']),
  teams: fc.subarray(['team-1']),
  permissions: fc.dictionary(fc.constantFrom('tokens:read', 'users:read', 'audit:read'), fc.constantFrom('organization' as const, 'team' as const)),
  isSuperAdmin: fc.boolean(),
  platformAdmin: fc.boolean(),
  status: fc.constantFrom('active' as const, 'active' as const, 'active' as const, 'deactivated' as const),
  sessionsNotBefore: fc.option(iso, { nil: undefined }),
}, { requiredKeys: ['userId', 'organizationId', 'accountType', 'username', 'roles', 'teams', 'permissions', 'isSuperAdmin', 'platformAdmin', 'status'] }) as fc.Arbitrary<PrincipalRecord>;

const policyArb = fc.option(
  fc.record({ organizationId: fc.constantFrom('o-1', 'o-2'), maxTokenLifetimeSeconds: fc.option(fc.integer({ min: 1, max: 72 * 3600 }), { nil: null }) }),
  { nil: null },
) as fc.Arbitrary<OrganizationPolicyRecord | null>;

const originArb = fc.option(fc.constantFrom(...ORIGINS, 'https://elsewhere.example'), { nil: null });

describe('a cache hit', () => {
  let cache: LeaseFencedCache;
  beforeEach(async () => {
    cache = await leasedCache();
  });

  // Kept and looked up as the verifier does, so that what the cache shares and freezes is in the property.
  const kept = (acceptance: ReturnType<typeof acceptanceOf>) => {
    if (!cache.offer('digest', cache.ticket(), acceptance)) throw new Error('kept');
    return cache.lookup('digest')!;
  };

  it('answers what deciding on the same records again answers, and every verification that decision accepts', () => {
    let accepted = 0;
    fc.assert(
      fc.property(credentialArb, ownerArb, policyArb, fc.nat(9), moment, originArb, moment, originArb, fc.constantFrom('api_token' as const, 'session' as const), (credential, read, policy, others, t0, origin0, t1, origin1, kind1) => {
        // Mostly the credential's own owner (else it is never accepted), sometimes another.
        const owner = others === 0 ? read : { ...read, userId: credential.userId, organizationId: credential.organizationId };
        const first = decideRecords(credential.kind, credential, owner, policy, new Date(t0), origin0);
        if (!first.ok) return;
        accepted++;
        const later = new Date(t1);
        const answer = answerFromCache(kept(acceptanceOf(first, credential)), kind1, later, origin1);
        const decided = decideRecords(kind1, credential, owner, policy, later, origin1);
        if (answer !== undefined) expect(answer).toEqual(decided);
        else expect(decided.ok).toBe(false);
      }),
      { numRuns: 2000 },
    );
    // The generators reach acceptances often enough for the property to say something.
    expect(accepted).toBeGreaterThan(100);
  });

  it('answers a view of its own: changing one leaves the next hit as kept', () => {
    const credential: CredentialRecord = { kind: 'api_token', credentialId: 't-1', userId: 'u-1', organizationId: 'o-1', expiresAt: null, status: 'active' };
    const owner = { userId: 'u-1', organizationId: 'o-1', accountType: 'service_external', username: 'robot', roles: ['r'], teams: [], permissions: {}, isSuperAdmin: false, platformAdmin: false, status: 'active' } as PrincipalRecord;
    const first = decideRecords('api_token', credential, owner, null, new Date(T0));
    if (!first.ok) throw new Error('accepted');
    const cached = kept(acceptanceOf(first, credential));
    const answer = answerFromCache(cached, 'api_token', new Date(T0), null);
    if (!answer?.ok) throw new Error('answered');
    answer.principal.userId = 'someone-else';
    answer.principal.credential.expiresAt = '2000-01-01T00:00:00.000Z';
    expect(() => answer.principal.roles.push('WARDEN_SUPER_ADMIN')).toThrow(TypeError);
    expect(answerFromCache(cached, 'api_token', new Date(T0), null)).toEqual(first);
  });
});
