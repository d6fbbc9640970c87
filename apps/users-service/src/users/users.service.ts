import {
  CreateUserBody,
  CreatedUserView,
  Envelope,
  ListUsersQuery,
  ListUsersRequest,
  MeView,
  PageSlice,
  RequestContext,
  UpdateUserBody,
  UpdateUserRequest,
  UserListItem,
  UserRequest,
  UserView,
  UsersErrorCode,
  WardenError,
} from '@warden/contracts';
import { StreamCommand, createOnce, createdId, loadState, streamCommand } from '@warden/kernel';
import { validateDto } from '@warden/platform';
import { Principal, effectivePermissions } from '@warden/access';
import {
  TeamCommand,
  User,
  UserCommand,
  assertPassword,
  organizationDecider,
  organizationStreamId,
  teamDecider,
  teamStreamId,
  userDecider,
  userStreamId,
} from '@warden/users-domain';
import { runAtomically } from '../commands/atomic-command';
import {
  accountPrincipal,
  forbidden,
  principalOf,
  requireAccountChange,
  requirePermission,
  requireTeamMembershipChange,
  requireUserManagement,
} from '../access/authorization';
import { commandSequence } from '../commands/command-sequence';
import { loadCustomRoles } from '../roles/custom-roles';
import { settledExisting } from '../commands/settled-existing';
import { listingRowById } from '../read-models/listing-row';
import { UsersContext } from '../users-context';
import { deletionSteps, newAccountSteps, serviceAccountSlotSteps } from './account-commands';
import { wantsFirstToken, withFirstToken } from './first-token';
import { normalizeNewUser, referencedId, roleNames } from './new-user';
import { searchCondition, searchPattern } from './user-search';
import { orderByClause, parseUserSort } from './user-sort';
import { UserListingRow, toUserListItem, toUserView, toUserViewOfRow } from './user-view';

const userNotFound = (id: string) => ({ code: UsersErrorCode.UserNotFound, detail: `user ${id} does not exist` });
const userCommands = commandSequence(userDecider);

export class UsersService {
  constructor(private readonly ctx: UsersContext) {}

  /** Creates a user or service account and, when the body asks for it, the service account's first API token. */
  async create(envelope: Envelope<unknown>): Promise<CreatedUserView> {
    const principal = principalOf(envelope.context);
    const body = await validateDto(CreateUserBody, envelope.payload);
    const user = await this.createAccount(envelope.context, principal, body);
    if (!wantsFirstToken(body, user)) return user;
    const name = user.friendly_name ?? user.username;
    return withFirstToken(user, () => this.ctx.tokenIssuer.issue({ user_id: user.id, name }, envelope.context));
  }

  private async createAccount(context: RequestContext, principal: Principal, body: CreateUserBody): Promise<UserView> {
    const input = normalizeNewUser(body, principal.organizationId);
    const hidden = { code: UsersErrorCode.OrganizationNotFound, detail: `organization ${input.organizationId} does not exist` };
    // With an idempotency key's fingerprint the id is derived from it: a retry whose first
    // answer was lost finds the user made then, and gets it again rather than a duplicate.
    const fingerprint = context.idempotencyFingerprint;
    const userId = createdId(fingerprint, 'users.create');
    const customRoles = await loadCustomRoles(this.ctx.store, input.organizationId, input.roles);
    const account = { id: userId, organizationId: input.organizationId, accountType: input.accountType, roles: input.roles, teams: input.teams };
    await requireAccountChange(this.ctx, principal, null, account, customRoles);
    requireTeamMembershipChange(principal, input.organizationId, input.teams);
    return createOnce(
      fingerprint,
      () => this.replayedUser(userId),
      async () => {
        const organization = await loadState(this.ctx.store, organizationDecider, organizationStreamId(input.organizationId));
        if (organization.state.status === 'absent') throw new WardenError(hidden.code, hidden.detail);

        let passwordHash: string | null = null;
        if (input.password !== undefined) {
          assertPassword(input.password, { username: input.username, firstName: input.firstName, lastName: input.lastName, email: input.email });
          passwordHash = await this.ctx.hasher.hash(input.password);
        }
        const at = this.ctx.clock().toISOString();
        const steps = newAccountSteps(input, { userId, passwordHash, customRoles, at });
        const { results, appended } = await runAtomically(this.ctx.store, steps, context, input.organizationId).catch((error: unknown) => {
          throw teamReference(error, input.teams, body.groups !== undefined ? 'groups' : 'teams');
        });
        await this.ctx.readModels.settle(appended);
        return toUserView(results[1]!.state as User);
      },
    );
  }

  /** From the listing alone: one query. */
  async get(envelope: Envelope<UserRequest>): Promise<UserView> {
    const principal = principalOf(envelope.context);
    const { id } = envelope.payload;
    const row = await listingRowById<UserListingRow>(this.ctx.pool, `SELECT * FROM ${this.ctx.listing.tables.users} WHERE id = $1`, id);
    if (!row) throw new WardenError(UsersErrorCode.UserNotFound, `user ${id} does not exist`);
    this.requireReadable(principal, { id: row.id, organizationId: row.organization_id, teams: row.teams });
    return toUserViewOfRow(row);
  }

  /** The caller's account and organization name, from the listing alone: one query. */
  async me(envelope: Envelope<unknown>): Promise<MeView> {
    const principal = principalOf(envelope.context);
    const row = await listingRowById<UserListingRow & { organization_name: string | null }>(
      this.ctx.pool,
      `SELECT u.*, o.name AS organization_name FROM ${this.ctx.listing.tables.users} u
         LEFT JOIN ${this.ctx.listing.tables.organizations} o ON o.id = u.organization_id
        WHERE u.id = $1`,
      principal.userId,
    );
    if (!row) throw new WardenError(UsersErrorCode.UserNotFound, `user ${principal.userId} does not exist`);
    return {
      ...toUserViewOfRow(row),
      organization: { id: row.organization_id, name: row.organization_name ?? '' },
      permissions: effectivePermissions(principal),
      is_super_admin: principal.isSuperAdmin,
      platform_admin: principal.platformAdmin,
      acts_as_super_admin: principal.unrestricted,
    };
  }

  async list(envelope: Envelope<ListUsersRequest>): Promise<PageSlice<UserListItem>> {
    const principal = principalOf(envelope.context);
    const query = await validateDto(ListUsersQuery, envelope.payload);
    requirePermission(principal, 'users:read', { organizationId: principal.organizationId, ownerTeams: principal.teams });
    const page = query.page ?? 1;
    const pageSize = query.page_size ?? 20;
    const sort = parseUserSort(query.sort, query.direction);
    const conditions = ['organization_id = $1'];
    const values: unknown[] = [principal.organizationId];
    const add = (sql: (n: number) => string, value: unknown) => {
      values.push(value);
      conditions.push(sql(values.length));
    };
    if (query.account_type) add((n) => `account_type = $${n}`, query.account_type);
    if (query.role) add((n) => `$${n} = ANY(roles)`, query.role);
    if (query.team) add((n) => `$${n} = ANY(teams)`, query.team);
    if (query.status) add((n) => `status = $${n}`, query.status);
    if (query.search) add(searchCondition, searchPattern(query.search));
    // A team-scoped users:read (a manager) sees the members of the manager's own teams only.
    const scoped = !principal.unrestricted && principal.permissions['users:read'] === 'team';
    if (scoped) add((n) => `teams && $${n}::text[]`, principal.teams);
    const where = conditions.join(' AND ');
    const table = this.ctx.listing.tables.users;
    const orderBy = orderByClause(sort, this.ctx.listing.tables.teams);
    // The page's ids are cut from the index first (a deep page skips index entries, not
    // whole rows), then only their rows are read.
    const [{ rows: counted }, { rows }] = await Promise.all([
      this.ctx.pool.query<{ total: string }>(`SELECT count(*)::text AS total FROM ${table} WHERE ${where}`, values),
      this.ctx.pool.query<UserListingRow>(
        `SELECT *, coalesce(friendly_name, nullif(trim(concat_ws(' ', first_name, last_name)), ''), username) AS name
         FROM ${table} JOIN (SELECT id FROM ${table} WHERE ${where} ${orderBy} LIMIT ${pageSize} OFFSET ${(page - 1) * pageSize}) AS paged USING (id)
         ${orderBy}`,
        values,
      ),
    ]);
    return { total: Number(counted[0]!.total), page, page_size: pageSize, results: rows.map(toUserListItem) };
  }

  async update(envelope: Envelope<UpdateUserRequest>): Promise<UserView> {
    const principal = principalOf(envelope.context);
    const { id } = envelope.payload;
    const changes = await validateDto(UpdateUserBody, envelope.payload.changes ?? {});
    const user = await this.readableUser(principal, id);
    const roles = changes.roles === undefined ? user.roles : roleNames(changes.roles);
    const teams =
      changes.teams === undefined ? user.teams : [...new Set(changes.teams.map((team, i) => referencedId(team, ['teams', 'groups'], `teams[${i}]`)))];
    const after = { ...user, roles, teams, accountType: changes.account_type ?? user.accountType };
    const own = principal.userId === user.id;
    const onlyOwnPassword =
      own && Object.keys(changes).every((key) => key === 'password' || key === 'current_password') && changes.password !== undefined;
    const customRoles = await loadCustomRoles(this.ctx.store, user.organizationId, roles);
    // The account as the change leaves it: what a password set in the same request is weighed against.
    const account = onlyOwnPassword
      ? await accountPrincipal(this.ctx, user, customRoles)
      : await requireAccountChange(this.ctx, principal, user, after, customRoles);
    const addedTeams = teams.filter((team) => !user.teams.includes(team));
    const removedTeams = user.teams.filter((team) => !teams.includes(team));
    requireTeamMembershipChange(principal, user.organizationId, [...addedTeams, ...removedTeams]);
    const at = this.ctx.clock().toISOString();
    const commands: UserCommand[] = [];
    const profile = {
      firstName: changes.first_name,
      lastName: changes.last_name,
      email: changes.email,
      friendlyName: changes.friendly_name,
      description: changes.description,
    };
    if (Object.values(profile).some((value) => value !== undefined)) commands.push({ type: 'ChangeProfile', ...profile, at });
    if (changes.roles !== undefined) commands.push({ type: 'AssignRoles', roles, customRoles, at });
    const steps: StreamCommand[] = [];
    if (changes.teams !== undefined) {
      commands.push({ type: 'ChangeTeams', teams, at });
      for (const teamId of addedTeams) {
        steps.push(
          streamCommand(teamStreamId(teamId), teamDecider, { type: 'AddTeamMember', userId: id, memberOrganizationId: user.organizationId, at } satisfies TeamCommand),
        );
      }
      for (const teamId of removedTeams) {
        steps.push(streamCommand(teamStreamId(teamId), teamDecider, { type: 'RemoveTeamMember', userId: id, at } satisfies TeamCommand));
      }
    }
    if (changes.account_type !== undefined && changes.account_type !== user.accountType) {
      commands.push({ type: 'ConvertAccountType', to: changes.account_type, at });
      steps.push(...serviceAccountSlotSteps(user.organizationId, id, user.accountType, changes.account_type));
    }
    if (changes.password !== undefined) {
      assertPassword(changes.password, { username: user.username, firstName: user.firstName, lastName: user.lastName, email: user.email });
      const currentPasswordVerified =
        own && changes.current_password !== undefined && (await this.ctx.hasher.verify(user.passwordHash, changes.current_password));
      commands.push({
        type: 'ChangePassword',
        newPasswordHash: await this.ctx.hasher.hash(changes.password),
        changedBy: principal,
        account,
        currentPasswordVerified,
        at,
      });
    }
    if (commands.length === 0) return toUserView(user, await this.lastActiveAt(id));
    const all = [streamCommand(userStreamId(id), userCommands, commands), ...steps];
    const { results, appended } = await runAtomically(this.ctx.store, all, envelope.context, user.organizationId).catch((error: unknown) => {
      throw teamReference(error, changes.teams ?? [], 'teams');
    });
    await this.ctx.readModels.settle(appended);
    return toUserView(results[0]!.state as User, await this.lastActiveAt(id));
  }

  deactivate(envelope: Envelope<UserRequest>): Promise<UserView> {
    return this.changeStatus(envelope, 'Deactivate');
  }

  reactivate(envelope: Envelope<UserRequest>): Promise<UserView> {
    return this.changeStatus(envelope, 'Reactivate');
  }

  async delete(envelope: Envelope<UserRequest>): Promise<void> {
    const principal = principalOf(envelope.context);
    const user = await this.writableUser(principal, envelope.payload.id);
    if (user.id === principal.userId) throw forbidden('nobody may delete their own account');
    const ownedTokenCount = await this.ctx.ownedTokens.count(user.organizationId, user.id, envelope.context);
    const at = this.ctx.clock().toISOString();
    const steps = deletionSteps(user, ownedTokenCount, at);
    const { appended } = await runAtomically(this.ctx.store, steps, envelope.context, user.organizationId);
    await this.ctx.readModels.settle(appended);
  }

  private async changeStatus(envelope: Envelope<UserRequest>, type: 'Deactivate' | 'Reactivate'): Promise<UserView> {
    const principal = principalOf(envelope.context);
    const user = await this.writableUser(principal, envelope.payload.id);
    if (type === 'Deactivate' && user.id === principal.userId) throw forbidden('nobody may deactivate their own account');
    const at = this.ctx.clock().toISOString();
    const { results, appended } = await runAtomically(
      this.ctx.store,
      [streamCommand(userStreamId(user.id), userDecider, { type, at } satisfies UserCommand)],
      envelope.context,
      user.organizationId,
    );
    await this.ctx.readModels.settle(appended);
    return toUserView(results[0]!.state as User, await this.lastActiveAt(user.id));
  }

  /** The user a create already made under this id, once the read models have it; `undefined` if none. */
  private async replayedUser(userId: string): Promise<UserView | undefined> {
    const streamId = userStreamId(userId);
    if (!(await settledExisting(this.ctx, streamId))) return undefined;
    const { state } = await loadState(this.ctx.store, userDecider, streamId);
    return state.status === 'absent' ? undefined : toUserView(state, await this.lastActiveAt(userId));
  }

  private async existing(id: string): Promise<User> {
    const { state } = await loadState(this.ctx.store, userDecider, userStreamId(id));
    if (state.status === 'absent' || state.status === 'deleted') throw new WardenError(UsersErrorCode.UserNotFound, `user ${id} does not exist`);
    return state;
  }

  private async readableUser(principal: Principal, id: string): Promise<User> {
    const user = await this.existing(id);
    this.requireReadable(principal, user);
    return user;
  }

  /** Anyone reads their own account; another's takes users:read over its organization and teams. */
  private requireReadable(principal: Principal, user: Pick<User, 'id' | 'organizationId' | 'teams'>): void {
    if (user.id !== principal.userId) {
      requirePermission(principal, 'users:read', { organizationId: user.organizationId, ownerTeams: user.teams }, userNotFound(user.id));
    }
  }

  private async writableUser(principal: Principal, id: string): Promise<User> {
    const user = await this.existing(id);
    await requireUserManagement(this.ctx, principal, user);
    return user;
  }

  private async lastActiveAt(userId: string): Promise<string | null> {
    const { rows } = await this.ctx.pool.query<{ last_active_at: Date | null }>(
      `SELECT last_active_at FROM ${this.ctx.listing.tables.users} WHERE id = $1`,
      [userId],
    );
    return rows[0]?.last_active_at?.toISOString() ?? null;
  }
}

// A team the body names that does not exist (or is in another organization) is a bad
// reference in the body, not a missing resource of the route; both read alike, so that
// another organization's team ids cannot be told from unknown ones.
function teamReference(error: unknown, teams: readonly string[], field: string): unknown {
  if (error instanceof WardenError && (error.code === UsersErrorCode.TeamNotFound || error.code === UsersErrorCode.UserNotInOrganization)) {
    return new WardenError(UsersErrorCode.InvalidReference, `${field} must name teams of the user's organization`, [
      { field, message: `must name teams of the user's organization (${teams.join(', ')})` },
    ]);
  }
  return error;
}
