import { BASE62_ALPHABET, SECRET_BODY_LENGTH, SecretKind, formatSecret } from '@warden/contracts';

/** A CSPRNG (node:crypto's randomBytes in production); injected so minting stays pure and testable. */
export type RandomBytes = (size: number) => Uint8Array;

// 248 = 4 * 62: bytes at or above it are dropped so every base62 character is equally likely.
const UNBIASED_LIMIT = 248;

/** A new secret of the given kind: prefix, 32 uniformly random base62 characters, checksum. */
export function generateSecret(kind: SecretKind, randomBytes: RandomBytes): string {
  let body = '';
  while (body.length < SECRET_BODY_LENGTH) {
    for (const byte of randomBytes(SECRET_BODY_LENGTH)) {
      if (byte < UNBIASED_LIMIT) body += BASE62_ALPHABET[byte % 62];
      if (body.length === SECRET_BODY_LENGTH) break;
    }
  }
  return formatSecret(kind, body);
}
