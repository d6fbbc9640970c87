import { PrincipalView } from './principal';
import { replayModeOf, requireReplayOperator } from './read-models';
import { RequestContext } from './request-context';

const principal = (platformAdmin: boolean): PrincipalView => ({
  userId: 'u1',
  organizationId: 'o1',
  accountType: 'service_internal',
  roles: [],
  teams: [],
  permissions: {},
  isSuperAdmin: true,
  platformAdmin,
  credential: { kind: 'api_token', id: 't1', expiresAt: null },
});

describe('who may replay a read model', () => {
  const context = (fields: Partial<RequestContext>): RequestContext => ({ correlationId: 'c1', actorType: 'user', ...fields });

  it('lets the platform admin and a system caller without a principal (npm run replay) through', () => {
    expect(() => requireReplayOperator(context({ principal: principal(true) }))).not.toThrow();
    expect(() => requireReplayOperator(context({ actorType: 'system' }))).not.toThrow();
  });

  it('refuses an organization super admin, an anonymous user, and a principal claiming to be the system', () => {
    expect(() => requireReplayOperator(context({ principal: principal(false) }))).toThrow(expect.objectContaining({ code: 'forbidden' }));
    expect(() => requireReplayOperator(context({}))).toThrow(expect.objectContaining({ code: 'forbidden' }));
    expect(() => requireReplayOperator(context({ actorType: 'system', principal: principal(false) }))).toThrow(expect.objectContaining({ code: 'forbidden' }));
  });

  it('replays with a swap unless a compare is asked, and refuses any other mode naming the field', () => {
    expect(replayModeOf(undefined)).toBe('swap');
    expect(replayModeOf({})).toBe('swap');
    expect(replayModeOf({ mode: 'compare' })).toBe('compare');
    expect(() => replayModeOf({ mode: 'sideways' as 'swap' })).toThrow(expect.objectContaining({ code: 'validation_failed', errors: [expect.objectContaining({ field: 'mode' })] }));
  });
});
