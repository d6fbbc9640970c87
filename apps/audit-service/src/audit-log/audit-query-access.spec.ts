import { AccountAccess } from '@warden/access';
import { CommonErrorCode, RequestContext } from '@warden/contracts';
import { principalViewOf } from '@warden/testing';
import { auditReaderOf, chainToVerify, organizationToRead, requireBackfillOperator, subjectScope } from './audit-query-access';

const ORG = '0190a0d2-0000-7000-8000-0000000000aa';
const OTHER_ORG = '0190a0d2-0000-7000-8000-0000000000bb';

const account = (fields: Partial<AccountAccess> = {}): AccountAccess => ({
  userId: 'u-1',
  organizationId: ORG,
  accountType: 'user',
  roles: [],
  teams: [],
  permissions: {},
  isSuperAdmin: false,
  platformAdmin: false,
  ...fields,
});
const contextOf = (access: AccountAccess, narrowedTo: string[] | null = null): RequestContext => ({
  correlationId: 'c-1',
  actorType: 'user',
  principal: principalViewOf(access, narrowedTo),
});

const auditor = auditReaderOf(contextOf(account({ permissions: { 'audit:read': 'organization' } })));
const platformAdmin = auditReaderOf(contextOf(account({ isSuperAdmin: true, platformAdmin: true })));
const forbidden = expect.objectContaining({ code: CommonErrorCode.Forbidden }) as Error;

describe('who reads the audit log', () => {
  it('needs an authenticated caller', () => {
    expect(() => auditReaderOf({ correlationId: 'c-1', actorType: 'anonymous' })).toThrow(expect.objectContaining({ code: CommonErrorCode.Unauthenticated }) as Error);
  });

  it('needs audit:read across the organization: none, or only for the caller’s teams, is refused', () => {
    expect(() => auditReaderOf(contextOf(account()))).toThrow(forbidden);
    expect(() => auditReaderOf(contextOf(account({ teams: ['t-1'], permissions: { 'audit:read': 'team' } })))).toThrow(forbidden);
    expect(auditReaderOf(contextOf(account({ permissions: { 'audit:read': 'organization' } }))).userId).toBe('u-1');
  });

  it('lets a super admin read, but not through a token narrowed to other permissions', () => {
    const superAdmin = account({ isSuperAdmin: true });
    expect(auditReaderOf(contextOf(superAdmin)).userId).toBe('u-1');
    expect(() => auditReaderOf(contextOf(superAdmin, ['users:read']))).toThrow(forbidden);
    expect(auditReaderOf(contextOf(superAdmin, ['audit:read'])).platformAdmin).toBe(false);
  });

  it('reads the caller’s organization unless another is named, and another only for the platform admin', () => {
    expect(organizationToRead(auditor, undefined)).toBe(ORG);
    expect(organizationToRead(auditor, ORG)).toBe(ORG);
    expect(() => organizationToRead(auditor, OTHER_ORG)).toThrow(forbidden);
    expect(organizationToRead(platformAdmin, OTHER_ORG)).toBe(OTHER_ORG);
    expect(organizationToRead(platformAdmin, undefined)).toBe(ORG);
  });

  it('asks about one subject within the caller’s organization, and across every one for the platform admin', () => {
    expect(subjectScope(auditor)).toBe(ORG);
    expect(subjectScope(platformAdmin)).toBeUndefined();
  });

  it('verifies the caller’s chain, and the platform chain or every chain only for the platform admin', () => {
    expect(chainToVerify(auditor, undefined)).toBe(ORG);
    expect(chainToVerify(auditor, ORG.toUpperCase())).toBe(ORG);
    expect(() => chainToVerify(auditor, OTHER_ORG)).toThrow(forbidden);
    expect(() => chainToVerify(auditor, 'platform')).toThrow(forbidden);
    expect(() => chainToVerify(auditor, 'all')).toThrow(forbidden);
    expect(chainToVerify(platformAdmin, 'platform')).toBe('platform');
    expect(chainToVerify(platformAdmin, 'all')).toBeUndefined();
    expect(chainToVerify(platformAdmin, OTHER_ORG)).toBe(OTHER_ORG);
  });

  it('runs the backfill for the platform admin only', () => {
    expect(() => requireBackfillOperator(auditor)).toThrow(forbidden);
    expect(() => requireBackfillOperator(platformAdmin)).not.toThrow();
  });
});
