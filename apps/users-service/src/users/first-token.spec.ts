import { CommonErrorCode, IssuedTokenView, TokensErrorCode, UserView, WardenError } from '@warden/contracts';
import { wantsFirstToken, withFirstToken } from './first-token';

const serviceAccount: UserView = {
  id: '01900000-0000-7000-8000-0000000000a1',
  organization_id: '01900000-0000-7000-8000-0000000000aa',
  account_type: 'service_external',
  username: 'docusign-webhooks@acme',
  first_name: null,
  last_name: null,
  email: null,
  friendly_name: 'DocuSign Webhooks',
  description: null,
  status: 'active',
  roles: [],
  teams: [],
  created_at: '2026-01-01T00:00:00.000Z',
  last_active_at: null,
};
const person: UserView = { ...serviceAccount, account_type: 'user' };

describe('a new account’s first token', () => {
  it('is wanted when the body asks for it, or names its organization as account_id, and only for a service account', () => {
    expect(wantsFirstToken({ issue_token: true }, serviceAccount)).toBe(true);
    expect(wantsFirstToken({ account_id: serviceAccount.organization_id }, serviceAccount)).toBe(true);
    expect(wantsFirstToken({ account_id: serviceAccount.organization_id, issue_token: false }, serviceAccount)).toBe(false);
    expect(wantsFirstToken({ organization: serviceAccount.organization_id }, serviceAccount)).toBe(false);
    expect(wantsFirstToken({ issue_token: true }, person)).toBe(false);
  });

  it('is answered once with its secret beside the account', async () => {
    const issued = { id: 't-1', user_id: serviceAccount.id, name: 'DocuSign Webhooks', token: 'wdn_secret' } as IssuedTokenView;
    await expect(withFirstToken(serviceAccount, () => Promise.resolve(issued))).resolves.toEqual({
      ...serviceAccount,
      api_token: { id: 't-1', user_id: serviceAccount.id, name: 'DocuSign Webhooks', token: 'wdn_secret', enabled: true },
    });
  });

  it('leaves the account standing when refused, with null and why', async () => {
    const refusal = new WardenError(TokensErrorCode.InvalidTokenOwner, 'the owner cannot hold tokens');
    await expect(withFirstToken(serviceAccount, () => Promise.reject(refusal))).resolves.toEqual({
      ...serviceAccount,
      api_token: null,
      api_token_error: { code: 'invalid_token_owner', detail: 'the owner cannot hold tokens' },
    });
    const unavailable = new WardenError(CommonErrorCode.ServiceUnavailable, 'No service is answering tokens.tokens.issue');
    await expect(withFirstToken(serviceAccount, () => Promise.reject(unavailable))).resolves.toMatchObject({ api_token: null, api_token_error: { code: 'service_unavailable' } });
  });

  it('throws anything that is not a refusal', async () => {
    const bug = new TypeError('not a refusal');
    await expect(withFirstToken(serviceAccount, () => Promise.reject(bug))).rejects.toBe(bug);
  });
});
