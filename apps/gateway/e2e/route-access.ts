// Who may call each route of the gateway, written once: README.md shows it (between the
// route-access markers, checked by route-access.spec.ts) and authorization-matrix.e2e-spec.ts
// walks it against the running services.

export const PRINCIPAL_KINDS = [
  'anonymous',
  'platform_admin',
  'super_admin',
  'internal',
  'admin',
  'member',
  'auditor',
  'external',
  'external_custom',
] as const;

export type PrincipalKind = (typeof PRINCIPAL_KINDS)[number];

export const PRINCIPALS: Readonly<Record<PrincipalKind, { label: string; description: string }>> = {
  anonymous: { label: 'anonymous', description: 'no credential' },
  platform_admin: {
    label: 'platform admin',
    description: 'the super admin of the root organization, created at first start; its own organization is the root',
  },
  super_admin: { label: 'super admin', description: 'a human with WARDEN_SUPER_ADMIN in a tenant organization' },
  internal: { label: 'internal', description: "the tenant's `service_internal` account (acts as a super admin there)" },
  admin: { label: 'admin', description: 'a human with WARDEN_ADMIN' },
  member: { label: 'member', description: 'a human with WARDEN_MEMBER (reads)' },
  auditor: { label: 'auditor', description: 'a human with WARDEN_AUDITOR (audit:read)' },
  external: { label: 'external', description: 'a `service_external` account with no roles' },
  external_custom: {
    label: 'external + role',
    description: 'a `service_external` account with a custom role granting teams:read, teams:write and records:write',
  },
};

/**
 * What a caller gets. A status code; for a list asked about another organization,
 * `own-only` (200, and nothing of the other organization is listed) or `all` (200, and
 * the other organization is listed too).
 */
export type Outcome = 200 | 201 | 204 | 401 | 403 | 404 | 422 | 'own-only' | 'all';

/**
 * [own organization, another organization]: the target (the resource in the path, the
 * organization named in the body or query, the account logged in to) in the caller's
 * organization or in another one. `null` where the route cannot name another
 * organization: it acts on the caller itself or creates in the caller's organization.
 */
export type Access = readonly [own: Outcome, other: Outcome | null];

export interface RouteAccess {
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  path: string;
  /**
   * A case of a route the table already lists, walked on its own: a request that asks for
   * more power than the route's plain use (a token for the internal service account, a
   * caller's own roles).
   */
  case?: string;
  /** Public, but authenticated by a signature over the request instead of a credential: unsigned, it is a 401 for anyone. */
  signed?: true;
  who: string;
  access: Readonly<Record<PrincipalKind, Access>>;
}

export const ROUTE_ACCESS = [
  {
    method: 'POST',
    path: '/api/v1/auth/login',
    who: 'anyone: public, a credential sent along is ignored; the account is the one in the body',
    access: {
      anonymous: [200, 200], platform_admin: [200, 200], super_admin: [200, 200], internal: [200, 200], admin: [200, 200],
      member: [200, 200], auditor: [200, 200], external: [200, 200], external_custom: [200, 200],
    },
  },
  {
    method: 'POST',
    path: '/api/v1/auth/console/login',
    who: "anyone, from the console's own origin: a login whose key is set in an HttpOnly cookie, never answered",
    access: {
      anonymous: [200, 200], platform_admin: [200, 200], super_admin: [200, 200], internal: [200, 200], admin: [200, 200],
      member: [200, 200], auditor: [200, 200], external: [200, 200], external_custom: [200, 200],
    },
  },
  {
    method: 'GET',
    path: '/api/v1/auth/whoami',
    who: 'any credential: who it stands for, from its verification alone',
    access: {
      anonymous: [401, null], platform_admin: [200, null], super_admin: [200, null], internal: [200, null], admin: [200, null],
      member: [200, null], auditor: [200, null], external: [200, null], external_custom: [200, null],
    },
  },
  {
    method: 'POST',
    path: '/api/v1/auth/token',
    who: 'a service account\'s login key, exchanged for a long-lived API token (the login-key exchange)',
    access: {
      anonymous: [401, null], platform_admin: [403, null], super_admin: [403, null], internal: [200, null], admin: [403, null],
      member: [403, null], auditor: [403, null], external: [200, null], external_custom: [200, null],
    },
  },
  {
    method: 'POST',
    path: '/api/v1/auth/logout',
    who: 'any login session; it ends the session that authenticated the request',
    access: {
      anonymous: [401, null], platform_admin: [204, null], super_admin: [204, null], internal: [204, null], admin: [204, null],
      member: [204, null], auditor: [204, null], external: [204, null], external_custom: [204, null],
    },
  },
  {
    method: 'GET',
    path: '/api/v1/users/me',
    who: 'any authenticated caller; answers about the caller',
    access: {
      anonymous: [401, null], platform_admin: [200, null], super_admin: [200, null], internal: [200, null], admin: [200, null],
      member: [200, null], auditor: [200, null], external: [200, null], external_custom: [200, null],
    },
  },
  {
    method: 'POST',
    path: '/api/v1/organizations',
    who: 'organizations:create: the platform admin only',
    access: {
      anonymous: [401, null], platform_admin: [201, null], super_admin: [403, null], internal: [403, null], admin: [403, null],
      member: [403, null], auditor: [403, null], external: [403, null], external_custom: [403, null],
    },
  },
  {
    method: 'GET',
    path: '/api/v1/organizations',
    who: 'organizations:read; lists the caller\'s own organization, the platform admin every one',
    access: {
      anonymous: [401, 401], platform_admin: [200, 'all'], super_admin: [200, 'own-only'], internal: [200, 'own-only'],
      admin: [200, 'own-only'], member: [200, 'own-only'], auditor: [403, 403], external: [403, 403], external_custom: [403, 403],
    },
  },
  {
    method: 'GET',
    path: '/api/v1/organizations/:id',
    who: 'organizations:read in that organization; the platform admin any organization',
    access: {
      anonymous: [401, 401], platform_admin: [200, 200], super_admin: [200, 404], internal: [200, 404], admin: [200, 404],
      member: [200, 404], auditor: [403, 404], external: [403, 404], external_custom: [403, 404],
    },
  },
  {
    method: 'PATCH',
    path: '/api/v1/organizations/:id',
    who: 'organizations:write in that organization (the platform admin: in any); the service-account limits only the platform admin; the login policy (`human_password_login`) only a super admin',
    access: {
      anonymous: [401, 401], platform_admin: [200, 200], super_admin: [200, 404], internal: [200, 404], admin: [200, 404],
      member: [403, 404], auditor: [403, 404], external: [403, 404], external_custom: [403, 404],
    },
  },
  {
    method: 'PATCH',
    path: '/api/v1/organizations/:id',
    case: 'the login policy',
    who: '`human_password_login` can lock the super admins out: a super admin (or the internal service account) only; the platform admin in any organization',
    access: {
      anonymous: [401, 401], platform_admin: [200, 200], super_admin: [200, 404], internal: [200, 404], admin: [403, 404],
      member: [403, 404], auditor: [403, 404], external: [403, 404], external_custom: [403, 404],
    },
  },
  {
    method: 'POST',
    path: '/api/v1/users',
    who: 'users:write (and service_accounts:write for a service account) in the organization named; the platform admin in any organization',
    access: {
      anonymous: [401, 401], platform_admin: [201, 201], super_admin: [201, 404], internal: [201, 404], admin: [201, 404],
      member: [403, 404], auditor: [403, 404], external: [403, 404], external_custom: [403, 404],
    },
  },
  {
    method: 'GET',
    path: '/api/v1/users',
    who: 'users:read; lists the caller\'s own organization only',
    access: {
      anonymous: [401, 401], platform_admin: [200, 'own-only'], super_admin: [200, 'own-only'], internal: [200, 'own-only'],
      admin: [200, 'own-only'], member: [200, 'own-only'], auditor: [403, 403], external: [403, 403], external_custom: [403, 403],
    },
  },
  {
    method: 'GET',
    path: '/api/v1/users/:id',
    who: 'users:read in the user\'s organization (anyone may read themselves)',
    access: {
      anonymous: [401, 401], platform_admin: [200, 404], super_admin: [200, 404], internal: [200, 404], admin: [200, 404],
      member: [200, 404], auditor: [403, 404], external: [403, 404], external_custom: [403, 404],
    },
  },
  {
    method: 'PATCH',
    path: '/api/v1/users/:id',
    who: 'users:write in the user\'s organization (and service_accounts:write for a service account); anyone their own password',
    access: {
      anonymous: [401, 401], platform_admin: [200, 404], super_admin: [200, 404], internal: [200, 404], admin: [200, 404],
      member: [403, 404], auditor: [403, 404], external: [403, 404], external_custom: [403, 404],
    },
  },
  {
    method: 'PATCH',
    path: '/api/v1/users/:id',
    case: "the caller's own roles",
    who: 'nobody changes their own roles, teams or account type, a super admin included',
    access: {
      anonymous: [401, null], platform_admin: [403, null], super_admin: [403, null], internal: [403, null], admin: [403, null],
      member: [403, null], auditor: [403, null], external: [403, null], external_custom: [403, null],
    },
  },
  {
    method: 'PATCH',
    path: '/api/v1/users/:id',
    case: "the caller's own teams",
    who: 'nobody changes their own roles, teams or account type: a manager\'s team scope grows through no route',
    access: {
      anonymous: [401, null], platform_admin: [403, null], super_admin: [403, null], internal: [403, null], admin: [403, null],
      member: [403, null], auditor: [403, null], external: [403, null], external_custom: [403, null],
    },
  },
  {
    method: 'PATCH',
    path: '/api/v1/users/:id',
    case: "a service account's password",
    who: 'a super admin (or the internal service account) sets another service account\'s password; nobody else, and no narrowed token',
    access: {
      anonymous: [401, 401], platform_admin: [200, 404], super_admin: [200, 404], internal: [200, 404], admin: [403, 404],
      member: [403, 404], auditor: [403, 404], external: [403, 404], external_custom: [403, 404],
    },
  },
  {
    method: 'PATCH',
    path: '/api/v1/users/:id',
    case: "a person's password",
    who: 'a person\'s password is changed only by that person, with the current one',
    access: {
      anonymous: [401, 401], platform_admin: [403, 404], super_admin: [403, 404], internal: [403, 404], admin: [403, 404],
      member: [403, 404], auditor: [403, 404], external: [403, 404], external_custom: [403, 404],
    },
  },
  {
    method: 'POST',
    path: '/api/v1/users/:id/deactivate',
    who: 'users:write in the user\'s organization (and service_accounts:write for a service account); nobody themselves',
    access: {
      anonymous: [401, 401], platform_admin: [200, 404], super_admin: [200, 404], internal: [200, 404], admin: [200, 404],
      member: [403, 404], auditor: [403, 404], external: [403, 404], external_custom: [403, 404],
    },
  },
  {
    method: 'POST',
    path: '/api/v1/users/:id/reactivate',
    who: 'users:write in the user\'s organization (and service_accounts:write for a service account)',
    access: {
      anonymous: [401, 401], platform_admin: [200, 404], super_admin: [200, 404], internal: [200, 404], admin: [200, 404],
      member: [403, 404], auditor: [403, 404], external: [403, 404], external_custom: [403, 404],
    },
  },
  {
    method: 'DELETE',
    path: '/api/v1/users/:id',
    who: 'users:write in the user\'s organization (and service_accounts:write for a service account); nobody themselves',
    access: {
      anonymous: [401, 401], platform_admin: [204, 404], super_admin: [204, 404], internal: [204, 404], admin: [204, 404],
      member: [403, 404], auditor: [403, 404], external: [403, 404], external_custom: [403, 404],
    },
  },
  {
    method: 'POST',
    path: '/api/v1/teams',
    who: 'teams:write; creates in the caller\'s organization',
    access: {
      anonymous: [401, null], platform_admin: [201, null], super_admin: [201, null], internal: [201, null], admin: [201, null],
      member: [403, null], auditor: [403, null], external: [403, null], external_custom: [201, null],
    },
  },
  {
    method: 'GET',
    path: '/api/v1/teams',
    who: 'teams:read; lists the caller\'s own organization only',
    access: {
      anonymous: [401, 401], platform_admin: [200, 'own-only'], super_admin: [200, 'own-only'], internal: [200, 'own-only'],
      admin: [200, 'own-only'], member: [200, 'own-only'], auditor: [403, 403], external: [403, 403],
      external_custom: [200, 'own-only'],
    },
  },
  {
    method: 'GET',
    path: '/api/v1/teams/:id',
    who: 'teams:read in the team\'s organization',
    access: {
      anonymous: [401, 401], platform_admin: [200, 404], super_admin: [200, 404], internal: [200, 404], admin: [200, 404],
      member: [200, 404], auditor: [403, 404], external: [403, 404], external_custom: [200, 404],
    },
  },
  {
    method: 'PATCH',
    path: '/api/v1/teams/:id',
    who: 'teams:write in the team\'s organization',
    access: {
      anonymous: [401, 401], platform_admin: [200, 404], super_admin: [200, 404], internal: [200, 404], admin: [200, 404],
      member: [403, 404], auditor: [403, 404], external: [403, 404], external_custom: [200, 404],
    },
  },
  {
    method: 'POST',
    path: '/api/v1/teams/:id/members',
    who: 'teams:write in the team\'s organization, and the right to manage the member (users:write on them, no more privilege in them than the caller could grant)',
    access: {
      anonymous: [401, 401], platform_admin: [200, 404], super_admin: [200, 404], internal: [200, 404], admin: [200, 404],
      member: [403, 404], auditor: [403, 404], external: [403, 404], external_custom: [403, 404],
    },
  },
  {
    method: 'DELETE',
    path: '/api/v1/teams/:id/members/:userId',
    who: 'teams:write in the team\'s organization, and the right to manage the member',
    access: {
      anonymous: [401, 401], platform_admin: [200, 404], super_admin: [200, 404], internal: [200, 404], admin: [200, 404],
      member: [403, 404], auditor: [403, 404], external: [403, 404], external_custom: [403, 404],
    },
  },
  {
    method: 'DELETE',
    path: '/api/v1/teams/:id',
    who: 'teams:write in the team\'s organization; the team must be empty',
    access: {
      anonymous: [401, 401], platform_admin: [204, 404], super_admin: [204, 404], internal: [204, 404], admin: [204, 404],
      member: [403, 404], auditor: [403, 404], external: [403, 404], external_custom: [204, 404],
    },
  },
  {
    method: 'GET',
    path: '/api/v1/roles',
    who: 'roles:read in the organization named by `account_id` (default: the caller\'s)',
    access: {
      anonymous: [401, 401], platform_admin: [200, 404], super_admin: [200, 404], internal: [200, 404], admin: [200, 404],
      member: [200, 404], auditor: [403, 404], external: [403, 404], external_custom: [403, 404],
    },
  },
  {
    method: 'POST',
    path: '/api/v1/roles',
    who: 'roles:write in the organization named by `account_id` (default: the caller\'s)',
    access: {
      anonymous: [401, 401], platform_admin: [201, 404], super_admin: [201, 404], internal: [201, 404], admin: [201, 404],
      member: [403, 404], auditor: [403, 404], external: [403, 404], external_custom: [403, 404],
    },
  },
  {
    method: 'POST',
    path: '/api/v1/roles/:name/archive',
    who: 'roles:write; archives a custom role of the caller\'s organization (another\'s role is not found)',
    access: {
      anonymous: [401, 401], platform_admin: [200, 404], super_admin: [200, 404], internal: [200, 404], admin: [200, 404],
      member: [403, 403], auditor: [403, 403], external: [403, 403], external_custom: [403, 403],
    },
  },
  {
    method: 'GET',
    path: '/api/v1/audit/events',
    who: 'audit:read over the whole organization named by `organization_id` (default: the caller\'s); the platform admin any organization',
    access: {
      anonymous: [401, 401], platform_admin: [200, 200], super_admin: [200, 403], internal: [200, 403], admin: [200, 403],
      member: [403, 403], auditor: [200, 403], external: [403, 403], external_custom: [403, 403],
    },
  },
  {
    method: 'GET',
    path: '/api/v1/audit/export',
    who: 'as `GET audit/events`: the same filters, as NDJSON',
    access: {
      anonymous: [401, 401], platform_admin: [200, 200], super_admin: [200, 403], internal: [200, 403], admin: [200, 403],
      member: [403, 403], auditor: [200, 403], external: [403, 403], external_custom: [403, 403],
    },
  },
  {
    method: 'GET',
    path: '/api/v1/audit/verify',
    who: 'as `GET audit/events`: walks the hash chain of the organization',
    access: {
      anonymous: [401, 401], platform_admin: [200, 200], super_admin: [200, 403], internal: [200, 403], admin: [200, 403],
      member: [403, 403], auditor: [200, 403], external: [403, 403], external_custom: [403, 403],
    },
  },
  {
    method: 'GET',
    path: '/api/v1/audit/users/:id/history',
    who: 'audit:read over the whole organization; another organization\'s records are simply not there',
    access: {
      anonymous: [401, 401], platform_admin: [200, 200], super_admin: [200, 200], internal: [200, 200], admin: [200, 200],
      member: [403, 403], auditor: [200, 200], external: [403, 403], external_custom: [403, 403],
    },
  },
  {
    method: 'GET',
    path: '/api/v1/audit/tokens/:id/history',
    who: 'audit:read over the whole organization; another organization\'s records are simply not there',
    access: {
      anonymous: [401, 401], platform_admin: [200, 200], super_admin: [200, 200], internal: [200, 200], admin: [200, 200],
      member: [403, 403], auditor: [200, 200], external: [403, 403], external_custom: [403, 403],
    },
  },
  {
    method: 'GET',
    path: '/api/v1/audit/users/:id/as-of',
    who: 'audit:read in the user\'s organization (the platform admin: any)',
    access: {
      anonymous: [401, 401], platform_admin: [200, 200], super_admin: [200, 404], internal: [200, 404], admin: [200, 404],
      member: [403, 403], auditor: [200, 404], external: [403, 403], external_custom: [403, 403],
    },
  },
  {
    method: 'GET',
    path: '/api/v1/audit/tokens/:id/as-of',
    who: 'audit:read in the token\'s organization (the platform admin: any)',
    access: {
      anonymous: [401, 401], platform_admin: [200, 200], super_admin: [200, 404], internal: [200, 404], admin: [200, 404],
      member: [403, 403], auditor: [200, 404], external: [403, 403], external_custom: [403, 403],
    },
  },
  {
    method: 'POST',
    path: '/api/v1/audit/backfill',
    who: 'the platform admin: records whatever the event stores hold and the audit log lacks',
    access: {
      anonymous: [401, null], platform_admin: [200, null], super_admin: [403, null], internal: [403, null], admin: [403, null],
      member: [403, null], auditor: [403, null], external: [403, null], external_custom: [403, null],
    },
  },
  {
    method: 'POST',
    path: '/api/v1/webhooks',
    who: 'webhooks:write; subscribes in the caller\'s organization',
    access: {
      anonymous: [401, null], platform_admin: [201, null], super_admin: [201, null], internal: [201, null], admin: [201, null],
      member: [403, null], auditor: [403, null], external: [403, null], external_custom: [403, null],
    },
  },
  {
    method: 'GET',
    path: '/api/v1/webhooks',
    who: 'webhooks:read; lists the caller\'s own organization only',
    access: {
      anonymous: [401, 401], platform_admin: [200, 'own-only'], super_admin: [200, 'own-only'], internal: [200, 'own-only'], admin: [200, 'own-only'],
      member: [403, 403], auditor: [403, 403], external: [403, 403], external_custom: [403, 403],
    },
  },
  {
    method: 'GET',
    path: '/api/v1/webhooks/:id',
    who: 'webhooks:read in the subscription\'s organization',
    access: {
      anonymous: [401, 401], platform_admin: [200, 404], super_admin: [200, 404], internal: [200, 404], admin: [200, 404],
      member: [403, 403], auditor: [403, 403], external: [403, 403], external_custom: [403, 403],
    },
  },
  {
    method: 'PATCH',
    path: '/api/v1/webhooks/:id',
    who: 'webhooks:write in the subscription\'s organization',
    access: {
      anonymous: [401, 401], platform_admin: [200, 404], super_admin: [200, 404], internal: [200, 404], admin: [200, 404],
      member: [403, 403], auditor: [403, 403], external: [403, 403], external_custom: [403, 403],
    },
  },
  {
    method: 'DELETE',
    path: '/api/v1/webhooks/:id',
    who: 'webhooks:write in the subscription\'s organization',
    access: {
      anonymous: [401, 401], platform_admin: [204, 404], super_admin: [204, 404], internal: [204, 404], admin: [204, 404],
      member: [403, 403], auditor: [403, 403], external: [403, 403], external_custom: [403, 403],
    },
  },
  {
    method: 'POST',
    path: '/api/v1/webhooks/:id/rotate-secret',
    who: 'webhooks:write in the subscription\'s organization; the new secret is shown once',
    access: {
      anonymous: [401, 401], platform_admin: [200, 404], super_admin: [200, 404], internal: [200, 404], admin: [200, 404],
      member: [403, 403], auditor: [403, 403], external: [403, 403], external_custom: [403, 403],
    },
  },
  {
    method: 'GET',
    path: '/api/v1/webhooks/:id/deliveries',
    who: 'webhooks:read in the subscription\'s organization',
    access: {
      anonymous: [401, 401], platform_admin: [200, 404], super_admin: [200, 404], internal: [200, 404], admin: [200, 404],
      member: [403, 403], auditor: [403, 403], external: [403, 403], external_custom: [403, 403],
    },
  },
  {
    method: 'POST',
    path: '/api/v1/webhooks/:id/deliveries/:deliveryId/redeliver',
    who: 'webhooks:write in the subscription\'s organization',
    access: {
      anonymous: [401, 401], platform_admin: [200, 404], super_admin: [200, 404], internal: [200, 404], admin: [200, 404],
      member: [403, 403], auditor: [403, 403], external: [403, 403], external_custom: [403, 403],
    },
  },
  {
    method: 'POST',
    path: '/api/v1/admin/read-models/:name/replay',
    who: 'the platform admin: replays a read model (`tokens`, `users-listing`, `audit-log`) from the event store and swaps it in, or compares',
    access: {
      anonymous: [401, null], platform_admin: [200, null], super_admin: [403, null], internal: [403, null], admin: [403, null],
      member: [403, null], auditor: [403, null], external: [403, null], external_custom: [403, null],
    },
  },
  {
    method: 'GET',
    path: '/api/v1/admin/read-models/:name/replay',
    who: 'the platform admin: the current or last replay of a read model, with its progress',
    access: {
      anonymous: [401, null], platform_admin: [200, null], super_admin: [403, null], internal: [403, null], admin: [403, null],
      member: [403, null], auditor: [403, null], external: [403, null], external_custom: [403, null],
    },
  },
  {
    method: 'POST',
    path: '/api/v1/tokens',
    who: 'tokens:write; the owner must be a service account of the caller\'s organization (tokens belong only to service accounts): another organization\'s account is refused as an invalid owner, as an unknown one is',
    access: {
      anonymous: [401, 401], platform_admin: [201, 422], super_admin: [201, 422], internal: [201, 422], admin: [201, 422],
      member: [403, 403], auditor: [403, 403], external: [403, 403], external_custom: [403, 403],
    },
  },
  {
    method: 'POST',
    path: '/api/v1/tokens',
    case: 'for the internal service account',
    who: 'only a principal whose effective permissions contain the account\'s: a super admin or the internal service account itself; no token stronger than the credential that issues it',
    access: {
      anonymous: [401, 401], platform_admin: [201, 422], super_admin: [201, 422], internal: [201, 422], admin: [403, 422],
      member: [403, 403], auditor: [403, 403], external: [403, 403], external_custom: [403, 403],
    },
  },
  {
    method: 'GET',
    path: '/api/v1/tokens',
    who: 'tokens:read: the tokens of the caller\'s organization',
    access: {
      anonymous: [401, null], platform_admin: [200, null], super_admin: [200, null], internal: [200, null], admin: [200, null],
      member: [403, null], auditor: [403, null], external: [403, null], external_custom: [403, null],
    },
  },
  {
    method: 'GET',
    path: '/api/v1/tokens/:id',
    who: 'tokens:read in the token\'s organization (never the secret)',
    access: {
      anonymous: [401, 401], platform_admin: [200, 404], super_admin: [200, 404], internal: [200, 404], admin: [200, 404],
      member: [403, 404], auditor: [403, 404], external: [403, 404], external_custom: [403, 404],
    },
  },
  {
    method: 'POST',
    path: '/api/v1/tokens/:id/revoke',
    who: 'tokens:write in the token\'s organization',
    access: {
      anonymous: [401, 401], platform_admin: [200, 404], super_admin: [200, 404], internal: [200, 404], admin: [200, 404],
      member: [403, 404], auditor: [403, 404], external: [403, 404], external_custom: [403, 404],
    },
  },
  {
    method: 'POST',
    path: '/api/v1/tokens/:id/disable',
    who: 'tokens:write in the token\'s organization',
    access: {
      anonymous: [401, 401], platform_admin: [200, 404], super_admin: [200, 404], internal: [200, 404], admin: [200, 404],
      member: [403, 404], auditor: [403, 404], external: [403, 404], external_custom: [403, 404],
    },
  },
  {
    method: 'POST',
    path: '/api/v1/tokens/:id/enable',
    who: 'tokens:write in the token\'s organization',
    access: {
      anonymous: [401, 401], platform_admin: [200, 404], super_admin: [200, 404], internal: [200, 404], admin: [200, 404],
      member: [403, 404], auditor: [403, 404], external: [403, 404], external_custom: [403, 404],
    },
  },
  {
    method: 'POST',
    path: '/api/v1/tokens/:id/enable',
    case: 'a token of the internal service account',
    who: 'whoever holds the secret gets the token\'s power back: only a principal whose effective permissions contain the owner\'s',
    access: {
      anonymous: [401, 401], platform_admin: [200, 404], super_admin: [200, 404], internal: [200, 404], admin: [403, 404],
      member: [403, 404], auditor: [403, 404], external: [403, 404], external_custom: [403, 404],
    },
  },
  {
    method: 'POST',
    path: '/api/v1/tokens/report-leaked',
    who: 'any authenticated caller who holds a leaked token\'s secret, of any organization: the same answer whatever the token',
    access: {
      anonymous: [401, 401], platform_admin: [200, 200], super_admin: [200, 200], internal: [200, 200], admin: [200, 200],
      member: [200, 200], auditor: [200, 200], external: [200, 200], external_custom: [200, 200],
    },
  },
  {
    method: 'POST',
    path: '/api/v1/secret-scanning/alerts',
    signed: true,
    who: 'anyone: public; what counts is the alert\'s signature by a configured secret scanner key (none here: 401 for all)',
    access: {
      anonymous: [401, null], platform_admin: [401, null], super_admin: [401, null], internal: [401, null], admin: [401, null],
      member: [401, null], auditor: [401, null], external: [401, null], external_custom: [401, null],
    },
  },
  {
    method: 'POST',
    path: '/api/v1/tokens/:id/rotate',
    who: 'tokens:write in the token\'s organization',
    access: {
      anonymous: [401, 401], platform_admin: [200, 404], super_admin: [200, 404], internal: [200, 404], admin: [200, 404],
      member: [403, 404], auditor: [403, 404], external: [403, 404], external_custom: [403, 404],
    },
  },
  {
    method: 'POST',
    path: '/api/v1/tokens/:id/rotate',
    case: 'a token of the internal service account',
    who: 'the rotator receives the new secret: only a principal whose effective permissions contain the owner\'s',
    access: {
      anonymous: [401, 401], platform_admin: [200, 404], super_admin: [200, 404], internal: [200, 404], admin: [403, 404],
      member: [403, 404], auditor: [403, 404], external: [403, 404], external_custom: [403, 404],
    },
  },
  {
    method: 'PATCH',
    path: '/api/v1/tokens/:id',
    who: 'tokens:write in the token\'s organization',
    access: {
      anonymous: [401, 401], platform_admin: [200, 404], super_admin: [200, 404], internal: [200, 404], admin: [200, 404],
      member: [403, 404], auditor: [403, 404], external: [403, 404], external_custom: [403, 404],
    },
  },
  {
    method: 'PATCH',
    path: '/api/v1/tokens/:id',
    case: 'a token of the internal service account',
    who: 'only a principal whose effective permissions contain the owner\'s',
    access: {
      anonymous: [401, 401], platform_admin: [200, 404], super_admin: [200, 404], internal: [200, 404], admin: [403, 404],
      member: [403, 404], auditor: [403, 404], external: [403, 404], external_custom: [403, 404],
    },
  },
  {
    method: 'POST',
    path: '/api/v1/tokens/:id/reassign',
    who: 'tokens:write in the token\'s organization; only to a service account of it',
    access: {
      anonymous: [401, 401], platform_admin: [200, 404], super_admin: [200, 404], internal: [200, 404], admin: [200, 404],
      member: [403, 404], auditor: [403, 404], external: [403, 404], external_custom: [403, 404],
    },
  },
  {
    method: 'POST',
    path: '/api/v1/tokens/:id/reassign',
    case: 'to the internal service account',
    who: 'only a principal whose effective permissions contain the new owner\'s',
    access: {
      anonymous: [401, 401], platform_admin: [200, 404], super_admin: [200, 404], internal: [200, 404], admin: [403, 404],
      member: [403, 404], auditor: [403, 404], external: [403, 404], external_custom: [403, 404],
    },
  },
  {
    method: 'POST',
    path: '/api/v1/tokens/verify',
    who: 'any authenticated caller (introspection); why a token is inactive only to tokens:read holders',
    access: {
      anonymous: [401, null], platform_admin: [200, null], super_admin: [200, null], internal: [200, null], admin: [200, null],
      member: [200, null], auditor: [200, null], external: [200, null], external_custom: [200, null],
    },
  },
  {
    method: 'GET',
    path: '/api/v1/users/:id/oauth-client',
    who: "tokens:read in the account's organization: its client_id, client secrets (never the secret) and keys",
    access: {
      anonymous: [401, 401], platform_admin: [200, 404], super_admin: [200, 404], internal: [200, 404], admin: [200, 404],
      member: [403, 404], auditor: [403, 404], external: [403, 404], external_custom: [403, 404],
    },
  },
  {
    method: 'POST',
    path: '/api/v1/users/:id/client-secrets',
    who: "tokens:write in the account's organization, and the caller's effective permissions must contain the account's: a client secret is a credential of the account",
    access: {
      anonymous: [401, 401], platform_admin: [201, 404], super_admin: [201, 404], internal: [201, 404], admin: [201, 404],
      member: [403, 404], auditor: [403, 404], external: [403, 404], external_custom: [403, 404],
    },
  },
  {
    method: 'POST',
    path: '/api/v1/users/:id/client-secrets',
    case: 'for the internal service account',
    who: "only a principal whose effective permissions contain the account's: a super admin or the internal service account itself",
    access: {
      anonymous: [401, 401], platform_admin: [201, 404], super_admin: [201, 404], internal: [201, 404], admin: [403, 404],
      member: [403, 404], auditor: [403, 404], external: [403, 404], external_custom: [403, 404],
    },
  },
  {
    method: 'POST',
    path: '/api/v1/users/:id/client-secrets/:secretId/rotate',
    who: 'as a new client secret: the rotator receives it',
    access: {
      anonymous: [401, 401], platform_admin: [200, 404], super_admin: [200, 404], internal: [200, 404], admin: [200, 404],
      member: [403, 404], auditor: [403, 404], external: [403, 404], external_custom: [403, 404],
    },
  },
  {
    method: 'POST',
    path: '/api/v1/users/:id/client-secrets/:secretId/revoke',
    who: "tokens:write in the account's organization",
    access: {
      anonymous: [401, 401], platform_admin: [200, 404], super_admin: [200, 404], internal: [200, 404], admin: [200, 404],
      member: [403, 404], auditor: [403, 404], external: [403, 404], external_custom: [403, 404],
    },
  },
  {
    method: 'POST',
    path: '/api/v1/users/:id/keys',
    who: 'as a client secret: a key is a credential of the account',
    access: {
      anonymous: [401, 401], platform_admin: [201, 404], super_admin: [201, 404], internal: [201, 404], admin: [201, 404],
      member: [403, 404], auditor: [403, 404], external: [403, 404], external_custom: [403, 404],
    },
  },
  {
    method: 'DELETE',
    path: '/api/v1/users/:id/keys/:keyId',
    who: "tokens:write in the account's organization",
    access: {
      anonymous: [401, 401], platform_admin: [204, 404], super_admin: [204, 404], internal: [204, 404], admin: [204, 404],
      member: [403, 404], auditor: [403, 404], external: [403, 404], external_custom: [403, 404],
    },
  },
  {
    method: 'POST',
    path: '/api/v1/users/:id/federation-rules',
    who: 'as a client secret: a federation rule lets workloads obtain credentials of the account',
    access: {
      anonymous: [401, 401], platform_admin: [201, 404], super_admin: [201, 404], internal: [201, 404], admin: [201, 404],
      member: [403, 404], auditor: [403, 404], external: [403, 404], external_custom: [403, 404],
    },
  },
  {
    method: 'DELETE',
    path: '/api/v1/users/:id/federation-rules/:ruleId',
    who: "tokens:write in the account's organization",
    access: {
      anonymous: [401, 401], platform_admin: [204, 404], super_admin: [204, 404], internal: [204, 404], admin: [204, 404],
      member: [403, 404], auditor: [403, 404], external: [403, 404], external_custom: [403, 404],
    },
  },
  {
    method: 'POST',
    path: '/oauth2/token',
    who: 'anyone: the OAuth client authenticates itself (client secret or signed assertion), a bearer credential sent along is ignored',
    access: {
      anonymous: [200, 200], platform_admin: [200, 200], super_admin: [200, 200], internal: [200, 200], admin: [200, 200],
      member: [200, 200], auditor: [200, 200], external: [200, 200], external_custom: [200, 200],
    },
  },
  {
    method: 'POST',
    path: '/oauth2/introspect',
    who: "any authenticated caller, or an OAuth client with its client secret or assertion (RFC 7662); another organization's token reads as inactive",
    access: {
      anonymous: [401, null], platform_admin: [200, null], super_admin: [200, null], internal: [200, null], admin: [200, null],
      member: [200, null], auditor: [200, null], external: [200, null], external_custom: [200, null],
    },
  },
  {
    method: 'POST',
    path: '/oauth2/revoke',
    who: 'any authenticated caller or OAuth client (RFC 7009); it revokes the access tokens of its own account, or of accounts whose tokens it writes',
    access: {
      anonymous: [401, null], platform_admin: [200, null], super_admin: [200, null], internal: [200, null], admin: [200, null],
      member: [200, null], auditor: [200, null], external: [200, null], external_custom: [200, null],
    },
  },
  {
    method: 'GET',
    path: '/.well-known/oauth-authorization-server',
    who: "anyone: the OAuth server's metadata (RFC 8414)",
    access: {
      anonymous: [200, null], platform_admin: [200, null], super_admin: [200, null], internal: [200, null], admin: [200, null],
      member: [200, null], auditor: [200, null], external: [200, null], external_custom: [200, null],
    },
  },
  {
    method: 'GET',
    path: '/health',
    who: 'anyone: public readiness (503 when a dependency is down)',
    access: {
      anonymous: [200, null], platform_admin: [200, null], super_admin: [200, null], internal: [200, null], admin: [200, null],
      member: [200, null], auditor: [200, null], external: [200, null], external_custom: [200, null],
    },
  },
  {
    method: 'GET',
    path: '/health/live',
    who: 'anyone: public liveness',
    access: {
      anonymous: [200, null], platform_admin: [200, null], super_admin: [200, null], internal: [200, null], admin: [200, null],
      member: [200, null], auditor: [200, null], external: [200, null], external_custom: [200, null],
    },
  },
  {
    method: 'GET',
    path: '/health/ready',
    who: 'anyone: public readiness (503 when a dependency is down)',
    access: {
      anonymous: [200, null], platform_admin: [200, null], super_admin: [200, null], internal: [200, null], admin: [200, null],
      member: [200, null], auditor: [200, null], external: [200, null], external_custom: [200, null],
    },
  },
  {
    method: 'GET',
    path: '/metrics',
    who: 'anyone: Prometheus metrics of the gateway (counts and latencies, no identifiers)',
    access: {
      anonymous: [200, null], platform_admin: [200, null], super_admin: [200, null], internal: [200, null], admin: [200, null],
      member: [200, null], auditor: [200, null], external: [200, null], external_custom: [200, null],
    },
  },
  {
    method: 'GET',
    path: '/api/v1/openapi.json',
    who: 'anyone: the OpenAPI 3.1 document of this API',
    access: {
      anonymous: [200, null], platform_admin: [200, null], super_admin: [200, null], internal: [200, null], admin: [200, null],
      member: [200, null], auditor: [200, null], external: [200, null], external_custom: [200, null],
    },
  },
  {
    method: 'GET',
    path: '/docs',
    who: 'anyone: the interactive page over the OpenAPI document',
    access: {
      anonymous: [200, null], platform_admin: [200, null], super_admin: [200, null], internal: [200, null], admin: [200, null],
      member: [200, null], auditor: [200, null], external: [200, null], external_custom: [200, null],
    },
  },
  {
    method: 'GET',
    path: '/console',
    who: "anyone: the admin console's page (what it shows comes from the API, with the caller's own access)",
    access: {
      anonymous: [200, null], platform_admin: [200, null], super_admin: [200, null], internal: [200, null], admin: [200, null],
      member: [200, null], auditor: [200, null], external: [200, null], external_custom: [200, null],
    },
  },
] as const satisfies readonly RouteAccess[];

/** The routes the gateway serves: the table without its cases (each walked beside its route by the matrix). */
export const SERVED_ROUTES: readonly RouteAccess[] = (ROUTE_ACCESS as readonly RouteAccess[]).filter((route) => route.case === undefined);

type KeyOf<R> = R extends { method: infer M extends string; path: infer P extends string; case: infer C extends string }
  ? `${M} ${P} (${C})`
  : R extends { method: infer M extends string; path: infer P extends string }
    ? `${M} ${P}`
    : never;
/** `GET /api/v1/users/:id`, `PATCH /api/v1/users/:id (the caller's own roles)`: one per row of the table. */
export type RouteKey = KeyOf<(typeof ROUTE_ACCESS)[number]>;

export function routeKey(route: { method: string; path: string; case?: string }): string {
  return route.case === undefined ? `${route.method} ${route.path}` : `${route.method} ${route.path} (${route.case})`;
}

export function describeOutcome(outcome: Outcome | null): string {
  if (outcome === null) return '—';
  if (outcome === 'own-only') return '200 own only';
  if (outcome === 'all') return '200 all';
  return String(outcome);
}

/** The block README.md holds between `<!-- route-access:start -->` and `<!-- route-access:end -->`. */
export function renderRouteAccessTable(routes: readonly RouteAccess[] = ROUTE_ACCESS): string {
  const header = ['route', 'who may call it', ...PRINCIPAL_KINDS.map((kind) => PRINCIPALS[kind].label)];
  const escape = (text: string) => text.replaceAll('|', '\\|');
  const rows = routes.map((route) => [
    route.case === undefined ? `\`${route.method} ${route.path}\`` : `\`${route.method} ${route.path}\`: ${escape(route.case)}`,
    escape(route.who),
    ...PRINCIPAL_KINDS.map((kind) => {
      const [own, other] = route.access[kind];
      return `${describeOutcome(own)} / ${describeOutcome(other)}`;
    }),
  ]);
  const line = (cells: readonly string[]) => `| ${cells.join(' | ')} |`;
  return [
    line(header),
    line(header.map(() => '---')),
    ...rows.map(line),
    '',
    'Each cell reads *own organization / another organization*: the target of the request (the resource in the path, the',
    'organization named in the body or query, the account logged in to) in the caller\'s organization or in another one.',
    '`—`: the route cannot name another organization. `200 own only`: 200, and nothing of the other organization is',
    'listed; `200 all`: 200, and it is listed too. Other organizations\' resources are 404, never 403, wherever a caller',
    'could otherwise learn that they exist.',
    '',
    ...PRINCIPAL_KINDS.map((kind) => `- **${PRINCIPALS[kind].label}**: ${PRINCIPALS[kind].description}`),
  ].join('\n');
}
