import { UsersErrorCode, WardenError } from '@warden/contracts';

export const USERNAME_MIN_LENGTH = 3;
export const USERNAME_MAX_LENGTH = 64;

// One rule for every account: no spaces or special characters, yet integrations name
// their accounts like email addresses (`api_user@mycompany`), so `.` `_` `-` `@` are allowed
// inside a name, never at its ends.
const USERNAME_PATTERN = new RegExp(
  `^[A-Za-z0-9][A-Za-z0-9._@-]{${USERNAME_MIN_LENGTH - 2},${USERNAME_MAX_LENGTH - 2}}[A-Za-z0-9]$`,
);

export const USERNAME_RULE =
  `must be ${USERNAME_MIN_LENGTH} to ${USERNAME_MAX_LENGTH} characters long, using only letters (a-z, A-Z), ` +
  'digits (0-9) and the characters . _ - @, and must start and end with a letter or digit';

// The form a username is shown in: surrounding spaces dropped, compatibility forms folded
// (a fullwidth `ａ` is an `a`), case kept.
function canonicalUsername(username: string): string {
  return username.trim().normalize('NFKC');
}

// The key usernames are unique by: `Api_User` and `api_user` are the same account.
export function normalizeUsername(username: string): string {
  return canonicalUsername(username).toLowerCase();
}

// Returns the username as it will be shown, or refuses it saying what is allowed.
export function checkUsername(username: string): string {
  const canonical = canonicalUsername(username);
  if (!USERNAME_PATTERN.test(canonical)) {
    throw new WardenError(UsersErrorCode.InvalidUsername, `username ${USERNAME_RULE}`, [
      { field: 'username', message: USERNAME_RULE },
    ]);
  }
  return canonical;
}
