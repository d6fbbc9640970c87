import { FieldError, UsersErrorCode, WardenError } from '@warden/contracts';
import { dictionary } from '@zxcvbn-ts/language-common';

// NIST SP 800-63B: length, a blocklist and context words; no composition rules
// ("one upper case, one digit, ...") and no forced expiry.
export const PASSWORD_MIN_LENGTH = 12;
export const PASSWORD_MAX_LENGTH = 128;
export const PASSWORD_MIN_DISTINCT_CHARACTERS = 4;
// Shorter names ("Al", "Li") would refuse too many good passwords by accident.
const MIN_CONTEXT_WORD_LENGTH = 3;

export type PasswordRule =
  | 'min_length'
  | 'max_length'
  | 'common_password'
  | 'contains_personal_information'
  | 'too_few_distinct_characters'
  | 'control_characters';

export const PASSWORD_RULES: Readonly<Record<PasswordRule, string>> = {
  min_length: `must be at least ${PASSWORD_MIN_LENGTH} characters long`,
  max_length: `must be at most ${PASSWORD_MAX_LENGTH} characters long`,
  common_password: 'must not be a commonly used password',
  contains_personal_information: 'must not contain the username, first name, last name or email name',
  too_few_distinct_characters: `must use at least ${PASSWORD_MIN_DISTINCT_CHARACTERS} different characters`,
  control_characters: 'must not contain control characters',
};

export interface PasswordContext {
  username: string;
  firstName?: string | null;
  lastName?: string | null;
  email?: string | null;
}

export interface PasswordRuleFailure {
  rule: PasswordRule;
  message: string;
}

// A FieldError that also names the rule, so a client can show its own wording.
export interface PasswordFieldError extends FieldError {
  field: 'password';
  rule: PasswordRule;
}

let commonPasswords: ReadonlySet<string> | undefined;

// The list is ~49k words decompressed on first use; build the set once, lazily.
function isCommonPassword(candidate: string): boolean {
  commonPasswords ??= new Set(dictionary['passwords-common'].map((word) => word.toLowerCase()));
  return commonPasswords.has(candidate);
}

// "Password2024!" is "password" with a suffix people add to satisfy old composition rules.
function withoutTrailingDigitsAndSymbols(password: string): string {
  return password.replace(/[^\p{L}]+$/u, '');
}

function contextWords(context: PasswordContext): { label: string; word: string }[] {
  const candidates: { label: string; value: string | null | undefined }[] = [
    { label: 'username', value: context.username },
    { label: 'username', value: localPart(context.username) },
    { label: 'first name', value: context.firstName },
    { label: 'last name', value: context.lastName },
    { label: 'email name', value: localPart(context.email) },
  ];
  return candidates.flatMap(({ label, value }) => {
    const word = value?.trim().toLowerCase();
    return word && word.length >= MIN_CONTEXT_WORD_LENGTH ? [{ label, word }] : [];
  });
}

function localPart(value: string | null | undefined): string | undefined {
  const at = value?.indexOf('@') ?? -1;
  return at > 0 ? value?.slice(0, at) : undefined;
}

// Every failed rule, in a stable order; an empty list means the password is acceptable.
export function checkPassword(password: string, context: PasswordContext): PasswordRuleFailure[] {
  const failures: PasswordRuleFailure[] = [];
  const fail = (rule: PasswordRule, message = PASSWORD_RULES[rule]) => failures.push({ rule, message });
  // Length counts characters as people see them (code points), not UTF-16 units.
  const characters = Array.from(password);
  const lower = password.toLowerCase();

  if (characters.length < PASSWORD_MIN_LENGTH) fail('min_length');
  if (characters.length > PASSWORD_MAX_LENGTH) fail('max_length');

  const stripped = withoutTrailingDigitsAndSymbols(lower);
  if (isCommonPassword(lower) || (stripped.length > 0 && isCommonPassword(stripped))) fail('common_password');

  const found = [
    ...new Set(
      contextWords(context)
        .filter(({ word }) => lower.includes(word))
        .map(({ label }) => label),
    ),
  ];
  if (found.length > 0)
    fail('contains_personal_information', `must not contain the ${found.join(' or the ')}`);

  if (new Set(Array.from(lower)).size < PASSWORD_MIN_DISTINCT_CHARACTERS) fail('too_few_distinct_characters');
  if (/\p{Cc}/u.test(password)) fail('control_characters');
  return failures;
}

export function assertPassword(password: string, context: PasswordContext): void {
  const failures = checkPassword(password, context);
  if (failures.length === 0) return;
  const errors: PasswordFieldError[] = failures.map(({ rule, message }) => ({
    field: 'password',
    rule,
    message,
  }));
  throw new WardenError(
    UsersErrorCode.PasswordPolicyFailed,
    `password does not meet the policy: ${failures.map(({ rule }) => rule).join(', ')}`,
    errors,
  );
}
