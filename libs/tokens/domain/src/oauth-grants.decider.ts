import { Decider, EventUpcasters } from '@warden/kernel';

// What the token endpoint granted and refused, for the audit log. A grant is not a stored
// aggregate of its own (its access token is derived, not recorded): the grants and refusals
// of one account that arrive while the previous append is in flight are appended together,
// as one event in a stream of their own, before any of them is answered (a group commit).
// So every answered grant is in the store, and the store sees one append per batch rather
// than per grant.

export const oauthGrantsStreamId = (batchId: string) => `oauth-grants-${batchId}`;

export type GrantEntry = {
  grantId: string;
  grantType: string;
  /** `client_secret_basic`, `client_secret_post`, `private_key_jwt`. */
  clientAuthentication: string;
  /** The client secret's or key's id the account authenticated with. */
  credentialId: string;
  /** The permissions granted; null: the account's own. */
  scope: string[] | null;
  issuedAt: string;
  expiresAt: string;
  clientAddress: string | null;
  /** The token request's correlation id (the batch's event has its own). */
  correlationId: string;
};

export type RefusalEntry = {
  grantType: string | null;
  clientAuthentication: string | null;
  /** RFC 6749's error code. */
  error: string;
  /** Why, in words for the audit log (never for the client). */
  reason: string;
  credentialId: string | null;
  at: string;
  clientAddress: string | null;
  correlationId: string;
};

export type OAuthGrantsCommand =
  | { type: 'RecordGrants'; organizationId: string; accountId: string; grants: GrantEntry[] }
  | { type: 'RecordRefusals'; organizationId: string | null; accountId: string | null; refusals: RefusalEntry[] };

export interface AccessTokensGranted {
  type: 'AccessTokensGranted';
  data: { organizationId: string; accountId: string; grants: GrantEntry[] };
}
export interface AccessTokenRequestsRefused {
  type: 'AccessTokenRequestsRefused';
  /** organizationId and accountId are null when the client named no account of any organization. */
  data: { organizationId: string | null; accountId: string | null; refusals: RefusalEntry[] };
}

export type OAuthGrantsEvent = AccessTokensGranted | AccessTokenRequestsRefused;
export type OAuthGrantsState = { status: 'absent' } | { status: 'recorded' };

function decide(command: OAuthGrantsCommand, state: OAuthGrantsState): OAuthGrantsEvent[] {
  // A batch is written once, to a stream of its own.
  if (state.status !== 'absent') throw new RangeError('a batch of grants is recorded once');
  switch (command.type) {
    case 'RecordGrants':
      if (command.grants.length === 0) return [];
      return [{ type: 'AccessTokensGranted', data: { organizationId: command.organizationId, accountId: command.accountId, grants: command.grants } }];
    case 'RecordRefusals':
      if (command.refusals.length === 0) return [];
      return [{ type: 'AccessTokenRequestsRefused', data: { organizationId: command.organizationId, accountId: command.accountId, refusals: command.refusals } }];
    default: {
      const _exhaustive: never = command;
      return _exhaustive;
    }
  }
}

export const oauthGrantsEventUpcasters: EventUpcasters<OAuthGrantsEvent> = {
  AccessTokensGranted: [],
  AccessTokenRequestsRefused: [],
};

export const oauthGrantsDecider: Decider<OAuthGrantsCommand, OAuthGrantsEvent, OAuthGrantsState> = {
  decide,
  evolve: () => ({ status: 'recorded' }),
  initialState: () => ({ status: 'absent' }),
  upcasters: oauthGrantsEventUpcasters,
};
