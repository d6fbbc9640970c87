import { ProblemError } from '../api/warden-api';
import { fieldErrorsOf, validateBody } from './body-validation';

jest.mock('../api/warden-api', () => {
  class ProblemError extends Error {
    constructor(readonly problem: { errors?: { field: string; message: string }[] }) {
      super('refused');
    }
  }
  return { ProblemError };
});

// The forms check what the API description says the gateway's validators enforce.
describe("forms' validation, read from the API description", () => {
  it('asks for what a body requires', () => {
    expect(validateBody('LoginDto', { username: '', password: '' })).toEqual({ username: 'Required', password: 'Required' });
    expect(validateBody('IssueTokenBody', { name: 'x' })).toEqual({ user_id: 'Required' });
    expect(validateBody('CreateRoleBody', { name: 'R', display_name: 'R' })).toEqual({ permissions: 'Required' });
  });

  it('checks lengths, ids, dates, enums and list sizes', () => {
    expect(validateBody('CreateTeamBody', { name: 'x'.repeat(201) })).toEqual({ name: 'At most 200 characters' });
    expect(validateBody('IssueTokenBody', { user_id: 'not-an-id', name: 'ok', expires_at: 'soon' })).toEqual({
      user_id: 'Not a valid id',
      expires_at: 'Not a valid date and time',
    });
    expect(validateBody('IssueTokenBody', { user_id: '0190a0d2-0000-7000-8000-000000000001', name: 'ok', visibility: 'secret' })).toEqual({
      visibility: 'One of: private, public',
    });
    expect(validateBody('CreateRoleBody', { name: 'R', display_name: 'R', permissions: [] })).toEqual({ permissions: 'At least 1' });
    expect(validateBody('IssueTokenBody', { user_id: '0190a0d2-0000-7000-8000-000000000001', name: 'ok', permissions: ['x'.repeat(81)] })).toEqual({
      permissions: `${'x'.repeat(81)}: At most 80 characters`,
    });
  });

  it('checks numbers, whole or not, and their bounds', () => {
    expect(validateBody('RotateTokenBody', { grace_period_seconds: 1.5 })).toEqual({ grace_period_seconds: 'A whole number is required' });
    expect(validateBody('RotateTokenBody', { grace_period_seconds: 604801 })).toEqual({ grace_period_seconds: 'At most 604800' });
    expect(validateBody('RotateTokenBody', { grace_period_seconds: Number('') * NaN })).toEqual({ grace_period_seconds: 'A number is required' });
    expect(validateBody('RotateTokenBody', { grace_period_seconds: 300 })).toEqual({});
  });

  it('checks a nested body by its reference, naming the field by its path', () => {
    expect(validateBody('UpdateOrganizationBody', { settings: { max_token_lifetime_seconds: 0, service_internal_limit: 2 } })).toEqual({
      'settings.max_token_lifetime_seconds': 'At least 1',
      'settings.service_internal_limit': 'At most 1',
    });
    expect(validateBody('UpdateOrganizationBody', { settings: { max_token_lifetime_seconds: null } })).toEqual({});
  });

  it('accepts role names in either shape the API takes', () => {
    expect(validateBody('CreateUserBody', { username: 'svc@acme', roles: ['WARDEN_MEMBER'] })).toEqual({});
    expect(validateBody('CreateUserBody', { username: 'svc@acme', roles: [''] })).toEqual({ roles: ': Not a valid value' });
  });

  it("shows the API's own refusal of a field beside it", () => {
    const refusal = new (ProblemError as unknown as new (problem: unknown) => Error)({ errors: [{ field: 'username', message: 'username is taken' }] });
    expect(fieldErrorsOf(refusal)).toEqual({ username: 'username is taken' });
    expect(fieldErrorsOf(new Error('network'))).toEqual({});
  });
});
