import { IssuedTokenView, RequestContext } from '@warden/contracts';
import { AppendResult, EventStore } from '@warden/event-store';
import { Pool } from 'pg';
import { ListingProjection } from './read-models/listing.projection';
import { PasswordHasher } from './passwords/password-hasher';
import { PlatformIdentity } from './bootstrap/platform-identity';

/** Brings the read models up to a command's appends before it answers. */
export interface ReadModelSettler {
  settle(appended: readonly AppendResult[]): Promise<void>;
}

/** The tokens service's count of the API tokens a user owns. */
export interface OwnedTokens {
  count(organizationId: string, userId: string, context: RequestContext): Promise<number>;
}

/** The tokens service's issue of an API token: a new service account's first. */
export interface TokenIssuer {
  issue(request: { user_id: string; name: string }, context: RequestContext): Promise<IssuedTokenView>;
}

/** What the application services share. */
export interface UsersContext {
  store: EventStore;
  pool: Pool;
  listing: ListingProjection;
  readModels: ReadModelSettler;
  hasher: PasswordHasher;
  identity: PlatformIdentity;
  ownedTokens: OwnedTokens;
  tokenIssuer: TokenIssuer;
  clock: () => Date;
}
