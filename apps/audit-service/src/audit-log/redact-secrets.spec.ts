import { REDACTED, redactSecrets } from './redact-secrets';

describe('redactSecrets', () => {
  it('drops secrets at any depth and keeps identifiers', () => {
    const data = {
      userId: 'u-1',
      password: 'correct horse battery staple',
      passwordHash: '$argon2id$v=19$...',
      credentials: { apiKey: 'wdn_abc', nested: [{ token: 'wdn_secret', tokenId: 't-1' }] },
      tokenHash: 'ab12',
      tokenPrefix: 'wdn_',
      key: 'login-key',
      name: 'webhook processor',
    };

    expect(redactSecrets(data)).toEqual({
      userId: 'u-1',
      password: REDACTED,
      passwordHash: REDACTED,
      credentials: REDACTED,
      tokenHash: REDACTED,
      tokenPrefix: 'wdn_',
      key: REDACTED,
      name: 'webhook processor',
    });
  });

  it('keeps token ids inside arrays of objects', () => {
    expect(redactSecrets({ tokens: [{ tokenId: 't-1', secret: 's' }] })).toEqual({
      tokens: [{ tokenId: 't-1', secret: REDACTED }],
    });
  });

  it('leaves the input untouched', () => {
    const data = { password: 'p' };
    redactSecrets(data);
    expect(data.password).toBe('p');
  });
});
