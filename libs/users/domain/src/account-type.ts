// Humans, one internal service account (super-admin equivalent) and a few
// external service accounts (only what they are granted).
export const ACCOUNT_TYPES = ['user', 'service_internal', 'service_external'] as const;

export type AccountType = (typeof ACCOUNT_TYPES)[number];
export type ServiceAccountType = Exclude<AccountType, 'user'>;

export function isAccountType(value: unknown): value is AccountType {
  return typeof value === 'string' && (ACCOUNT_TYPES as readonly string[]).includes(value);
}

export function isServiceAccount(accountType: AccountType): accountType is ServiceAccountType {
  return accountType !== 'user';
}
