import { Principal, authorize } from '@warden/access';
import {
  AccountRequest,
  AddFederationRuleBody,
  ClientSecretView,
  FederationRuleView,
  CommonErrorCode,
  Envelope,
  IssuedClientSecretView,
  OAuthClientView,
  OAuthErrorAnswer,
  PrincipalRecord,
  RegisterKeyBody,
  RequestContext,
  RevokeAccessTokenRequest,
  RotateClientSecretBody,
  SECRET_PREFIXES,
  ServiceAccountKeyView,
  TokensErrorCode,
  UsersErrorCode,
  WardenError,
  accessTokenSignedWith,
  readAccessToken,
  secretHash,
  secretLastFour,
} from '@warden/contracts';
import { EventStore } from '@warden/event-store';
import { CommandHandler, eventMetadataFrom } from '@warden/kernel';
import { validateDto } from '@warden/platform';
import { AccessTokenKeyring } from '@warden/token-verifier';
import {
  ClientSecret,
  OAuthClientCommand,
  OAuthClientEvent,
  OAuthClientState,
  RandomBytes,
  ServiceAccountKey,
  TokenOwner,
  generateSecret,
  oauthClientDecider,
  oauthClientStreamId,
} from '@warden/tokens-domain';
import type { RedisClient } from '@warden/redis';
import { PrincipalRecords } from '../owners/principal-records';
import { calculateJwkThumbprint, importJWK } from 'jose';
import { v7 as uuidv7 } from 'uuid';
import { CredentialReadModel } from '../credentials/credential-read-model';
import { OAuthClientViewRecord } from '../credentials/credential-read-model.projection';
import { callerOf } from '../tokens/token-authorization';

export interface OAuthClientsServiceOptions {
  store: EventStore;
  readModel: CredentialReadModel;
  redis: RedisClient;
  keyPrefix: string;
  keyring: AccessTokenKeyring;
  randomBytes: RandomBytes;
  /** Federation rules may name `http:` issuers (a deployment's own test issuers); otherwise https only. */
  allowHttpIssuers: boolean;
  clock?: () => Date;
}

/** A revocation's answer (RFC 7009 §2.2): 200 with no body, or an RFC 6749 error. */
export type RevocationAnswer = { status: 200 } | { status: 400; body: OAuthErrorAnswer };

/**
 * A service account's client credentials, managed as its API tokens are: reading them takes
 * `tokens:read` on the account, changing them `tokens:write`, and making one (a secret, a
 * key) is obtaining a credential of the account, which the decider refuses to a caller the
 * account is stronger than. Every change answers only once the credential read model holds
 * it, so a revoked secret or a deleted key is refused by every verification from then on.
 */
export class OAuthClientsService {
  private readonly commands: CommandHandler<OAuthClientCommand, OAuthClientEvent, OAuthClientState>;
  private readonly clock: () => Date;

  private readonly principals: PrincipalRecords;

  constructor(private readonly options: OAuthClientsServiceOptions) {
    this.commands = new CommandHandler(options.store, oauthClientDecider, { maxRetries: 5 });
    this.clock = options.clock ?? (() => new Date());
    this.principals = new PrincipalRecords(options.redis, options.keyPrefix);
  }

  async client(envelope: Envelope<AccountRequest>): Promise<OAuthClientView> {
    const { account } = await this.authorized(envelope.context, envelope.payload.userId, 'tokens:read');
    // From the read model the commands below apply before they answer: no stream is folded.
    return viewOf(account.userId, account.organizationId, await this.options.readModel.oauthClientView(account.userId), this.clock());
  }

  async addClientSecret(envelope: Envelope<AccountRequest>): Promise<IssuedClientSecretView> {
    const { caller, account } = await this.authorized(envelope.context, envelope.payload.userId, 'tokens:write');
    const secret = generateSecret('client_secret', this.options.randomBytes);
    const secretId = uuidv7();
    const now = this.clock();
    const state = await this.run(envelope.context, account.userId, {
      type: 'AddClientSecret',
      secretId,
      organizationId: caller.organizationId,
      account: toOwner(account),
      secretHash: secretHash(secret),
      lastFour: secretLastFour(secret),
      at: now.toISOString(),
      addedBy: caller,
    });
    return withSecret(account.userId, secretView(findSecret(state, secretId), now), secret);
  }

  async rotateClientSecret(envelope: Envelope<AccountRequest & { secretId: string } & RotateClientSecretBody>): Promise<IssuedClientSecretView> {
    const { userId, secretId, ...rest } = envelope.payload;
    const body = await validateDto(RotateClientSecretBody, rest);
    const { caller, account } = await this.authorized(envelope.context, userId, 'tokens:write');
    const secret = generateSecret('client_secret', this.options.randomBytes);
    const newSecretId = uuidv7();
    const now = this.clock();
    const state = await this.run(envelope.context, account.userId, {
      type: 'RotateClientSecret',
      secretId,
      newSecretId,
      secretHash: secretHash(secret),
      lastFour: secretLastFour(secret),
      gracePeriodSeconds: body.grace_period_seconds ?? 0,
      account: toOwner(account),
      at: now.toISOString(),
      rotatedBy: caller,
    });
    return withSecret(account.userId, secretView(findSecret(state, newSecretId), now), secret);
  }

  async revokeClientSecret(envelope: Envelope<AccountRequest & { secretId: string }>): Promise<ClientSecretView> {
    const { userId, secretId } = envelope.payload;
    const { account } = await this.authorized(envelope.context, userId, 'tokens:write');
    const now = this.clock();
    const state = await this.run(envelope.context, account.userId, { type: 'RevokeClientSecret', secretId, at: now.toISOString() });
    return secretView(findSecret(state, secretId), now);
  }

  async registerKey(envelope: Envelope<AccountRequest & RegisterKeyBody>): Promise<ServiceAccountKeyView> {
    const { userId, ...rest } = envelope.payload;
    const body = await validateDto(RegisterKeyBody, rest);
    const { caller, account } = await this.authorized(envelope.context, userId, 'tokens:write');
    const algorithm = typeof body.jwk['alg'] === 'string' ? body.jwk['alg'] : '';
    const { kid, alg: _alg, use: _use, key_ops: _ops, ...jwk } = body.jwk;
    // jose reads it as the key it claims to be, or it is refused (a point off the curve, a broken modulus).
    try {
      await importJWK({ ...jwk, alg: algorithm }, algorithm);
    } catch (error) {
      throw new WardenError(TokensErrorCode.InvalidServiceAccountKey, `jwk is not a usable ${algorithm || 'public'} key: ${(error as Error).message}`, [
        { field: 'jwk', message: 'is not a usable public key' },
      ]);
    }
    // Without a kid, the key's RFC 7638 thumbprint names it (as the client's JOSE library computes it).
    const keyId = typeof kid === 'string' ? kid : await calculateJwkThumbprint(jwk as Parameters<typeof calculateJwkThumbprint>[0]).catch(() => '');
    const now = this.clock();
    const state = await this.run(envelope.context, account.userId, {
      type: 'RegisterKey',
      keyId,
      organizationId: caller.organizationId,
      account: toOwner(account),
      algorithm,
      publicJwk: jwk,
      expiresAt: body.expires_at ?? null,
      at: now.toISOString(),
      registeredBy: caller,
    });
    const key = state.status === 'active' ? state.keys.find((candidate) => candidate.id === keyId) : undefined;
    return keyView(key!, now);
  }

  async deleteKey(envelope: Envelope<AccountRequest & { keyId: string }>): Promise<void> {
    const { userId, keyId } = envelope.payload;
    const { account } = await this.authorized(envelope.context, userId, 'tokens:write');
    await this.run(envelope.context, account.userId, { type: 'DeleteKey', keyId, at: this.clock().toISOString() });
  }

  async addFederationRule(envelope: Envelope<AccountRequest & AddFederationRuleBody>): Promise<FederationRuleView> {
    const { userId, ...rest } = envelope.payload;
    const body = await validateDto(AddFederationRuleBody, rest);
    const { caller, account } = await this.authorized(envelope.context, userId, 'tokens:write');
    const ruleId = uuidv7();
    const state = await this.run(envelope.context, account.userId, {
      type: 'AddFederationRule',
      ruleId,
      organizationId: caller.organizationId,
      account: toOwner(account),
      issuer: body.issuer,
      audiences: body.audiences,
      claims: body.claims,
      allowHttpIssuer: this.options.allowHttpIssuers,
      at: this.clock().toISOString(),
      addedBy: caller,
    });
    const rule = state.status === 'active' ? state.rules.find((candidate) => candidate.id === ruleId)! : undefined;
    return { id: ruleId, issuer: rule!.issuer, audiences: rule!.audiences, claims: rule!.claims, created_at: rule!.addedAt };
  }

  async removeFederationRule(envelope: Envelope<AccountRequest & { ruleId: string }>): Promise<void> {
    const { userId, ruleId } = envelope.payload;
    const { account } = await this.authorized(envelope.context, userId, 'tokens:write');
    await this.run(envelope.context, account.userId, { type: 'RemoveFederationRule', ruleId, at: this.clock().toISOString() });
  }

  /**
   * RFC 7009 for access tokens: the account itself (through any of its credentials) or a
   * caller who writes its tokens. A token that is not one, was forged, has expired or is
   * another organization's is answered as revoked (200), as the RFC asks, and nothing is
   * written; API tokens and login keys are revoked through their own routes.
   */
  async revokeAccessToken(envelope: Envelope<RevokeAccessTokenRequest>): Promise<RevocationAnswer> {
    const caller = callerOf(envelope.context);
    const presented = typeof envelope.payload?.token === 'string' ? envelope.payload.token : '';
    const token = readAccessToken(presented);
    if (!token) {
      if (presented.startsWith(SECRET_PREFIXES.api_token) || presented.startsWith(SECRET_PREFIXES.session)) {
        return { status: 400, body: { error: 'unsupported_token_type', error_description: 'revoke an API token with POST /api/v1/tokens/{id}/revoke, a login key with logout' } };
      }
      return { status: 200 };
    }
    const secret = await this.options.keyring.secretOf(token.keyId);
    const now = this.clock();
    if (!secret || !accessTokenSignedWith(token, secret) || !(token.claims.expiresAt * 1000 > now.getTime())) return { status: 200 };
    const account = await this.principal(token.claims.accountId);
    if (!account || account.organizationId !== caller.organizationId) return { status: 200 };
    if (caller.userId !== account.userId) {
      const decision = authorize(caller, 'tokens:write', { organizationId: account.organizationId, ownerTeams: account.teams });
      if (!decision.allowed) return { status: 400, body: { error: 'unauthorized_client', error_description: 'the caller may not revoke this token' } };
    }
    await this.run(envelope.context, account.userId, {
      type: 'RevokeAccessToken',
      grantId: token.claims.grantId,
      expiresAt: new Date(token.claims.expiresAt * 1000).toISOString(),
      at: now.toISOString(),
    });
    return { status: 200 };
  }

  /** The caller may act on the account's client credentials; another organization's account is as unknown as none. */
  private async authorized(context: RequestContext, userId: string, permission: 'tokens:read' | 'tokens:write'): Promise<{ caller: Principal; account: PrincipalRecord }> {
    const caller = callerOf(context);
    const account = await this.principal(userId);
    const notFound = new WardenError(UsersErrorCode.UserNotFound, `user ${userId} does not exist`);
    if (!account) throw notFound;
    const decision = authorize(caller, permission, { organizationId: account.organizationId, ownerTeams: account.teams });
    if (!decision.allowed) throw decision.elsewhere ? notFound : new WardenError(CommonErrorCode.Forbidden, decision.reason);
    return { caller, account };
  }

  /** Decides, appends, and applies to the credential read model before answering. */
  private async run(context: RequestContext, accountId: string, command: OAuthClientCommand): Promise<OAuthClientState> {
    const streamId = oauthClientStreamId(accountId);
    const result = await this.commands.handle(streamId, command, { metadata: eventMetadataFrom(context), newEventId: uuidv7 });
    await this.options.readModel.applyNewEvents(streamId);
    return result.state;
  }

  private principal(userId: string): Promise<PrincipalRecord | null> {
    return this.principals.principal(userId);
  }
}

function toOwner(record: PrincipalRecord): TokenOwner {
  const { userId, organizationId, accountType, roles, teams, status, permissions, isSuperAdmin, platformAdmin } = record;
  return { userId, organizationId, accountType, roles, teams, status, permissions, isSuperAdmin, platformAdmin };
}

function findSecret(state: OAuthClientState, secretId: string): ClientSecret {
  const secret = state.status === 'active' ? state.secrets.find((candidate) => candidate.id === secretId) : undefined;
  if (!secret) throw new WardenError(TokensErrorCode.ClientSecretNotFound, `client secret ${secretId} does not exist`);
  return secret;
}

function secretView(secret: Omit<ClientSecret, 'hash'>, now: Date): ClientSecretView {
  const ended = secret.validUntil !== null && !(Date.parse(secret.validUntil) > now.getTime());
  return {
    id: secret.id,
    prefix: SECRET_PREFIXES.client_secret,
    last_four: secret.lastFour,
    created_at: secret.addedAt,
    valid_until: secret.validUntil,
    status: secret.validUntil === null ? 'active' : ended ? 'revoked' : 'ending',
  };
}

function withSecret(clientId: string, view: ClientSecretView, secret: string): IssuedClientSecretView {
  return { client_id: clientId, client_secret: secret, ...view };
}

function keyView(key: ServiceAccountKey, now: Date): ServiceAccountKeyView {
  const expired = key.expiresAt !== null && !(Date.parse(key.expiresAt) > now.getTime());
  return { id: key.id, algorithm: key.algorithm, jwk: { ...key.publicJwk, kid: key.id, alg: key.algorithm, use: 'sig' }, registered_at: key.registeredAt, expires_at: key.expiresAt, status: expired ? 'expired' : 'active' };
}

function viewOf(accountId: string, organizationId: string, client: OAuthClientViewRecord | null, now: Date): OAuthClientView {
  return {
    client_id: accountId,
    organization_id: organizationId,
    // Newest first; a secret revoked without grace stays listed, as revoked.
    client_secrets: (client?.secrets ?? []).map((secret) => secretView(secret, now)).reverse(),
    keys: (client?.keys ?? []).map((key) => keyView(key, now)).reverse(),
    federation_rules: (client?.rules ?? []).map(({ id, issuer, audiences, claims, addedAt }) => ({ id, issuer, audiences, claims, created_at: addedAt })).reverse(),
  };
}
