import { OAuthFormBody, parseOAuthForm } from './oauth-form';

describe('OAuth form bodies', () => {
  it('are read once per parameter, decoded', () => {
    expect(parseOAuthForm('grant_type=client_credentials&scope=records%3Aread+records%3Awrite')).toEqual(
      new OAuthFormBody({ grant_type: 'client_credentials', scope: 'records:read records:write' }, null),
    );
  });

  it('name the first parameter given twice (RFC 6749 §3.1)', () => {
    expect(parseOAuthForm('scope=a&grant_type=client_credentials&scope=b')).toEqual(new OAuthFormBody(null, 'scope'));
  });
});
