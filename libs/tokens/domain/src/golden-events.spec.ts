import path from 'node:path';
import { Shapes, describeGoldenEvents } from '@warden/testing';
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
  SessionStarted: { sessionId: ID, userId: ID, organizationId: ID, keyHash: HASH, expiresAt: AT, startedAt: AT },
  SessionEnded: { sessionId: ID, userId: ID, organizationId: ID, keyHash: HASH, expiresAt: AT, endedAt: AT },
};

describeGoldenEvents('tokens', {
  directory: path.join(__dirname, '../golden-events'),
  upcasters: tokensContextUpcasters,
  shapes,
  deciders: [
    { decider: tokenDecider, creation: 'TokenIssued' },
    { decider: sessionDecider, creation: 'SessionStarted' },
  ],
});
