import { createHmac, timingSafeEqual } from 'node:crypto';

// DocuSign Connect's HMAC: each notification carries `X-DocuSign-Signature-1`, the base64
// HMAC-SHA256 of the raw request body under a Connect key, and one more header per further
// active key (`-2`, `-3`, ... up to 100) while keys are being rotated. A notification is
// genuine when any header matches any of our keys. Digests are compared with
// timingSafeEqual, and every pair is compared, so the time taken says nothing about how
// close a forged signature came.

const MAX_SIGNATURE_HEADERS = 100;
const DIGEST_BYTES = 32;

type Headers = Record<string, string | string[] | undefined>;

export function connectSignature(rawBody: Buffer, key: string): string {
  return createHmac('sha256', key).update(rawBody).digest('base64');
}

/** The signatures a request presents, decoded; Node lowercases header names. */
export function presentedSignatures(headers: Headers): Buffer[] {
  const signatures: Buffer[] = [];
  for (let n = 1; n <= MAX_SIGNATURE_HEADERS; n++) {
    const value = headers[`x-docusign-signature-${n}`];
    for (const one of Array.isArray(value) ? value : value === undefined ? [] : [value]) {
      signatures.push(Buffer.from(one.trim(), 'base64'));
    }
  }
  return signatures;
}

export function isGenuineConnectNotification(rawBody: Buffer, headers: Headers, keys: readonly string[]): boolean {
  const presented = presentedSignatures(headers);
  let genuine = false;
  for (const key of keys) {
    const expected = createHmac('sha256', key).update(rawBody).digest();
    for (const signature of presented) {
      // A wrong length is not a digest at all; only equal-length buffers can be compared.
      if (signature.length === DIGEST_BYTES && timingSafeEqual(signature, expected)) genuine = true;
    }
  }
  return genuine;
}
