import { UsersErrorCode, WardenError } from '@warden/contracts';
import {
  PASSWORD_RULES,
  PasswordContext,
  PasswordRule,
  assertPassword,
  checkPassword,
} from './password-policy';

const context: PasswordContext = {
  username: 'api_user@mycompany',
  firstName: 'Grace',
  lastName: 'Hopper',
  email: 'ops.team@example.com',
};
const good = 'violet-kettle-orbit';

const rulesFailed = (password: string, given: PasswordContext = context): PasswordRule[] =>
  checkPassword(password, given).map(({ rule }) => rule);

describe('password policy', () => {
  it('accepts a long passphrase with no composition rules (NIST 800-63B)', () => {
    expect(checkPassword(good, context)).toEqual([]);
    expect(checkPassword('all lower case words here', context)).toEqual([]);
  });

  describe('length', () => {
    it('refuses fewer than 12 characters', () => {
      expect(rulesFailed('violet-kett')).toEqual(['min_length']);
    });

    it('accepts exactly 12 characters', () => {
      expect(rulesFailed('violet-kettl')).toEqual([]);
    });

    it('counts characters, not UTF-16 units', () => {
      const elevenCharacters = '🔑🔒🔓🗝abcdefg';
      expect(elevenCharacters.length).toBe(15);
      expect(rulesFailed(elevenCharacters)).toEqual(['min_length']);
    });

    it('refuses more than 128 characters, and accepts 128', () => {
      const long = 'abcdefgh'.repeat(16);
      expect(rulesFailed(long)).toEqual([]);
      expect(rulesFailed(long + 'x')).toEqual(['max_length']);
    });
  });

  describe('common passwords', () => {
    it('refuses a password from the common list', () => {
      expect(rulesFailed('qwerty123456')).toEqual(['common_password']);
    });

    it('compares case-insensitively', () => {
      expect(rulesFailed('QazWsxEdcRfv')).toEqual(['common_password']);
    });

    it.each(['Password2024!!', 'sunshine12345', 'qwertyuiop!!!', 'Dragon_2026#'])(
      'refuses a common word with trailing digits or symbols (%p)',
      (password) => {
        expect(rulesFailed(password)).toContain('common_password');
      },
    );

    it('does not refuse a common word inside a longer passphrase', () => {
      expect(rulesFailed('dragon-violet-kettle')).toEqual([]);
    });
  });

  describe('personal information', () => {
    it('refuses a password containing the username, case-insensitively', () => {
      expect(checkPassword('xx-API_USER@MYCOMPANY-xx', context)).toEqual([
        { rule: 'contains_personal_information', message: 'must not contain the username' },
      ]);
    });

    it('refuses a password containing the local part of an email-like username', () => {
      expect(rulesFailed('my-api_user-secret')).toEqual(['contains_personal_information']);
    });

    it('refuses a password containing the first or last name, naming which', () => {
      expect(checkPassword('gracehopper-violet', context)).toEqual([
        {
          rule: 'contains_personal_information',
          message: 'must not contain the first name or the last name',
        },
      ]);
    });

    it('refuses a password containing the name of the email address', () => {
      expect(rulesFailed('violet ops.team kettle')).toEqual(['contains_personal_information']);
    });

    it('ignores names shorter than 3 characters', () => {
      expect(
        rulesFailed('violet-li-kettle', { username: 'svc-ci', firstName: 'Li', lastName: 'Wu' }),
      ).toEqual([]);
    });

    it('works without the optional names', () => {
      expect(rulesFailed('svc-ci-violet-kettle', { username: 'svc-ci' })).toEqual([
        'contains_personal_information',
      ]);
    });
  });

  it('refuses fewer than 4 distinct characters, case-insensitively', () => {
    expect(rulesFailed('abcabcabcabcabc')).toEqual(['too_few_distinct_characters']);
    expect(rulesFailed('AbCaBcAbCaBcAbC')).toEqual(['too_few_distinct_characters']);
    expect(rulesFailed('abcdabcdabcdabcd')).toEqual([]);
  });

  it.each([
    ['a newline', 'violet\nkettle-orbit'],
    ['a tab', 'violet\tkettle-orbit'],
    ['a NUL', 'violet\u0000kettle-orbit'],
    ['a DEL', 'violet\u007fkettle-orbit'],
  ])('refuses control characters (%s)', (_what, password) => {
    expect(rulesFailed(password)).toEqual(['control_characters']);
  });

  it('lists every rule that failed, in a stable order', () => {
    expect(rulesFailed('aaa\u0000', { username: 'aaa' })).toEqual([
      'min_length',
      'contains_personal_information',
      'too_few_distinct_characters',
      'control_characters',
    ]);
  });

  describe('assertPassword', () => {
    it('accepts a good password silently', () => {
      expect(() => assertPassword(good, context)).not.toThrow();
    });

    it('throws password_policy_failed with one error per failed rule, on the password field', () => {
      let thrown: unknown;
      try {
        assertPassword('Hopper-kv', context);
      } catch (error) {
        thrown = error;
      }
      expect(thrown).toBeInstanceOf(WardenError);
      const error = thrown as WardenError;
      expect(error.code).toBe(UsersErrorCode.PasswordPolicyFailed);
      expect(error.detail).toBe(
        'password does not meet the policy: min_length, contains_personal_information',
      );
      expect(error.errors).toEqual([
        { field: 'password', rule: 'min_length', message: PASSWORD_RULES.min_length },
        {
          field: 'password',
          rule: 'contains_personal_information',
          message: 'must not contain the last name',
        },
      ]);
    });

    it('never echoes the password', () => {
      try {
        assertPassword('Hopper-kv', context);
      } catch (error) {
        expect(JSON.stringify((error as WardenError).toPayload())).not.toContain('Hopper-kv');
      }
      expect.assertions(1);
    });
  });
});
