// A secret scanner's alert (the GitHub secret-scanning partner format): a JSON array of
// `{token, type, url, source}`, signed with ECDSA P-256 over the raw body. The signature
// (`Github-Public-Key-Signature`, base64 of a DER signature) is checked against the public
// key the scanner names (`Github-Public-Key-Identifier`) among those configured, before the
// body is even parsed.
import { KeyObject, createPublicKey, verify } from 'node:crypto';
import { CommonErrorCode, ScannerAlertEntry, WardenError } from '@warden/contracts';

/** At most this many entries in one alert. */
export const MAX_SCANNER_ALERT_ENTRIES = 1_000;
const MAX_FIELD_LENGTH = 8_192;

/** The configured scanner keys (key id → PEM) as public keys; a key that is not an EC P-256 public key is refused at start. */
export function scannerPublicKeys(pems: Readonly<Record<string, string>>): ReadonlyMap<string, KeyObject> {
  const keys = new Map<string, KeyObject>();
  for (const [id, pem] of Object.entries(pems)) {
    const key = createPublicKey(pem);
    if (key.asymmetricKeyType !== 'ec' || key.asymmetricKeyDetails?.namedCurve !== 'prime256v1') {
      throw new RangeError(`secret scanning key ${id} is not an ECDSA P-256 public key`);
    }
    keys.set(id, key);
  }
  return keys;
}

const unsigned = (detail: string) => new WardenError(CommonErrorCode.Unauthenticated, detail);

/** Throws `unauthenticated` unless `signature` is a valid signature of `body` by the key named `keyIdentifier`. */
export function assertScannerSignature(
  keys: ReadonlyMap<string, KeyObject>,
  body: Buffer,
  keyIdentifier: string | null,
  signature: string | null,
): void {
  if (!keyIdentifier || !signature) throw unsigned('the alert needs the Github-Public-Key-Identifier and Github-Public-Key-Signature headers');
  const key = keys.get(keyIdentifier);
  // An unknown key id and a wrong signature read alike.
  let valid = false;
  if (key) {
    try {
      valid = verify('sha256', body, { key, dsaEncoding: 'der' }, Buffer.from(signature, 'base64'));
    } catch {
      valid = false;
    }
  }
  if (!valid) throw unsigned('the alert signature does not verify');
}

const badAlert = (field: string, message: string) => new WardenError(CommonErrorCode.ValidationFailed, `${field} ${message}`, [{ field, message }]);

/** The alert's entries; a body that is not such an array is a 400 naming the field at fault. */
export function parseScannerAlert(body: Buffer): ScannerAlertEntry[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch {
    throw new WardenError(CommonErrorCode.MalformedBody, 'the alert is not JSON');
  }
  if (!Array.isArray(parsed)) throw badAlert('body', 'must be an array of {token, type, url, source}');
  if (parsed.length > MAX_SCANNER_ALERT_ENTRIES) throw badAlert('body', `must have at most ${MAX_SCANNER_ALERT_ENTRIES} entries`);
  return parsed.map((entry: unknown, i) => {
    if (typeof entry !== 'object' || entry === null) throw badAlert(`[${i}]`, 'must be an object');
    const fields = entry as Record<string, unknown>;
    const text = (name: keyof ScannerAlertEntry, required: boolean): string => {
      const value = fields[name];
      if (value === undefined && !required) return '';
      if (typeof value !== 'string' || value.length > MAX_FIELD_LENGTH) throw badAlert(`[${i}].${name}`, `must be a string of at most ${MAX_FIELD_LENGTH} characters`);
      return value;
    };
    return { token: text('token', true), type: text('type', true), url: text('url', false), source: text('source', false) };
  });
}
