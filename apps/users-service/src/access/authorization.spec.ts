import { principalOf } from '@warden/access';
import { CommonErrorCode, UsersErrorCode, WardenError } from '@warden/contracts';
import { InMemoryEventStore } from '@warden/event-store';
import { accountAccessOf } from '@warden/users-domain';
import { PlatformIdentity } from '../bootstrap/platform-identity';
import { AccessReader, AccountShape, requireAccountChange, requireTeamMembershipChange, requireUserManagement } from './authorization';

// A manager's reach is their own teams: the people in them, and those teams' membership.
// Service accounts, people outside their teams and anyone stronger than them are not theirs.

const ORG = 'org-1';
const OTHER_ORG = 'org-2';
const OWN_TEAM = 'team-1';
const OTHER_TEAM = 'team-2';

const identity = new PlatformIdentity();
identity.rootOrganizationId = 'org-root';
const reader: AccessReader = { store: new InMemoryEventStore(), identity };

const shape = (id: string, fields: Partial<AccountShape> = {}): AccountShape => ({
  id,
  organizationId: ORG,
  accountType: 'user',
  roles: [],
  teams: [OWN_TEAM],
  ...fields,
});
const managerAccount = shape('manager-1', { roles: ['WARDEN_MANAGER'] });
const manager = principalOf(accountAccessOf(managerAccount, [], identity.rootOrganizationId));

async function refusal(attempt: () => Promise<unknown> | unknown): Promise<WardenError> {
  try {
    await attempt();
  } catch (error) {
    if (error instanceof WardenError) return error;
    throw error;
  }
  throw new Error('expected a refusal');
}
const create = (account: AccountShape) => requireAccountChange(reader, manager, null, account);

describe('a manager', () => {
  it('creates a person in their own team', async () => {
    await expect(create(shape('user-1'))).resolves.toMatchObject({ userId: 'user-1', teams: [OWN_TEAM] });
  });

  it('creates nobody outside their teams, nor in no team', async () => {
    expect((await refusal(() => create(shape('user-2', { teams: [OTHER_TEAM] })))).code).toBe(CommonErrorCode.Forbidden);
    expect((await refusal(() => create(shape('user-3', { teams: [] })))).code).toBe(CommonErrorCode.Forbidden);
  });

  it('creates no service account, even in their own team', async () => {
    for (const accountType of ['service_external', 'service_internal'] as const) {
      const refused = await refusal(() => create(shape('svc-1', { accountType })));
      expect(refused.code).toBe(CommonErrorCode.Forbidden);
      expect(refused.detail).toContain('service_accounts:write');
    }
  });

  it('gives no role holding more than their own: a member reads the whole organization, a manager only its teams', async () => {
    const refused = await refusal(() => create(shape('user-4', { roles: ['WARDEN_MEMBER'] })));
    expect(refused.code).toBe(CommonErrorCode.Forbidden);
    expect(refused.detail).toContain('more powerful than the caller');
  });

  it('moves a person of their team only into teams they manage', async () => {
    const person = shape('user-5');
    // Out of the manager's teams altogether: the person would no longer be theirs.
    const away = await refusal(() => requireAccountChange(reader, manager, person, { ...person, teams: [OTHER_TEAM] }));
    expect(away.code).toBe(CommonErrorCode.Forbidden);
    // Into another team as well: the person stays theirs, but that team's membership is not.
    await expect(requireAccountChange(reader, manager, person, { ...person, teams: [OWN_TEAM, OTHER_TEAM] })).resolves.toMatchObject({ userId: 'user-5' });
    expect((await refusal(() => requireTeamMembershipChange(manager, ORG, [OTHER_TEAM]))).code).toBe(CommonErrorCode.Forbidden);
    expect(() => requireTeamMembershipChange(manager, ORG, [OWN_TEAM])).not.toThrow();
  });

  it('changes neither their own teams nor their own roles', async () => {
    const refused = await refusal(() => requireAccountChange(reader, manager, managerAccount, { ...managerAccount, teams: [OWN_TEAM, OTHER_TEAM] }));
    expect(refused.detail).toBe('nobody changes their own roles, teams or account type');
    expect((await refusal(() => requireAccountChange(reader, manager, managerAccount, { ...managerAccount, roles: ['WARDEN_ADMIN'] }))).code).toBe(
      CommonErrorCode.Forbidden,
    );
  });

  it('deactivates or deletes a person of their team, but not an admin of it nor a person of another team', async () => {
    await expect(requireUserManagement(reader, manager, shape('user-6'))).resolves.toMatchObject({ userId: 'user-6' });
    expect((await refusal(() => requireUserManagement(reader, manager, shape('admin-1', { roles: ['WARDEN_ADMIN'] })))).code).toBe(CommonErrorCode.Forbidden);
    expect((await refusal(() => requireUserManagement(reader, manager, shape('user-7', { teams: [OTHER_TEAM] })))).code).toBe(CommonErrorCode.Forbidden);
  });

  it('finds no person of another organization: it reads as not found', async () => {
    const refused = await refusal(() => requireUserManagement(reader, manager, shape('user-8', { organizationId: OTHER_ORG })));
    expect(refused.code).toBe(UsersErrorCode.UserNotFound);
  });
});
