// POST /users accepts, as users paste them, three shapes of body: a plain one (`username`,
// `account_type`), a directory-style one (organization and groups as URLs of this API) and a
// service-user one (`email_address`, `account_id`, roles as objects). This turns any of them
// into one new user:
// - the organization: `organization` (a URL of this API or an id) or `account_id`; the
//   caller's own when neither is given;
// - teams: `groups` (URLs `.../api/v1/teams/<id>` or `.../api/v1/groups/<id>`, or ids) and
//   `teams`: Warden's groups are its teams;
// - roles: names, or `{"name": ...}` objects;
// - the service-user shape (no `username`, an `email_address`): the username is the email
//   address and the account type defaults to `service_external` (that shape creates service
//   users); otherwise it defaults to `user`.
import { CommonErrorCode, CreateUserBody, FieldError, PrincipalAccountType, RoleReference, UsersErrorCode, WardenError } from '@warden/contracts';

export interface NewUser {
  organizationId: string;
  accountType: PrincipalAccountType;
  username: string;
  firstName?: string;
  lastName?: string;
  email?: string;
  friendlyName?: string;
  description?: string;
  password?: string;
  roles: string[];
  teams: string[];
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * The id in a reference to one of `resources`: a bare id, or a URL whose path ends with
 * `/api/v1/<resource>/<id>`. Any host is accepted: behind proxies the API does not know
 * the name its callers use.
 */
export function referencedId(value: string, resources: readonly string[], field: string): string {
  const trimmed = value.trim();
  let id = trimmed;
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(trimmed)) {
    let path: string;
    try {
      path = new URL(trimmed).pathname;
    } catch {
      throw invalidReference(field, `${trimmed} is not a valid URL`);
    }
    const match = new RegExp(`/api/v1/(${resources.join('|')})/([^/]+)/?$`).exec(path);
    if (!match) {
      throw invalidReference(field, `must be an id or a URL of this API ending in /api/v1/${resources[0]}/<id>`);
    }
    id = decodeURIComponent(match[2]!);
  }
  if (!UUID.test(id)) throw invalidReference(field, `${id} is not the id of any ${resources[0].replace(/s$/, '')}`);
  return id.toLowerCase();
}

function invalidReference(field: string, message: string): WardenError {
  return new WardenError(UsersErrorCode.InvalidReference, `${field}: ${message}`, [{ field, message }]);
}

export function roleNames(roles: readonly RoleReference[] | undefined): string[] {
  return [...new Set((roles ?? []).map((role) => (typeof role === 'string' ? role : role.name).trim()))];
}

export function normalizeNewUser(body: CreateUserBody, callerOrganizationId: string): NewUser {
  const errors: FieldError[] = [];
  if (body.organization !== undefined && body.account_id !== undefined) {
    const a = referencedId(body.organization, ['organizations'], 'organization');
    const b = referencedId(body.account_id, ['organizations', 'accounts'], 'account_id');
    if (a !== b) errors.push({ field: 'account_id', message: 'names another organization than organization' });
  }
  const organizationId =
    body.organization !== undefined
      ? referencedId(body.organization, ['organizations'], 'organization')
      : body.account_id !== undefined
        ? referencedId(body.account_id, ['organizations', 'accounts'], 'account_id')
        : callerOrganizationId;
  const email = body.email_address ?? body.email;
  const seed004 = body.username === undefined && body.email_address !== undefined;
  const username = body.username ?? (seed004 ? body.email_address : undefined);
  if (username === undefined) errors.push({ field: 'username', message: 'is required (or email_address, which then becomes the username)' });
  if (body.email_address !== undefined && body.email !== undefined && body.email_address !== body.email) {
    errors.push({ field: 'email', message: 'differs from email_address; give one of them' });
  }
  if (errors.length > 0) throw new WardenError(CommonErrorCode.ValidationFailed, errors.map((e) => `${e.field} ${e.message}`).join('; '), errors);
  const teams = [
    ...(body.groups ?? []).map((group, i) => referencedId(group, ['teams', 'groups'], `groups[${i}]`)),
    ...(body.teams ?? []).map((team, i) => referencedId(team, ['teams', 'groups'], `teams[${i}]`)),
  ];
  const user: NewUser = {
    organizationId,
    accountType: body.account_type ?? (seed004 ? 'service_external' : 'user'),
    username: username!,
    roles: roleNames(body.roles),
    teams: [...new Set(teams)],
  };
  if (body.first_name !== undefined) user.firstName = body.first_name;
  if (body.last_name !== undefined) user.lastName = body.last_name;
  if (email !== undefined) user.email = email;
  if (body.friendly_name !== undefined) user.friendlyName = body.friendly_name;
  if (body.description !== undefined) user.description = body.description;
  if (body.password !== undefined) user.password = body.password;
  return user;
}
