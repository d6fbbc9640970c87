import { UsersErrorCode, WardenError } from '@warden/contracts';
import { normalizeNewUser, referencedId } from './new-user';

const CALLER_ORG = '01900000-0000-7000-8000-0000000000aa';
const ORG = '01900000-0000-7000-8000-0000000000bb';
const TEAM = '01900000-0000-7000-8000-0000000000cc';

function refusal(run: () => unknown): WardenError {
  try {
    run();
  } catch (error) {
    if (error instanceof WardenError) return error;
    throw error;
  }
  throw new Error('expected a refusal');
}

describe('normalizeNewUser', () => {
  it('takes the plain body as pasted, in the caller’s organization, with the account type given', () => {
    const user = normalizeNewUser(
      { username: 'webhooks@acme', account_type: 'service_external', first_name: 'Docu', last_name: 'Sign', password: 'pw' },
      CALLER_ORG,
    );
    expect(user).toEqual({
      organizationId: CALLER_ORG,
      accountType: 'service_external',
      username: 'webhooks@acme',
      firstName: 'Docu',
      lastName: 'Sign',
      password: 'pw',
      roles: [],
      teams: [],
    });
  });

  it('takes the directory-style body: organization and groups as URLs of this API, defaulting to a human user', () => {
    const user = normalizeNewUser(
      {
        first_name: 'SYSTEM USER',
        last_name: '(DO NOT DELETE)',
        username: 'api_user@mycompany',
        password: 'pw',
        organization: `https://mycompany.example/api/v1/organizations/${ORG}`,
        groups: [`https://mycompany.example/api/v1/groups/${TEAM}`, `https://mycompany.example/api/v1/teams/${TEAM}/`],
      },
      CALLER_ORG,
    );
    expect(user).toMatchObject({ organizationId: ORG, accountType: 'user', teams: [TEAM] });
  });

  it('takes the service-user body: the email address is the username, account_id the organization, roles as objects', () => {
    const user = normalizeNewUser(
      {
        friendly_name: 'API Integration Service User',
        email_address: 'api-notifications@example.com',
        account_id: ORG,
        roles: [{ name: 'WARDEN_MEMBER' }, 'WARDEN_AUDITOR', { name: 'WARDEN_MEMBER' }],
      },
      CALLER_ORG,
    );
    expect(user).toEqual({
      organizationId: ORG,
      accountType: 'service_external',
      username: 'api-notifications@example.com',
      email: 'api-notifications@example.com',
      friendlyName: 'API Integration Service User',
      roles: ['WARDEN_MEMBER', 'WARDEN_AUDITOR'],
      teams: [],
    });
  });

  it('refuses a body without any username, naming the field', () => {
    expect(refusal(() => normalizeNewUser({ first_name: 'x' }, CALLER_ORG)).errors).toEqual([
      { field: 'username', message: expect.stringContaining('required') },
    ]);
  });

  it('refuses numeric group ids: Warden ids are uuids', () => {
    const error = refusal(() => normalizeNewUser({ username: 'abc', groups: ['https://x.example/api/v1/groups/3'] }, CALLER_ORG));
    expect(error.code).toBe(UsersErrorCode.InvalidReference);
    expect(error.errors?.[0]?.field).toBe('groups[0]');
  });

  it('refuses organization and account_id that disagree', () => {
    const error = refusal(() => normalizeNewUser({ username: 'abc', organization: ORG, account_id: CALLER_ORG }, CALLER_ORG));
    expect(error.errors?.map((e) => e.field)).toEqual(['account_id']);
  });
});

describe('referencedId', () => {
  it('accepts a bare id and a URL of the resource, and refuses a URL of another resource', () => {
    expect(referencedId(ORG.toUpperCase(), ['organizations'], 'organization')).toBe(ORG);
    expect(referencedId(`http://h/api/v1/organizations/${ORG}`, ['organizations'], 'organization')).toBe(ORG);
    expect(() => referencedId(`http://h/api/v1/users/${ORG}`, ['organizations'], 'organization')).toThrow(WardenError);
  });
});
