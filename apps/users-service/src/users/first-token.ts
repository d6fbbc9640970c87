import { CreateUserBody, CreatedUserView, IssuedTokenView, UserView, WardenError } from '@warden/contracts';

/** Whether a create asks for the service account's first API token: `issue_token`, or by default a body that names its organization as `account_id`. */
export function wantsFirstToken(body: CreateUserBody, user: UserView): boolean {
  return (body.issue_token ?? body.account_id !== undefined) && user.account_type !== 'user';
}

/**
 * The new service account with its first token, issued by `issue` (the tokens service). The
 * account stands whatever happens to the token: a refusal is answered as `api_token: null`
 * with `api_token_error`, so the caller knows to issue one later; anything but a refusal
 * (a bug) is thrown.
 */
export async function withFirstToken(user: UserView, issue: () => Promise<IssuedTokenView>): Promise<CreatedUserView> {
  try {
    const token = await issue();
    return { ...user, api_token: { id: token.id, user_id: token.user_id, name: token.name, token: token.token, enabled: true } };
  } catch (error) {
    if (!(error instanceof WardenError)) throw error;
    return { ...user, api_token: null, api_token_error: { code: error.code, detail: error.detail } };
  }
}
