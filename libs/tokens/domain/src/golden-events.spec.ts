import path from 'node:path';
import { Shapes, describeGoldenEvents } from '@warden/testing';
import { oauthClientDecider } from './oauth-client.decider';
import { oauthGrantsDecider } from './oauth-grants.decider';
import { sessionDecider } from './session.decider';
import { tokenDecider } from './token.decider';
import { TokensContextEvent, tokensContextUpcasters } from './tokens-upcasters';

// Today's shape of every event the tokens service stores. The compiler holds each to its
// type: change an event's type and this must change with it, and then the golden events
// say whether that needs a new version.
const ID = '01a23b46-b9e5-701a-80d7-77159d24ac06';
const AT = '2026-01-01T00:00:00.000Z';
const HASH = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';
const shapes: Shapes<TokensContextEvent> = {
  TokenIssued: {
    tokenId: ID,
    organizationId: ID,
    ownerId: ID,
    name: 'DocuSign Connect',
    visibility: 'public',
    allowedOrigins: ['https://shop.example.com'],
    expiresAt: AT,
    permissions: ['users:read'],
    secretHash: HASH,
    lastFour: 'abcd',
    issuedAt: AT,
  },
  TokenRevoked: { tokenId: ID, ownerId: ID, revokedAt: AT },
  TokenRotated: { tokenId: ID, secretHash: HASH, lastFour: 'abcd', previousSecretHash: HASH, previousValidUntil: AT, rotatedAt: AT },
  TokenGraceShortened: { tokenId: ID, secretHashes: [HASH], validUntil: AT, shortenedAt: AT },
  TokenReassigned: { tokenId: ID, fromUserId: ID, toUserId: ID, reassignedAt: AT },
  TokenUsed: { tokenId: ID, ownerId: ID, organizationId: ID, usedAt: AT },
  TokenDisabled: { tokenId: ID, ownerId: ID, disabledAt: AT, reason: 'manual' },
  TokenEnabled: { tokenId: ID, ownerId: ID, enabledAt: AT },
  TokenLeaked: { tokenId: ID, ownerId: ID, organizationId: ID, url: 'https://github.com/acme/site/blob/main/.env', source: 'content', reportedBy: 'scanner', action: 'revoked' },
  TokenExpiring: { tokenId: ID, ownerId: ID, organizationId: ID, secretId: '1', expiresAt: AT, leadSeconds: 86_400 },
  TokenExpired: { tokenId: ID, ownerId: ID, organizationId: ID, expiredAt: AT },
  TokenPolicyChanged: {
    tokenId: ID,
    description: 'DocuSign Connect webhooks',
    metadata: { team: 'billing' },
    allowedIps: ['203.0.113.0/24', '2001:db8::/32'],
    rateLimit: { limit: 100, windowSeconds: 60 },
    credits: { amount: 1000, refill: { amount: 1000, intervalSeconds: 86400 } },
    creditsGranted: true,
    changedAt: AT,
  },
  SessionStarted: { sessionId: ID, userId: ID, organizationId: ID, keyHash: HASH, expiresAt: AT, startedAt: AT },
  SessionEnded: { sessionId: ID, userId: ID, organizationId: ID, keyHash: HASH, expiresAt: AT, endedAt: AT },
  ClientSecretAdded: { accountId: ID, organizationId: ID, secretId: ID, secretHash: HASH, lastFour: 'abcd', addedAt: AT },
  ClientSecretRevoked: { accountId: ID, secretId: ID, validUntil: AT, revokedAt: AT },
  ServiceAccountKeyRegistered: {
    accountId: ID,
    organizationId: ID,
    keyId: 'billing-2026',
    algorithm: 'ES256',
    publicJwk: { kty: 'EC', crv: 'P-256', x: 'f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU', y: 'x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0' },
    expiresAt: AT,
    registeredAt: AT,
  },
  ServiceAccountKeyDeleted: { accountId: ID, keyId: 'billing-2026', deletedAt: AT },
  FederationRuleAdded: {
    accountId: ID,
    organizationId: ID,
    ruleId: ID,
    issuer: 'https://token.actions.githubusercontent.com',
    audiences: ['https://warden.example.com'],
    claims: { repository: 'acme/billing', ref: 'refs/heads/main' },
    addedAt: AT,
  },
  FederationRuleRemoved: { accountId: ID, ruleId: ID, removedAt: AT },
  AccessTokenRevoked: { accountId: ID, grantId: ID, expiresAt: AT, revokedAt: AT },
  AccessTokensGranted: {
    organizationId: ID,
    accountId: ID,
    grants: [
      {
        grantId: ID,
        grantType: 'client_credentials',
        clientAuthentication: 'private_key_jwt',
        credentialId: 'billing-2026',
        scope: ['records:write'],
        issuedAt: AT,
        expiresAt: AT,
        clientAddress: '127.0.0.1',
        correlationId: ID,
      },
    ],
  },
  AccessTokenRequestsRefused: {
    organizationId: ID,
    accountId: ID,
    refusals: [
      {
        grantType: 'client_credentials',
        clientAuthentication: 'client_secret_basic',
        error: 'invalid_client',
        reason: 'the client secret is not one of the account\'s',
        credentialId: null,
        at: AT,
        clientAddress: '127.0.0.1',
        correlationId: ID,
      },
    ],
  },
};

describeGoldenEvents('tokens', {
  directory: path.join(__dirname, '../golden-events'),
  upcasters: tokensContextUpcasters,
  shapes,
  deciders: [
    { decider: tokenDecider, creation: 'TokenIssued' },
    { decider: sessionDecider, creation: 'SessionStarted' },
    { decider: oauthClientDecider, creation: 'ClientSecretAdded' },
    { decider: oauthGrantsDecider, creation: 'AccessTokensGranted' },
  ],
});
