import { IssuedTokenView } from '@warden/contracts';

/** POST /auth/token (seed 003): the new token's secret as `key` too, beside its view. */
export class ExchangedTokenView extends IssuedTokenView {
  /** The new API token's secret, as seed 003 names it; shown in this answer only. */
  key!: string;
  domain!: null;
}
