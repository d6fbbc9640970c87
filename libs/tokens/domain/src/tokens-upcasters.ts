import { EventUpcasters, combineUpcasters } from '@warden/kernel';
import { OAuthClientEvent, oauthClientEventUpcasters } from './oauth-client.decider';
import { OAuthGrantsEvent, oauthGrantsEventUpcasters } from './oauth-grants.decider';
import { SessionEvent, sessionEventUpcasters } from './session.decider';
import { TokenEvent, tokenEventUpcasters } from './token.decider';

/** Every event the tokens service stores. */
export type TokensContextEvent = TokenEvent | SessionEvent | OAuthClientEvent | OAuthGrantsEvent;

/** Every event type the tokens service stores, with its upcasters: what its projections read through. */
export const tokensContextUpcasters: EventUpcasters<TokensContextEvent> = combineUpcasters(
  tokenEventUpcasters,
  sessionEventUpcasters,
  oauthClientEventUpcasters,
  oauthGrantsEventUpcasters,
);
