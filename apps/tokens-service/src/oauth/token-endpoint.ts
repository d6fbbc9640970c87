import { randomUUID, timingSafeEqual } from 'node:crypto';
import { effectivePermissions, isPermission, principalOf, viewOfPrincipal } from '@warden/access';
import {
  ACCESS_TOKEN_TYPE,
  AccessTokenAnswer,
  CLIENT_CREDENTIALS_GRANT,
  DEFAULT_ACCESS_TOKEN_LIFETIME_SECONDS,
  ID_TOKEN_TYPE,
  JWT_BEARER_GRANT,
  JWT_TOKEN_TYPE,
  TOKEN_EXCHANGE_GRANT,
  ClientAuthenticationAnswer,
  ClientAuthenticationMethod,
  JWT_BEARER_CLIENT_ASSERTION,
  KeyAlgorithm,
  MAX_ASSERTION_LIFETIME_SECONDS,
  OAuthClientRecord,
  OAuthErrorCode,
  OrganizationPolicyRecord,
  PrincipalRecord,
  RequestContext,
  TokenEndpointAnswer,
  TokenEndpointRequest,
  assertionJtiKey,
  formatAccessToken,
  oauthClientKey,
  parseSecret,
  secretHash,
} from '@warden/contracts';
import { EventStore } from '@warden/event-store';
import { fold, upcast } from '@warden/kernel';
import { AccessTokenKeyring, parseJson, readVerificationRecordsAt } from '@warden/token-verifier';
import { oauthClientDecider, oauthClientStreamId } from '@warden/tokens-domain';
import type { RedisClient } from '@warden/redis';
import { decodeJwt, decodeProtectedHeader, importJWK, jwtVerify } from 'jose';
import { oauthClientRecord } from '../credentials/credential-read-model.projection';
import { PrincipalRecords } from '../owners/principal-records';
import { GrantLedger, GrantRequester } from './grant-ledger';
import { IssuerUnreachableError, WorkloadIssuers } from './workload-issuers';

// The token endpoint (RFC 6749 §4.4, client credentials): a service account authenticates
// with a client secret (client_secret_basic or client_secret_post) or a JWT signed with a
// key it registered (private_key_jwt, RFC 7523 §2.2), and gets an opaque access token
// whose scope is what it asked for within what it holds. One Redis round trip reads the
// account's OAuth client record, principal record and policy, as a verification does; the
// token is derived (signed), not stored; the grant is recorded in a group commit.

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const SCOPE_TOKEN = /^[\x21\x23-\x5b\x5d-\x7e]+$/; // RFC 6749 §3.3
const IMPORTED_KEYS_KEPT = 10_000;
// Clocks of clients and Warden may differ this much for a client assertion's times.
const CLOCK_TOLERANCE_SECONDS = 30;

export interface TokenEndpointOptions {
  redis: RedisClient;
  keyPrefix: string;
  store: EventStore;
  keyring: AccessTokenKeyring;
  ledger: GrantLedger;
  issuers: WorkloadIssuers;
  clock?: () => Date;
}

type ImportedKey = Awaited<ReturnType<typeof importJWK>>;

class Refusal {
  constructor(
    readonly error: OAuthErrorCode,
    /** For the client (RFC 6749's error_description): never says which of secret, key or account was wrong. */
    readonly description: string,
    /** For the audit log. */
    readonly reason: string,
  ) {}
}

const invalidClient = (reason: string) => new Refusal('invalid_client', 'client authentication failed', reason);

type ClientAuthentication =
  | { method: 'client_secret_basic' | 'client_secret_post'; clientId: string; secret: string }
  | { method: 'private_key_jwt'; clientId: string; assertion: string };

/** How a grant was authenticated when a workload's own token stood for the client (RFC 7523 §2.1, RFC 8693). */
const WORKLOAD_IDENTITY = 'workload_identity';
const WORKLOAD_TOKEN_ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA', 'Ed25519'];

interface Authenticated {
  method: ClientAuthenticationMethod | typeof WORKLOAD_IDENTITY;
  credentialId: string;
  /** When the credential stops working (a secret's grace, a key's expiry): no token outlives it. */
  credentialEnds: number | null;
  record: OAuthClientRecord;
  owner: PrincipalRecord;
  policy: OrganizationPolicyRecord | null;
}

export class TokenEndpoint {
  private readonly clock: () => Date;
  private readonly importedKeys = new Map<string, Promise<ImportedKey>>();

  private readonly principals: PrincipalRecords;

  constructor(private readonly options: TokenEndpointOptions) {
    this.clock = options.clock ?? (() => new Date());
    this.principals = new PrincipalRecords(options.redis, options.keyPrefix);
  }

  /**
   * A client authenticating at introspection or revocation: the account's principal through
   * its client secret or key (refusals are not recorded: nothing is granted there).
   */
  async authenticateClient(request: TokenEndpointRequest): Promise<ClientAuthenticationAnswer> {
    try {
      const client = await this.authenticate(clientAuthenticationOf(request), request, this.clock(), () => undefined);
      const principal = principalOf(client.owner);
      const kind = client.method === 'private_key_jwt' ? 'service_account_key' : 'client_secret';
      return { ok: true, principal: viewOfPrincipal(principal, { kind, id: client.credentialId, expiresAt: client.credentialEnds === null ? null : new Date(client.credentialEnds).toISOString() }) };
    } catch (error) {
      if (!(error instanceof Refusal)) throw error;
      return { ok: false, status: error.error === 'invalid_client' ? 401 : 400, body: { error: error.error, error_description: error.description } };
    }
  }

  async token(request: TokenEndpointRequest, context: RequestContext): Promise<TokenEndpointAnswer> {
    const now = this.clock();
    const form = request.form;
    let method: ClientAuthenticationMethod | typeof WORKLOAD_IDENTITY | null = null;
    let known: GrantRequester = null;
    let credentialId: string | null = null;
    try {
      const grantType = form['grant_type'];
      if (grantType === undefined) throw new Refusal('invalid_request', 'grant_type is required', 'no grant_type');
      if (grantType === JWT_BEARER_GRANT || grantType === TOKEN_EXCHANGE_GRANT) {
        method = WORKLOAD_IDENTITY;
        const client = await this.federate(request, grantType, now, (account) => (known = account));
        credentialId = client.credentialId;
        return await this.grant(client, form['scope'], now, context, grantType);
      }
      const presented = clientAuthenticationOf(request);
      method = presented.method;
      if (grantType !== CLIENT_CREDENTIALS_GRANT) throw new Refusal('unsupported_grant_type', `grant_type ${grantType} is not supported`, `grant_type ${grantType}`);
      const client = await this.authenticate(presented, request, now, (account) => (known = account));
      credentialId = client.credentialId;
      return await this.grant(client, form['scope'], now, context);
    } catch (error) {
      if (!(error instanceof Refusal)) throw error;
      await this.options.ledger.refuse(known as GrantRequester, {
        grantType: form['grant_type'] ?? null,
        clientAuthentication: method,
        error: error.error,
        reason: error.reason,
        credentialId,
        at: now.toISOString(),
        clientAddress: context.clientAddress ?? null,
        correlationId: context.correlationId,
      });
      return { status: error.error === 'invalid_client' ? 401 : 400, body: { error: error.error, error_description: error.description } };
    }
  }

  private async authenticate(
    presented: ClientAuthentication,
    request: TokenEndpointRequest,
    now: Date,
    found: (requester: GrantRequester) => void,
  ): Promise<Authenticated> {
    const { record, owner, policy } = await this.clientRecords(presented.clientId);
    if (!record) throw invalidClient('no OAuth client credential for that client_id');
    // Its principal record says what kind of account acted; without one, it is not known who did.
    found({ organizationId: record.organizationId, accountId: record.userId, accountType: owner?.accountType ?? 'anonymous' });
    const at = now.getTime();
    const live = (until: string | null) => until === null || Date.parse(until) > at;
    let credential: { id: string; ends: string | null };
    if (presented.method === 'private_key_jwt') {
      credential = await this.verifyAssertion(presented, record, request, now);
    } else {
      const parsed = parseSecret(presented.secret);
      if (!parsed || parsed.kind !== 'client_secret') throw invalidClient('the client secret is not one in form');
      const hash = Buffer.from(secretHash(parsed.secret), 'hex');
      const secret = record.secrets.find((candidate) => {
        const stored = Buffer.from(candidate.hash, 'hex');
        return stored.length === hash.length && timingSafeEqual(stored, hash);
      });
      if (!secret) throw invalidClient("the client secret is not one of the account's");
      if (!live(secret.validUntil)) throw invalidClient('the client secret was revoked or rotated out');
      credential = { id: secret.id, ends: secret.validUntil };
    }
    if (!owner || owner.status !== 'active' || owner.userId !== record.userId || owner.organizationId !== record.organizationId) {
      throw invalidClient('the account is not active');
    }
    if (owner.accountType === 'user') throw invalidClient('the account is not a service account');
    return { method: presented.method, credentialId: credential.id, credentialEnds: credential.ends === null ? null : Date.parse(credential.ends), record, owner, policy };
  }

  /** RFC 7523 §3: signed by a live key of the account, for this server, short-lived, used once. */
  private async verifyAssertion(
    presented: Extract<ClientAuthentication, { method: 'private_key_jwt' }>,
    record: OAuthClientRecord,
    request: TokenEndpointRequest,
    now: Date,
  ): Promise<{ id: string; ends: string | null }> {
    let header;
    try {
      header = decodeProtectedHeader(presented.assertion);
    } catch {
      throw invalidClient('a client assertion without a readable header');
    }
    const at = now.getTime();
    const algorithm = header.alg === 'Ed25519' ? 'EdDSA' : header.alg; // RFC 9864's name for EdDSA over Ed25519
    const candidates = record.keys.filter((key) => (header.kid === undefined || key.id === header.kid) && key.algorithm === algorithm);
    if (candidates.length === 0) throw invalidClient(header.kid === undefined ? 'no key of the account for the assertion' : `no key ${header.kid} of the account`);
    if (candidates.length > 1) throw invalidClient('the account has several keys of that algorithm: the assertion must name one with kid');
    const key = candidates.find((candidate) => candidate.expiresAt === null || Date.parse(candidate.expiresAt) > at);
    if (!key) throw invalidClient(`key ${candidates[0]!.id} expired`);
    let payload;
    try {
      ({ payload } = await jwtVerify(presented.assertion, await this.importKey(record.userId, key), {
        algorithms: [header.alg!],
        issuer: record.userId,
        subject: record.userId,
        audience: request.audiences,
        currentDate: now,
        clockTolerance: CLOCK_TOLERANCE_SECONDS,
        requiredClaims: ['exp', 'iat', 'jti'],
      }));
    } catch (error) {
      throw invalidClient(`the client assertion was refused: ${(error as Error).message}`);
    }
    const { exp, iat, jti } = payload as { exp: number; iat: number; jti: unknown };
    if (exp - iat > MAX_ASSERTION_LIFETIME_SECONDS) throw invalidClient(`the client assertion lives ${exp - iat} s, more than ${MAX_ASSERTION_LIFETIME_SECONDS}`);
    if (iat * 1000 > at + CLOCK_TOLERANCE_SECONDS * 1000) throw invalidClient('the client assertion was issued in the future');
    if (typeof jti !== 'string' || jti.length === 0 || jti.length > 256) throw invalidClient('the client assertion has no usable jti');
    // Remembered until the assertion expires: accepted once.
    const first = await this.options.redis.set(this.options.keyPrefix + assertionJtiKey(record.userId, jti), '1', 'PXAT', exp * 1000 + CLOCK_TOLERANCE_SECONDS * 1000, 'NX');
    if (first === null) throw invalidClient('the client assertion was used before (replayed jti)');
    return { id: key.id, ends: key.expiresAt };
  }

  private importKey(accountId: string, key: OAuthClientRecord['keys'][number]): Promise<ImportedKey> {
    const cacheKey = `${accountId}/${key.id}/${JSON.stringify(key.jwk)}`;
    let imported = this.importedKeys.get(cacheKey);
    if (!imported) {
      if (this.importedKeys.size >= IMPORTED_KEYS_KEPT) this.importedKeys.clear();
      imported = importJWK({ ...key.jwk, alg: key.algorithm }, key.algorithm as KeyAlgorithm);
      this.importedKeys.set(cacheKey, imported);
      imported.catch(() => this.importedKeys.delete(cacheKey));
    }
    return imported;
  }

  /**
   * Workload identity federation: a token its platform gave the workload (RFC 7523 §2.1's
   * `assertion`, or RFC 8693's `subject_token` of type jwt or id_token), for the account the
   * request names with `client_id`, checked against that account's rules: signed by a key
   * of the rule's issuer (fetched through its discovery document), for one of the rule's
   * audiences, unexpired, holding every claim the rule names. One account per request: a
   * subject reaches several accounts only where each has a rule for it.
   */
  private async federate(request: TokenEndpointRequest, grantType: string, now: Date, found: (requester: GrantRequester) => void): Promise<Authenticated> {
    const { form } = request;
    if (request.authorization !== undefined && /^Basic /i.test(request.authorization)) {
      throw new Refusal('invalid_request', 'a workload presents its own token, not a client credential', 'client authentication sent with a workload token');
    }
    if (form['client_secret'] !== undefined || form['client_assertion'] !== undefined) {
      throw new Refusal('invalid_request', 'a workload presents its own token, not a client credential', 'client authentication sent with a workload token');
    }
    let external: string | undefined;
    if (grantType === JWT_BEARER_GRANT) external = form['assertion'];
    else {
      const type = form['subject_token_type'];
      if (type !== JWT_TOKEN_TYPE && type !== ID_TOKEN_TYPE) {
        throw new Refusal('invalid_request', `subject_token_type must be ${JWT_TOKEN_TYPE} or ${ID_TOKEN_TYPE}`, `subject_token_type ${String(type)}`);
      }
      external = form['subject_token'];
    }
    if (external === undefined) throw new Refusal('invalid_request', grantType === JWT_BEARER_GRANT ? 'assertion is required' : 'subject_token is required', 'no workload token');
    const accountId = form['client_id'];
    if (accountId === undefined || !UUID.test(accountId)) throw new Refusal('invalid_request', 'client_id must name the service account', 'no account named');
    const { record, owner, policy } = await this.clientRecords(accountId.toLowerCase());
    const invalidGrant = (reason: string) => new Refusal('invalid_grant', 'the workload token was refused', reason);
    if (!record) throw invalidGrant('the account has no federation rule');
    found({ organizationId: record.organizationId, accountId: record.userId, accountType: owner?.accountType ?? 'anonymous' });
    let issuer: unknown;
    try {
      issuer = decodeJwt(external).iss;
    } catch {
      throw invalidGrant('the workload token is not a JWT');
    }
    const rules = record.rules.filter((rule) => rule.issuer === issuer);
    if (rules.length === 0) throw invalidGrant(`no rule of the account trusts issuer ${String(issuer)}`);
    let keys;
    try {
      keys = await this.options.issuers.keysOf(issuer as string, now.getTime());
    } catch (error) {
      throw invalidGrant(error instanceof IssuerUnreachableError ? error.message : `the issuer's keys could not be had: ${(error as Error).message}`);
    }
    let claims: Record<string, unknown>;
    try {
      ({ payload: claims } = await jwtVerify(external, keys, {
        issuer: issuer as string,
        audience: [...new Set(rules.flatMap((rule) => rule.audiences))],
        algorithms: WORKLOAD_TOKEN_ALGORITHMS,
        currentDate: now,
        clockTolerance: CLOCK_TOLERANCE_SECONDS,
        requiredClaims: ['exp'],
      }));
    } catch (error) {
      throw invalidGrant(`the workload token was refused: ${(error as Error).message}`);
    }
    const audiences = typeof claims['aud'] === 'string' ? [claims['aud']] : Array.isArray(claims['aud']) ? claims['aud'] : [];
    const rule = rules.find((candidate) => candidate.audiences.some((audience) => audiences.includes(audience)) && Object.entries(candidate.claims).every(([name, value]) => claims[name] === value));
    if (!rule) throw invalidGrant(`the claims of ${String(claims['sub'])} from ${String(issuer)} match no rule of the account`);
    if (!owner || owner.status !== 'active' || owner.userId !== record.userId || owner.organizationId !== record.organizationId || owner.accountType === 'user') {
      throw invalidGrant('the account is not an active service account');
    }
    return { method: WORKLOAD_IDENTITY, credentialId: rule.id, credentialEnds: null, record, owner, policy };
  }

  private async grant(client: Authenticated, requestedScope: string | undefined, now: Date, context: RequestContext, grantType = CLIENT_CREDENTIALS_GRANT): Promise<TokenEndpointAnswer> {
    const requested = requestedScope === undefined || requestedScope.trim() === '' ? null : [...new Set(requestedScope.split(' ').filter(Boolean))];
    if (requested !== null) {
      const malformed = requested.find((permission) => !SCOPE_TOKEN.test(permission) || !isPermission(permission));
      if (malformed !== undefined) throw new Refusal('invalid_scope', `${malformed} is not a permission`, `asked for ${malformed}, not a permission`);
    }
    // Never more than the account holds: what it asked for, within what it holds now (checked again at every use).
    const held = requested === null ? null : Object.keys(principalOf(client.owner, requested).permissions).sort();
    if (held !== null && held.length === 0) throw new Refusal('invalid_scope', 'the account holds none of the scope asked for', `asked for ${requested!.join(' ')}, holds none`);
    const issuedAt = Math.floor(now.getTime() / 1000);
    // The organization's lifetime as its policy record says now (a change applies from the next
    // grant), capped by its max_token_lifetime_seconds and the end of the client credential.
    const lifetime = client.policy?.accessTokenLifetimeSeconds ?? DEFAULT_ACCESS_TOKEN_LIFETIME_SECONDS;
    const cap = client.policy?.maxTokenLifetimeSeconds ?? null;
    let expiresAt = issuedAt + Math.min(lifetime, cap ?? Number.POSITIVE_INFINITY);
    if (client.credentialEnds !== null) expiresAt = Math.min(expiresAt, Math.floor(client.credentialEnds / 1000));
    const key = await this.options.keyring.current();
    if (!key) throw new Error('no access token key yet: the tokens service makes one at start');
    const grantId = randomUUID();
    const token = formatAccessToken({ grantId, accountId: client.record.userId, credentialId: client.credentialId, issuedAt, expiresAt, scope: held }, key);
    await this.options.ledger.grant({ organizationId: client.record.organizationId, accountId: client.record.userId, accountType: client.owner.accountType }, {
      grantId,
      grantType,
      clientAuthentication: client.method,
      credentialId: client.credentialId,
      scope: held,
      issuedAt: new Date(issuedAt * 1000).toISOString(),
      expiresAt: new Date(expiresAt * 1000).toISOString(),
      clientAddress: context.clientAddress ?? null,
      correlationId: context.correlationId,
    });
    const scope = held ?? Object.keys(effectivePermissions(principalOf(client.owner))).sort();
    const body: AccessTokenAnswer = { access_token: token, token_type: 'Bearer', expires_in: Math.max(0, expiresAt - issuedAt), scope: scope.join(' ') };
    if (grantType === TOKEN_EXCHANGE_GRANT) body.issued_token_type = ACCESS_TOKEN_TYPE; // RFC 8693 §2.2.1
    return { status: 200, body };
  }

  /** The account's OAuth client record, principal record and policy: one round trip, or the store while the read model is rebuilt. */
  private async clientRecords(clientId: string): Promise<{ record: OAuthClientRecord | null; owner: PrincipalRecord | null; policy: OrganizationPolicyRecord | null }> {
    const { redis, keyPrefix } = this.options;
    const records = await readVerificationRecordsAt(redis, keyPrefix, oauthClientKey(clientId));
    if (records !== null) {
      const record = parseJson<OAuthClientRecord>(records.credential);
      return { record: record?.kind === 'oauth_client' ? record : null, owner: parseJson(records.principal), policy: parseJson(records.policy) };
    }
    const events = await this.options.store.readStream(oauthClientStreamId(clientId));
    const client = fold(oauthClientDecider, events.map((event) => upcast(oauthClientDecider.upcasters, event)));
    if (client.status === 'absent') return { record: null, owner: null, policy: null };
    const [owner, policy] = await Promise.all([this.principals.principal(client.accountId), this.principals.policy(client.organizationId)]);
    return { record: oauthClientRecord(client), owner, policy };
  }
}

/** How the client authenticated: exactly one method (RFC 6749 §2.3), naming an account id as client_id. */
export function clientAuthenticationOf(request: TokenEndpointRequest): ClientAuthentication {
  const { form, authorization } = request;
  const methods: ClientAuthentication[] = [];
  if (authorization !== undefined) {
    const basic = /^Basic +([A-Za-z0-9+/=]+) *$/i.exec(authorization)?.[1];
    const decoded = basic === undefined ? '' : Buffer.from(basic, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon < 0) throw invalidClient('an Authorization header that is not HTTP Basic with client_id:client_secret');
    // RFC 6749 §2.3.1: both are form-urlencoded before they are joined.
    const decode = (value: string) => {
      try {
        return decodeURIComponent(value.replace(/\+/g, ' '));
      } catch {
        throw invalidClient('client credentials that are not form-urlencoded');
      }
    };
    methods.push({ method: 'client_secret_basic', clientId: decode(decoded.slice(0, colon)), secret: decode(decoded.slice(colon + 1)) });
  }
  if (form['client_secret'] !== undefined) methods.push({ method: 'client_secret_post', clientId: form['client_id'] ?? '', secret: form['client_secret'] });
  if (form['client_assertion'] !== undefined || form['client_assertion_type'] !== undefined) {
    if (form['client_assertion_type'] !== JWT_BEARER_CLIENT_ASSERTION) {
      throw new Refusal('invalid_request', `client_assertion_type must be ${JWT_BEARER_CLIENT_ASSERTION}`, `client_assertion_type ${form['client_assertion_type']}`);
    }
    const assertion = form['client_assertion'] ?? '';
    let subject: unknown;
    try {
      subject = decodeJwt(assertion).sub;
    } catch {
      throw invalidClient('a client assertion that is not a JWT');
    }
    methods.push({ method: 'private_key_jwt', clientId: typeof subject === 'string' ? subject : '', assertion });
  }
  if (methods.length === 0) throw invalidClient('no client authentication');
  if (methods.length > 1) throw new Refusal('invalid_request', 'use exactly one client authentication method', 'several client authentication methods');
  const [presented] = methods as [ClientAuthentication];
  if (form['client_id'] !== undefined && form['client_id'] !== presented.clientId) throw invalidClient('client_id differs from the authenticated client');
  if (!UUID.test(presented.clientId)) throw invalidClient('client_id is not an account id');
  return { ...presented, clientId: presented.clientId.toLowerCase() };
}
