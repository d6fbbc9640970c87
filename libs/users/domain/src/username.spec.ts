import { UsersErrorCode, WardenError } from '@warden/contracts';
import { USERNAME_RULE, checkUsername, normalizeUsername } from './username';

function refusal(username: string): WardenError {
  try {
    checkUsername(username);
  } catch (error) {
    if (error instanceof WardenError) return error;
    throw error;
  }
  throw new Error(`${JSON.stringify(username)} was accepted`);
}

describe('usernames', () => {
  describe('are unique case-insensitively, so they are normalized', () => {
    it('by lower-casing', () => {
      expect(normalizeUsername('Api_User@MyCompany')).toBe('api_user@mycompany');
    });

    it('by trimming surrounding spaces', () => {
      expect(normalizeUsername('  docusign-connect ')).toBe('docusign-connect');
    });

    it('by folding compatibility forms (NFKC)', () => {
      expect(normalizeUsername('ＡＰＩ１')).toBe('api1');
    });
  });

  describe('accept', () => {
    it.each([
      'api_user@mycompany', // email-like, as integrations name their accounts
      'svc.docusign-connect',
      'Pipeline42',
      'abc',
      'a'.repeat(64),
    ])('%p', (username) => {
      expect(checkUsername(username)).toBe(username);
    });

    it('a name with surrounding spaces, returned without them', () => {
      expect(checkUsername('  ci-runner ')).toBe('ci-runner');
    });

    it('keeps the case it was given for display', () => {
      expect(checkUsername('DocuSign')).toBe('DocuSign');
    });
  });

  describe('refuse', () => {
    it.each([
      ['a name with a space', 'api user'],
      ['a special character', 'api#user'],
      ['a slash', 'api/user'],
      ['a name shorter than 3 characters', 'ab'],
      ['a name longer than 64 characters', 'a'.repeat(65)],
      ['a name starting with a symbol', '_api'],
      ['a name ending with a symbol', 'api@'],
      ['a non-ASCII letter', 'jürgen'],
      ['an empty name', ''],
      ['a blank name', '    '],
    ])('%s (%p)', (_why, username) => {
      expect(refusal(username).code).toBe(UsersErrorCode.InvalidUsername);
    });

    it('saying exactly what is allowed, on the username field', () => {
      expect(refusal('api user').errors).toEqual([{ field: 'username', message: USERNAME_RULE }]);
      expect(USERNAME_RULE).toBe(
        'must be 3 to 64 characters long, using only letters (a-z, A-Z), digits (0-9) and the characters . _ - @, ' +
          'and must start and end with a letter or digit',
      );
    });
  });
});
