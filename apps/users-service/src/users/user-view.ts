import { UserListItem, UserView } from '@warden/contracts';
import { User } from '@warden/users-domain';

export function toUserView(user: User, lastActiveAt: string | null = null): UserView {
  return {
    id: user.id,
    organization_id: user.organizationId,
    account_type: user.accountType,
    username: user.username,
    first_name: user.firstName,
    last_name: user.lastName,
    email: user.email,
    friendly_name: user.friendlyName,
    description: user.description,
    status: user.status === 'deactivated' ? 'deactivated' : 'active',
    roles: user.roles,
    teams: user.teams,
    created_at: user.createdAt,
    last_active_at: lastActiveAt,
  };
}

export interface UserListingRow {
  id: string;
  organization_id: string;
  account_type: UserView['account_type'];
  username: string;
  first_name: string | null;
  last_name: string | null;
  email: string | null;
  friendly_name: string | null;
  description: string | null;
  status: UserView['status'];
  roles: string[];
  teams: string[];
  created_at: Date;
  last_active_at: Date | null;
  name: string;
}

/** A user's view from the listing's row (what GET /users/:id and /users/me answer). */
export function toUserViewOfRow(row: Omit<UserListingRow, 'name'>): UserView {
  return {
    id: row.id,
    organization_id: row.organization_id,
    account_type: row.account_type,
    username: row.username,
    first_name: row.first_name,
    last_name: row.last_name,
    email: row.email,
    friendly_name: row.friendly_name,
    description: row.description,
    status: row.status,
    roles: row.roles,
    teams: row.teams,
    created_at: row.created_at.toISOString(),
    last_active_at: row.last_active_at?.toISOString() ?? null,
  };
}

export function toUserListItem(row: UserListingRow): UserListItem {
  const { id, ...view } = toUserViewOfRow(row);
  return { id, name: row.name, ...view };
}
