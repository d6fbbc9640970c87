import { AccountAccess, PERMISSION_PATTERN, Principal, mayObtainCredential, narrowingFor, principalOf } from '@warden/access';
import {
  CommonErrorCode,
  MAX_GRACE_PERIOD_SECONDS,
  PrincipalStatus,
  SECRET_PREFIXES,
  TokenVisibility,
  TokensErrorCode,
  WardenError,
} from '@warden/contracts';
import { Decider, EventUpcasters } from '@warden/kernel';
import { normalizeAllowedOrigin } from './allowed-origin';
import { NO_POLICY, TokenCredits, TokenCreditsPolicy, TokenPolicyChanges, TokenRateLimit, decidePolicy, evolvePolicy } from './token-policy';

// An API token (issued, exchanged for a login key, or made with a service user): owned by
// a service account, private or public (valid only from an exact list of origins),
// optionally expiring and narrowed to some of its owner's permissions. Only the SHA-256 of
// each secret is recorded, with its last four characters for display; the secret itself
// exists only in the answer that minted it.

export const tokenStreamId = (tokenId: string) => `token-${tokenId}`;
export const TOKEN_STREAM_PREFIX = 'token-';

/** What the tokens service knows of an account (its principal record) when it decides. */
export interface TokenOwner extends AccountAccess {
  status: PrincipalStatus;
}

export type TokenCommand =
  | {
      type: 'IssueToken';
      tokenId: string;
      /** The organization the token is issued in (the caller's). */
      organizationId: string;
      /** null: no account with that id. */
      owner: TokenOwner | null;
      name: string;
      visibility: TokenVisibility;
      allowedOrigins: string[];
      expiresAt: string | null;
      permissions: string[] | null;
      secretHash: string;
      lastFour: string;
      issuedAt: string;
      /** The organization's max_token_lifetime_seconds; null: no limit. */
      maxLifetimeSeconds: number | null;
      /** Who issues it, through the credential they act with: nothing stronger than it is minted. */
      issuer: Principal;
      /** A usage policy set at issue (recorded as a `TokenPolicyChanged` right after `TokenIssued`). */
      policy?: TokenPolicyChanges;
    }
  | { type: 'RevokeToken'; at: string }
  | {
      type: 'ChangeTokenPolicy';
      changes: TokenPolicyChanges;
      at: string;
      /** Who changes it, and the token's owner as it is now: only someone who could have issued the token may change where and how much it works. */
      changedBy: Principal;
      owner: TokenOwner | null;
    }
  | {
      type: 'RotateToken';
      secretHash: string;
      lastFour: string;
      gracePeriodSeconds: number;
      at: string;
      /** Who rotates it (and receives the new secret), and the token's owner as it is now. */
      rotatedBy: Principal;
      owner: TokenOwner | null;
    }
  | { type: 'ReassignToken'; newOwner: TokenOwner | null; at: string; reassignedBy: Principal }
  | { type: 'RecordTokenUse'; usedAt: string }
  | { type: 'DisableToken'; at: string; reason: TokenDisabledReason }
  | {
      type: 'EnableToken';
      at: string;
      /** Who gives the token its power back, and the token's owner as it is now: only a principal that could have issued it may. */
      enabledBy: Principal;
      owner: TokenOwner | null;
    }
  | {
      type: 'ReportTokenLeak';
      at: string;
      url: string;
      source: string;
      /** 'scanner', or the id of the principal that reported it. */
      reportedBy: string;
      /** What the token's organization has leaked tokens undergo. */
      action: 'revoke' | 'disable';
    }
  | {
      type: 'WarnTokenExpiring';
      /** The token's current secret when the warning was due (a rotated-out one gets none). */
      secretHash: string;
      /** When that secret stops working (the token's expiry, or the organization's cap on the secret's life). */
      expiresAt: string;
      leadSeconds: number;
      at: string;
    }
  | { type: 'NoteTokenExpired'; secretHash: string; expiresAt: string; at: string };

export interface TokenIssued {
  type: 'TokenIssued';
  data: {
    tokenId: string;
    organizationId: string;
    ownerId: string;
    name: string;
    visibility: TokenVisibility;
    allowedOrigins: string[];
    expiresAt: string | null;
    permissions: string[] | null;
    secretHash: string;
    lastFour: string;
    issuedAt: string;
  };
}
export interface TokenRevoked {
  type: 'TokenRevoked';
  data: { tokenId: string; ownerId: string; revokedAt: string };
}
export interface TokenRotated {
  type: 'TokenRotated';
  data: { tokenId: string; secretHash: string; lastFour: string; previousSecretHash: string; previousValidUntil: string; rotatedAt: string };
}
/**
 * A rotation with a grace period shorter than earlier rotations left: those earlier
 * secrets end with the grace of this rotation (at once, with grace 0), not later.
 */
export interface TokenGraceShortened {
  type: 'TokenGraceShortened';
  data: { tokenId: string; secretHashes: string[]; validUntil: string; shortenedAt: string };
}
export interface TokenReassigned {
  type: 'TokenReassigned';
  data: { tokenId: string; fromUserId: string; toUserId: string; reassignedAt: string };
}
export interface TokenUsed {
  type: 'TokenUsed';
  data: { tokenId: string; ownerId: string; organizationId: string; usedAt: string };
}

export type TokenDisabledReason = 'manual' | 'leaked' | 'unused';
/** Refused at verification (reason `disabled`) until enabled; a revoked token cannot be disabled or enabled. */
export interface TokenDisabled {
  type: 'TokenDisabled';
  data: { tokenId: string; ownerId: string; disabledAt: string; reason: TokenDisabledReason };
}
export interface TokenEnabled {
  type: 'TokenEnabled';
  data: { tokenId: string; ownerId: string; enabledAt: string };
}
/** The token was found exposed (by a secret scanner, or reported by a principal), and what was done to it. */
export interface TokenLeaked {
  type: 'TokenLeaked';
  data: { tokenId: string; ownerId: string; organizationId: string; url: string; source: string; reportedBy: string; action: 'revoked' | 'disabled' };
}
/** The token's current secret stops working within `leadSeconds`: one warning per secret and lead time. */
export interface TokenExpiring {
  type: 'TokenExpiring';
  data: { tokenId: string; ownerId: string; organizationId: string; secretId: string; expiresAt: string; leadSeconds: number };
}
export interface TokenExpired {
  type: 'TokenExpired';
  data: { tokenId: string; ownerId: string; organizationId: string; expiredAt: string };
}

export type TokenEvent =
  | TokenIssued
  | TokenRevoked
  | TokenRotated
  | TokenGraceShortened
  | TokenReassigned
  | TokenUsed
  | TokenDisabled
  | TokenEnabled
  | TokenLeaked
  | TokenExpiring
  | TokenExpired
  | TokenPolicyChanged;

/**
 * A token's usage policy and description as they are after the change (all of them, so a
 * fold needs no earlier one). `creditsGranted`: this change set the credits, which starts
 * their counter again at `credits.amount` (grant number n + 1 of the token's history).
 */
export interface TokenPolicyChanged {
  type: 'TokenPolicyChanged';
  data: {
    tokenId: string;
    description: string | null;
    metadata: Record<string, string>;
    allowedIps: string[];
    rateLimit: TokenRateLimit | null;
    credits: TokenCreditsPolicy | null;
    creditsGranted: boolean;
    changedAt: string;
  };
}


export interface TokenSecret {
  hash: string;
  lastFour: string;
  issuedAt: string;
  /** null for the current secret; the end of the grace period for a rotated-out one. */
  validUntil: string | null;
}

export interface Token {
  status: 'active' | 'revoked';
  tokenId: string;
  organizationId: string;
  ownerId: string;
  name: string;
  visibility: TokenVisibility;
  allowedOrigins: string[];
  expiresAt: string | null;
  permissions: string[] | null;
  /** Every secret the token ever had, the current one last. */
  secrets: TokenSecret[];
  createdAt: string;
  lastUsedAt: string | null;
  revokedAt: string | null;
  rotatedAt: string | null;
  /** Set while the token is disabled. */
  disabledAt: string | null;
  /** The expiry warnings given, as `<secretId>:<leadSeconds>`. */
  warnings: string[];
  /** The secret whose expiry was noted (TokenExpired), if any. */
  expiredSecretId: string | null;
  description: string | null;
  metadata: Record<string, string>;
  /** CIDR blocks (`normalizeAllowedIp`'s `cidr`) the token works from; empty: anywhere. */
  allowedIps: string[];
  rateLimit: TokenRateLimit | null;
  credits: TokenCredits | null;
  /** How many times the credits were set (each a grant: the counter starts again at its amount). */
  creditsGrants: number;
}

export type TokenState = { status: 'absent' } | Token;

export const API_TOKEN_PREFIX = SECRET_PREFIXES.api_token;
const SHA256_HEX = /^[0-9a-f]{64}$/;

const fieldError = (code: TokensErrorCode, field: string, message: string) => new WardenError(code, `${field} ${message}`, [{ field, message }]);

/** Tokens belong to active service accounts of the token's organization, and to nobody else. */
function assertServiceAccountOwner(owner: TokenOwner | null, organizationId: string): TokenOwner {
  // An account of another organization is refused in the very words of an unknown id.
  if (!owner || owner.organizationId !== organizationId) {
    throw fieldError(TokensErrorCode.InvalidTokenOwner, 'user_id', 'is not a service account of the organization');
  }
  if (owner.accountType !== 'service_internal' && owner.accountType !== 'service_external') {
    throw fieldError(TokensErrorCode.InvalidTokenOwner, 'user_id', 'must be a service account: tokens belong only to service accounts');
  }
  if (owner.status !== 'active') throw fieldError(TokensErrorCode.InvalidTokenOwner, 'user_id', `is ${owner.status}`);
  return owner;
}

const forbidden = (reason: string) => new WardenError(CommonErrorCode.Forbidden, reason);

/** No credential stronger than the one that made it: the caller must cover the owner, and a narrowed caller mint narrowed tokens only. */
function assertMayObtain(caller: Principal, owner: TokenOwner, permissions: readonly string[] | null): void {
  const decision = mayObtainCredential(caller, principalOf(owner), permissions);
  if (!decision.allowed) throw forbidden(decision.reason);
}

function decideIssue(command: Extract<TokenCommand, { type: 'IssueToken' }>): TokenEvent[] {
  const issued = decideIssued(command);
  if (command.policy === undefined) return issued;
  const token = evolve({ status: 'absent' }, issued[0]!) as Token;
  return [...issued, ...decidePolicy(token, command.policy, command.issuedAt)];
}

function decideIssued(command: Extract<TokenCommand, { type: 'IssueToken' }>): TokenEvent[] {
  assertServiceAccountOwner(command.owner, command.organizationId);
  const owner = command.owner!;
  if (!SHA256_HEX.test(command.secretHash)) throw new RangeError('secretHash must be a SHA-256 in lowercase hex');
  const name = command.name.trim();
  if (name.length === 0) throw new WardenError(CommonErrorCode.ValidationFailed, 'name must not be blank', [{ field: 'name', message: 'must not be blank' }]);

  const allowedOrigins: string[] = [];
  command.allowedOrigins.forEach((input, i) => {
    const checked = normalizeAllowedOrigin(input);
    if (!checked.ok) throw fieldError(TokensErrorCode.InvalidAllowedOrigins, `allowed_origins[${i}]`, checked.reason);
    if (!allowedOrigins.includes(checked.origin)) allowedOrigins.push(checked.origin);
  });
  if (command.visibility === 'public' && allowedOrigins.length === 0) {
    throw fieldError(TokensErrorCode.InvalidAllowedOrigins, 'allowed_origins', 'must list at least one origin for a public token');
  }
  if (command.visibility === 'private' && allowedOrigins.length > 0) {
    throw fieldError(TokensErrorCode.InvalidAllowedOrigins, 'allowed_origins', 'apply only to public tokens; a private token is valid from anywhere');
  }

  const issuedAt = Date.parse(command.issuedAt);
  const cap = command.maxLifetimeSeconds;
  let expiresAt = command.expiresAt;
  if (expiresAt !== null) {
    const at = Date.parse(expiresAt);
    if (!(at > issuedAt)) throw fieldError(TokensErrorCode.InvalidTokenExpiry, 'expires_at', 'must be in the future');
    if (cap !== null && at > issuedAt + cap * 1000) {
      throw fieldError(TokensErrorCode.InvalidTokenExpiry, 'expires_at', `must be within the organization's max_token_lifetime_seconds (${cap})`);
    }
    expiresAt = new Date(at).toISOString();
  } else if (cap !== null) {
    expiresAt = new Date(issuedAt + cap * 1000).toISOString(); // the longest the organization allows
  }

  const narrowing = narrowingFor(command.issuer, command.permissions);
  if (!narrowing.ok) throw forbidden(narrowing.reason);
  let permissions: string[] | null = null;
  if (narrowing.permissions !== null) {
    permissions = [...new Set(narrowing.permissions)].sort();
    permissions.forEach((permission) => {
      if (!PERMISSION_PATTERN.test(permission)) {
        throw fieldError(TokensErrorCode.InvalidTokenPermissions, 'permissions', `${JSON.stringify(permission)} is not a permission`);
      }
    });
    const owned = principalOf(owner, permissions).permissions;
    // Narrowed by the issuer's own credential rather than by request: what the owner lacks is simply left out.
    if (command.permissions === null) permissions = permissions.filter((permission) => Object.hasOwn(owned, permission));
    const lacking = permissions.find((permission) => !Object.hasOwn(owned, permission));
    if (lacking !== undefined) {
      throw fieldError(TokensErrorCode.InvalidTokenPermissions, 'permissions', `${lacking} is not held by the owner; a token can only narrow its owner's permissions`);
    }
  }
  assertMayObtain(command.issuer, owner, permissions);

  return [
    {
      type: 'TokenIssued',
      data: {
        tokenId: command.tokenId,
        organizationId: command.organizationId,
        ownerId: owner.userId,
        name,
        visibility: command.visibility,
        allowedOrigins,
        expiresAt,
        permissions,
        secretHash: command.secretHash,
        lastFour: command.lastFour,
        issuedAt: command.issuedAt,
      },
    },
  ];
}

/**
 * The id by which expiry events name a secret: its position among the token's secrets
 * (1 for the secret it was issued with), so a rotation's new secret is warned about anew.
 */
export function secretIdOf(token: Token, hash: string): string | null {
  const index = token.secrets.findIndex((secret) => secret.hash === hash);
  return index < 0 ? null : String(index + 1);
}

const notFound = () => new WardenError(TokensErrorCode.TokenNotFound, 'the token does not exist');

export function isExpired(token: Token, at: string): boolean {
  return token.expiresAt !== null && !(Date.parse(token.expiresAt) > Date.parse(at));
}

function assertUsable(token: Token, at: string, action: string): void {
  if (token.status === 'revoked') throw new WardenError(TokensErrorCode.TokenNotActive, `a revoked token cannot be ${action}`);
  if (isExpired(token, at)) throw new WardenError(TokensErrorCode.TokenNotActive, `an expired token cannot be ${action}`);
}

function decide(command: TokenCommand, state: TokenState): TokenEvent[] {
  switch (command.type) {
    case 'IssueToken':
      if (state.status !== 'absent') throw new WardenError(TokensErrorCode.TokenNotActive, `token ${command.tokenId} already exists`);
      return decideIssue(command);
    case 'RevokeToken':
      if (state.status === 'absent') throw notFound();
      if (state.status === 'revoked') return []; // revoking twice is done, not an error
      return [{ type: 'TokenRevoked', data: { tokenId: state.tokenId, ownerId: state.ownerId, revokedAt: command.at } }];
    case 'RotateToken': {
      if (state.status === 'absent') throw notFound();
      assertUsable(state, command.at, 'rotated');
      if (!SHA256_HEX.test(command.secretHash)) throw new RangeError('secretHash must be a SHA-256 in lowercase hex');
      const grace = command.gracePeriodSeconds;
      if (!Number.isInteger(grace) || grace < 0 || grace > MAX_GRACE_PERIOD_SECONDS) {
        throw fieldError(TokensErrorCode.InvalidGracePeriod, 'grace_period_seconds', `must be a whole number of seconds from 0 to ${MAX_GRACE_PERIOD_SECONDS}`);
      }
      // The rotator receives the new secret: it is obtaining the token.
      if (!command.owner || command.owner.userId !== state.ownerId) throw forbidden("the token's owner is not an account the caller may act for");
      assertMayObtain(command.rotatedBy, command.owner, state.permissions);
      const current = state.secrets[state.secrets.length - 1]!;
      const validUntil = new Date(Date.parse(command.at) + grace * 1000).toISOString();
      // Earlier rotations' secrets still in their grace end no later than this one's.
      const outliving = state.secrets.filter((secret) => secret !== current && secret.validUntil !== null && Date.parse(secret.validUntil) > Date.parse(validUntil));
      const events: TokenEvent[] = [];
      if (outliving.length > 0) {
        events.push({
          type: 'TokenGraceShortened',
          data: { tokenId: state.tokenId, secretHashes: outliving.map((secret) => secret.hash), validUntil, shortenedAt: command.at },
        });
      }
      events.push({
        type: 'TokenRotated',
        data: {
          tokenId: state.tokenId,
          secretHash: command.secretHash,
          lastFour: command.lastFour,
          previousSecretHash: current.hash,
          previousValidUntil: validUntil,
          rotatedAt: command.at,
        },
      });
      return events;
    }
    case 'ReassignToken': {
      if (state.status === 'absent') throw notFound();
      assertUsable(state, command.at, 'reassigned');
      const owner = assertServiceAccountOwner(command.newOwner, state.organizationId);
      // Whoever holds the secret now acts as the new owner: only someone who could have issued it to them may move it
      // (even where it is already theirs, so that touching a stronger account's token is refused whatever it changes).
      assertMayObtain(command.reassignedBy, owner, state.permissions);
      if (owner.userId === state.ownerId) return [];
      // The token keeps its own narrowing; at use it is intersected with the new owner's permissions.
      return [{ type: 'TokenReassigned', data: { tokenId: state.tokenId, fromUserId: state.ownerId, toUserId: owner.userId, reassignedAt: command.at } }];
    }
    case 'ChangeTokenPolicy': {
      if (state.status === 'absent') throw notFound();
      assertUsable(state, command.at, 'changed');
      if (!command.owner || command.owner.userId !== state.ownerId) throw forbidden("the token's owner is not an account the caller may act for");
      assertMayObtain(command.changedBy, command.owner, state.permissions);
      return decidePolicy(state, command.changes, command.at);
    }
    case 'RecordTokenUse': {
      if (state.status === 'absent') throw notFound();
      // Uses are reported late and in batches: only a later one moves the clock.
      if (state.lastUsedAt !== null && !(Date.parse(command.usedAt) > Date.parse(state.lastUsedAt))) return [];
      return [{ type: 'TokenUsed', data: { tokenId: state.tokenId, ownerId: state.ownerId, organizationId: state.organizationId, usedAt: command.usedAt } }];
    }
    case 'DisableToken':
      if (state.status === 'absent') throw notFound();
      if (state.status === 'revoked') throw new WardenError(TokensErrorCode.TokenNotActive, 'a revoked token cannot be disabled');
      if (state.disabledAt !== null) return []; // disabling twice is done, not an error
      return [{ type: 'TokenDisabled', data: { tokenId: state.tokenId, ownerId: state.ownerId, disabledAt: command.at, reason: command.reason } }];
    case 'EnableToken':
      if (state.status === 'absent') throw notFound();
      if (state.status === 'revoked') throw new WardenError(TokensErrorCode.TokenNotActive, 'a revoked token cannot be enabled');
      // Whoever holds the secret gets the token's power back: only someone who could have issued it may.
      if (!command.owner || command.owner.userId !== state.ownerId) throw forbidden("the token's owner is not an account the caller may act for");
      assertMayObtain(command.enabledBy, command.owner, state.permissions);
      if (state.disabledAt === null) return [];
      return [{ type: 'TokenEnabled', data: { tokenId: state.tokenId, ownerId: state.ownerId, enabledAt: command.at } }];
    case 'ReportTokenLeak': {
      if (state.status === 'absent') throw notFound();
      const { tokenId, ownerId, organizationId } = state;
      const leak = (action: 'revoked' | 'disabled'): TokenEvent => ({
        type: 'TokenLeaked',
        data: { tokenId, ownerId, organizationId, url: command.url, source: command.source, reportedBy: command.reportedBy, action },
      });
      // Already revoked: the leak is still recorded, and nothing more can be done.
      if (state.status === 'revoked') return [leak('revoked')];
      if (command.action === 'disable') {
        if (state.disabledAt !== null) return [leak('disabled')];
        return [leak('disabled'), { type: 'TokenDisabled', data: { tokenId, ownerId, disabledAt: command.at, reason: 'leaked' } }];
      }
      return [leak('revoked'), { type: 'TokenRevoked', data: { tokenId, ownerId, revokedAt: command.at } }];
    }
    case 'WarnTokenExpiring': {
      if (state.status !== 'active') return [];
      const secretId = secretIdOf(state, command.secretHash);
      // Only the current secret is warned about: one rotated out (or a token rotated since the warning was due) gets none.
      if (secretId === null || state.secrets[state.secrets.length - 1]!.hash !== command.secretHash) return [];
      const { leadSeconds } = command;
      if (state.warnings.includes(`${secretId}:${leadSeconds}`)) return [];
      const due = Date.parse(command.expiresAt) - leadSeconds * 1000;
      if (!(Date.parse(command.at) >= due && Date.parse(command.at) < Date.parse(command.expiresAt))) return [];
      const { tokenId, ownerId, organizationId } = state;
      return [{ type: 'TokenExpiring', data: { tokenId, ownerId, organizationId, secretId, expiresAt: command.expiresAt, leadSeconds } }];
    }
    case 'NoteTokenExpired': {
      if (state.status !== 'active') return [];
      const secretId = secretIdOf(state, command.secretHash);
      if (secretId === null || state.secrets[state.secrets.length - 1]!.hash !== command.secretHash) return [];
      if (state.expiredSecretId === secretId || Date.parse(command.at) < Date.parse(command.expiresAt)) return [];
      const { tokenId, ownerId, organizationId } = state;
      return [{ type: 'TokenExpired', data: { tokenId, ownerId, organizationId, expiredAt: command.expiresAt } }];
    }
    default: {
      const _exhaustive: never = command;
      return _exhaustive;
    }
  }
}

function evolve(state: TokenState, event: TokenEvent): TokenState {
  if (event.type === 'TokenIssued') {
    const { secretHash, lastFour, issuedAt, ownerId, ...rest } = event.data;
    return {
      ...rest,
      status: 'active',
      ownerId,
      secrets: [{ hash: secretHash, lastFour, issuedAt, validUntil: null }],
      createdAt: issuedAt,
      lastUsedAt: null,
      revokedAt: null,
      rotatedAt: null,
      disabledAt: null,
      warnings: [],
      expiredSecretId: null,
      ...NO_POLICY,
    };
  }
  if (state.status === 'absent') return state;
  switch (event.type) {
    case 'TokenRevoked':
      return { ...state, status: 'revoked', revokedAt: event.data.revokedAt };
    case 'TokenRotated': {
      const { secretHash, lastFour, previousSecretHash, previousValidUntil, rotatedAt } = event.data;
      const secrets = state.secrets.map((secret) =>
        secret.hash === previousSecretHash ? { ...secret, validUntil: previousValidUntil } : secret,
      );
      return { ...state, secrets: [...secrets, { hash: secretHash, lastFour, issuedAt: rotatedAt, validUntil: null }], rotatedAt };
    }
    case 'TokenGraceShortened': {
      const { secretHashes, validUntil } = event.data;
      return { ...state, secrets: state.secrets.map((secret) => (secretHashes.includes(secret.hash) ? { ...secret, validUntil } : secret)) };
    }
    case 'TokenReassigned':
      return { ...state, ownerId: event.data.toUserId };
    case 'TokenUsed':
      return { ...state, lastUsedAt: event.data.usedAt };
    case 'TokenDisabled':
      return { ...state, disabledAt: event.data.disabledAt };
    case 'TokenEnabled':
      return { ...state, disabledAt: null };
    case 'TokenLeaked':
      return state; // what was done to the token is its own event
    case 'TokenExpiring':
      return { ...state, warnings: [...state.warnings, `${event.data.secretId}:${event.data.leadSeconds}`] };
    case 'TokenExpired':
      return { ...state, expiredSecretId: String(state.secrets.length) };
    case 'TokenPolicyChanged':
      return evolvePolicy(state, event);
    default: {
      const _exhaustive: never = event;
      return _exhaustive;
    }
  }
}

export const tokenEventUpcasters: EventUpcasters<TokenEvent> = {
  TokenIssued: [],
  TokenRevoked: [],
  TokenRotated: [],
  TokenGraceShortened: [],
  TokenReassigned: [],
  TokenUsed: [],
  TokenDisabled: [],
  TokenEnabled: [],
  TokenLeaked: [],
  TokenExpiring: [],
  TokenExpired: [],
  TokenPolicyChanged: [],
};

export const tokenDecider: Decider<TokenCommand, TokenEvent, TokenState> = {
  decide,
  evolve,
  initialState: () => ({ status: 'absent' }),
  upcasters: tokenEventUpcasters,
};
