import { IssuedTokenView } from '@warden/contracts';

/** POST /auth/token: the new token's secret as `key` too (as a login answers its key), beside its view. */
export class ExchangedTokenView extends IssuedTokenView {
  /** The new API token's secret, as a login names its key; shown in this answer only. */
  key!: string;
  domain!: null;
}
