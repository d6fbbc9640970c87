import { AccountAccess, principalOf, viewFieldsOf } from '@warden/access';
import { PrincipalView } from '@warden/contracts';

/**
 * The principal the gateway would put in a request for `account` acting through a login
 * session (or, with `narrowedTo`, an API token narrowed to those permissions): for tests
 * that call a service's handlers directly.
 */
export function principalViewOf(account: AccountAccess, narrowedTo: string[] | null = null): PrincipalView {
  const credential: PrincipalView['credential'] =
    narrowedTo === null ? { kind: 'session', id: 'test', expiresAt: null } : { kind: 'api_token', id: 'test', expiresAt: null, permissions: narrowedTo };
  return { ...viewFieldsOf(principalOf(account, narrowedTo)), credential };
}
