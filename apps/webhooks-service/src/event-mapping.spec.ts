import { PublishedEvent } from '@warden/messaging';
import { MAPPED_EVENT_TYPES, webhookMessageOf } from './event-mapping';

const event = (type: string, data: Record<string, unknown>, organizationId?: string): PublishedEvent => ({
  id: 'e-1',
  type,
  schemaVersion: 1,
  data: data as PublishedEvent['data'],
  metadata: { correlationId: 'c-1', ...(organizationId ? { organizationId } : {}) },
  streamId: 's-1',
  version: 1,
  position: '1',
  recordedAt: '2026-12-03T10:00:00.000Z',
  service: 'tokens',
});

describe('webhook event mapping', () => {
  it('maps every agreed domain event type', () => {
    expect([...MAPPED_EVENT_TYPES].sort()).toEqual(
      [
        'ServiceAccountLimitReached',
        'TokenDisabled',
        'TokenEnabled',
        'TokenExpired',
        'TokenExpiring',
        'TokenIssued',
        'TokenLeaked',
        'TokenRevoked',
        'TokenRotated',
        'UserCreated',
        'UserDeactivated',
        'UserDeleted',
        'UserReactivated',
      ].sort(),
    );
  });

  it('never carries a secret or its hash', () => {
    const message = webhookMessageOf(
      event('TokenIssued', {
        tokenId: 't-1',
        organizationId: 'org-a',
        ownerId: 'u-1',
        name: 'CI',
        visibility: 'private',
        allowedOrigins: [],
        expiresAt: null,
        permissions: null,
        secretHash: 'abc',
        lastFour: 'wxyz',
        issuedAt: '2026-12-03T10:00:00.000Z',
      }),
    );
    expect(message).toEqual({
      type: 'token.issued',
      organizationId: 'org-a',
      data: { organization_id: 'org-a', token_id: 't-1', owner_id: 'u-1', name: 'CI', expires_at: null, permissions: null, issued_at: '2026-12-03T10:00:00.000Z' },
    });
    const rotated = webhookMessageOf(event('TokenRotated', { tokenId: 't-1', secretHash: 'h', lastFour: 'abcd', previousSecretHash: 'p', previousValidUntil: 'x', rotatedAt: 'y' }, 'org-a'));
    expect(JSON.stringify(rotated)).not.toMatch(/hash|lastFour|last_four/i);
  });

  it('takes the organization of an event that does not carry one from the request that made it', () => {
    expect(webhookMessageOf(event('UserDeactivated', { userId: 'u-1', deactivatedAt: 'now' }, 'org-b'))).toEqual({
      type: 'account.deactivated',
      organizationId: 'org-b',
      data: { organization_id: 'org-b', account_id: 'u-1', deactivated_at: 'now' },
    });
    expect(webhookMessageOf(event('UserDeactivated', { userId: 'u-1', deactivatedAt: 'now' }))).toBeUndefined();
  });

  it('sends nothing for other events', () => {
    expect(webhookMessageOf(event('UserProfileChanged', { userId: 'u-1' }, 'org-a'))).toBeUndefined();
    expect(webhookMessageOf(event('toString', {}, 'org-a'))).toBeUndefined();
  });
});
