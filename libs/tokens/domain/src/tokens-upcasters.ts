import { EventUpcasters, combineUpcasters } from '@warden/kernel';
import { SessionEvent, sessionEventUpcasters } from './session.decider';
import { TokenEvent, tokenEventUpcasters } from './token.decider';

/** Every event the tokens service stores. */
export type TokensContextEvent = TokenEvent | SessionEvent;

/** Every event type the tokens service stores, with its upcasters: what its projections read through. */
export const tokensContextUpcasters: EventUpcasters<TokensContextEvent> = combineUpcasters(tokenEventUpcasters, sessionEventUpcasters);
