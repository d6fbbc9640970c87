import { TokenVisibility } from './api-tokens';
import { AuditSubjects } from './subjects';

// The audit log as the gateway and the audit service exchange it.

/** Request-reply subjects of the audit service (`AuditSubjects` in subjects.ts holds the first). */
export const AuditRequestSubjects = {
  listEvents: AuditSubjects.listEvents,
  subjectHistory: 'audit.subjects.history',
  verifyChain: 'audit.chain.verify',
  userAsOf: 'audit.users.as-of',
  tokenAsOf: 'audit.tokens.as-of',
  runBackfill: 'audit.backfill.run',
} as const;

/** Records without an organization are chained under this name. */
export const PLATFORM_AUDIT_CHAIN = 'platform';

/** The credential an actor acted through. */
export class AuditActorCredential {
  /** `session` (a login key) or `api_token`. */
  kind!: string;
  id!: string;
}

export class AuditRecordView {
  event_id!: string;
  event_type!: string;
  /** Which version of the event type's shape `data` has: the event as its service stored it. */
  schema_version!: number;
  service!: string;
  stream_id!: string;
  stream_version!: number;
  position!: string;
  recorded_at!: string;
  actor_id!: string | null;
  actor_type!: string | null;
  organization_id!: string | null;
  correlation_id!: string | null;
  client_address!: string | null;
  user_agent!: string | null;
  /**
   * The credential the actor acted through (a login session or an API token), so that an
   * action made with a token can be traced to the token, and the token to whoever minted it.
   */
  actor_credential!: AuditActorCredential | null;
  data!: Record<string, unknown>;
  /** The record's place in its organization's hash chain (1 for the first). */
  chain_sequence!: number;
  previous_hash!: string;
  hash!: string;
}

export type AuditOrder = 'oldest' | 'newest';

/**
 * A query of the audit log. Sent to the audit service, `organization_id` is the one the
 * caller names (default: its own), which the audit service authorizes; within the audit
 * service it is the scope decided, absent only for a platform admin's question about one
 * subject across every organization.
 */
export interface ListAuditEventsRequest {
  organization_id?: string;
  actor_id?: string;
  /** A user, token or session id: its own stream, or an event whose data names it (userId, tokenId, sessionId). */
  subject_id?: string;
  event_type?: string;
  correlation_id?: string;
  /** ISO-8601, inclusive. */
  from?: string;
  /** ISO-8601, exclusive. */
  to?: string;
  order?: AuditOrder;
  limit: number;
  cursor?: string;
}

/** Every record about one user, token or session, oldest first: scoped by the audit service to what the caller may read. */
export interface AuditSubjectHistoryRequest {
  subject_id: string;
  limit: number;
  cursor?: string;
}

export class AuditEventsPage {
  results!: AuditRecordView[];
  next_cursor!: string | null;
}

export interface VerifyAuditChainRequest {
  /** As the caller names it: an organization id (default: the caller's), `platform` or `all`; the latter two for the platform admin only. */
  organization_id?: string;
}

export type AuditChainBreakReason =
  /** The record's content or stored hash does not match its recomputed hash. */
  | 'hash_mismatch'
  /** previous_hash is not the hash of the record before it. */
  | 'previous_hash_mismatch'
  /** A chain sequence number is missing: a record was deleted before this one. */
  | 'sequence_gap'
  /** The chain head says more records were appended than remain: the last ones were deleted. */
  | 'missing_tail';

export class AuditChainBreak {
  chain!: string;
  /** The chain sequence of the first record that fails (for `missing_tail`, the first missing one). */
  sequence!: number;
  event_id!: string | null;
  reason!: AuditChainBreakReason;
}

/** Every chain walked is whole. */
export class IntactAuditChain {
  intact!: true;
  /** Records walked. */
  records!: number;
  chains!: number;
}

/** A chain is broken: the first record that fails. */
export class BrokenAuditChain {
  intact!: false;
  records!: number;
  chains!: number;
  first_broken!: AuditChainBreak;
}

export type AuditChainVerification = IntactAuditChain | BrokenAuditChain;

/** A user as it was at a moment, as the caller asks for it. */
export interface UserAsOfQuery {
  user_id: string;
  at: string;
}

/** The same, scoped by the audit service: the caller's organization, absent for a platform admin. */
export interface UserAsOfRequest extends UserAsOfQuery {
  organization_id?: string;
}

/** A user's state at a moment, folded from the users service's event store. */
export class UserAsOfView {
  user_id!: string;
  at!: string;
  /** `absent`: the user did not exist yet at that moment. */
  status!: 'absent' | 'active' | 'deactivated' | 'deleted';
  organization_id!: string;
  account_type?: string;
  username?: string;
  roles?: string[];
  teams?: string[];
  /** The user stream's version at that moment (0 when absent). */
  version!: number;
}

/** A token as it was at a moment, as the caller asks for it. */
export interface TokenAsOfQuery {
  token_id: string;
  at: string;
}

/** The same, scoped by the audit service: the caller's organization, absent for a platform admin. */
export interface TokenAsOfRequest extends TokenAsOfQuery {
  organization_id?: string;
}

/**
 * `absent`: not issued yet; `rotated_in_grace`: rotated, and the former secret still in its
 * grace period; `expired`: past its expiry or the organization's max token lifetime.
 */
export type TokenAsOfStatus = 'absent' | 'active' | 'rotated_in_grace' | 'revoked' | 'expired';

/** Why a token would not have been accepted at that moment (a public token's origin aside). */
export type TokenAsOfRefusal = 'not_issued' | 'revoked' | 'expired' | 'disabled' | 'owner_inactive';

/** A secret the token had at that moment: never the secret, only its last four characters. */
export class TokenSecretAsOf {
  last_four!: string;
  issued_at!: string;
  /** Its own end: the end of the grace period for a rotated-out secret; null for the current one. */
  valid_until!: string | null;
  /** Whether it would have been accepted at that moment. */
  valid!: boolean;
}

/** A token's state at a moment, folded from the tokens service's event store (and its owner's and organization's). */
export class TokenAsOfView {
  token_id!: string;
  at!: string;
  status!: TokenAsOfStatus;
  /** Whether some secret of the token would have been accepted then. */
  valid!: boolean;
  /** Present when not valid. */
  refusal?: TokenAsOfRefusal;
  organization_id!: string;
  owner_id?: string;
  /** The owner's status at that moment. */
  owner_status?: 'absent' | 'active' | 'deactivated' | 'deleted';
  name?: string;
  visibility?: TokenVisibility;
  allowed_origins?: string[];
  permissions?: string[] | null;
  expires_at?: string | null;
  /** The organization's max_token_lifetime_seconds then; null: no limit. */
  max_token_lifetime_seconds?: number | null;
  created_at?: string;
  revoked_at?: string | null;
  rotated_at?: string | null;
  last_used_at?: string | null;
  secrets?: TokenSecretAsOf[];
  /** The token stream's version at that moment (0 when absent). */
  version!: number;
}

/** A source service in a backfill: events read from its store in this run, and how many were new to the audit log. */
export class AuditBackfillSource {
  service!: string;
  read!: number;
  recorded!: number;
  checkpoint!: string | null;
}

export class AuditBackfillReport {
  sources!: AuditBackfillSource[];
}
