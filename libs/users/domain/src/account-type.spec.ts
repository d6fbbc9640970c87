import { ACCOUNT_TYPES, isAccountType, isServiceAccount } from './account-type';

describe('account types', () => {
  it('are a human user and the two kinds of service account', () => {
    expect(ACCOUNT_TYPES).toEqual(['user', 'service_internal', 'service_external']);
  });

  it.each([
    ['user', false],
    ['service_internal', true],
    ['service_external', true],
  ] as const)('%s is a service account: %p', (accountType, expected) => {
    expect(isServiceAccount(accountType)).toBe(expected);
  });

  it.each(['user', 'service_internal', 'service_external'])('recognises %p as an account type', (value) => {
    expect(isAccountType(value)).toBe(true);
  });

  it.each(['service', 'SERVICE_EXTERNAL', '', null, 1])('rejects %p as an account type', (value) => {
    expect(isAccountType(value)).toBe(false);
  });
});
