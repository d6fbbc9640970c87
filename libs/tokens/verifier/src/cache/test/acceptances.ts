import type { PrincipalView } from '@warden/contracts';
import type { Acceptance } from '../lease-fenced-cache';

/** An accepted verification of API token `credentialId` of `userId` in `organizationId`, as the cache keeps it; `fields` set what a test is about. */
export function acceptanceOf(credentialId: string, userId = 'user-1', organizationId = 'org-1', fields: Partial<PrincipalView> = {}): Acceptance {
  return {
    view: {
      userId,
      organizationId,
      accountType: 'service_external',
      roles: ['viewer'],
      teams: [],
      permissions: { 'tokens:read': 'organization' },
      isSuperAdmin: false,
      platformAdmin: false,
      credential: { kind: 'api_token', id: credentialId, expiresAt: null },
      ...fields,
    },
    untilMs: Infinity,
  };
}
