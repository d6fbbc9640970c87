import { generateKeyPairSync, sign } from 'node:crypto';
import { WardenError } from '@warden/contracts';
import { assertScannerSignature, parseScannerAlert, scannerPublicKeys } from './scanner-alert';

const scanner = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
const keys = scannerPublicKeys({ main: scanner.publicKey.export({ type: 'spki', format: 'pem' }).toString() });
const body = Buffer.from('[{"token":"wdn_p_x","type":"t","url":"u","source":"s"}]');
const signature = sign('sha256', body, { key: scanner.privateKey, dsaEncoding: 'der' }).toString('base64');
const refused = (run: () => void, code: string) => {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(WardenError);
    expect((error as WardenError).code).toBe(code);
    return;
  }
  throw new Error('expected a refusal');
};

describe('secret scanner alerts', () => {
  it('accepts the scanner key signature over the exact body', () => {
    expect(() => assertScannerSignature(keys, body, 'main', signature)).not.toThrow();
  });

  it('refuses another body, another key id, no signature and a signature that is not base64 DER', () => {
    refused(() => assertScannerSignature(keys, Buffer.from(`${body.toString()} `), 'main', signature), 'unauthenticated');
    refused(() => assertScannerSignature(keys, body, 'other', signature), 'unauthenticated');
    refused(() => assertScannerSignature(keys, body, 'main', null), 'unauthenticated');
    refused(() => assertScannerSignature(keys, body, null, signature), 'unauthenticated');
    refused(() => assertScannerSignature(keys, body, 'main', '!!!'), 'unauthenticated');
  });

  it('refuses a configured key that is not ECDSA P-256', () => {
    const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 });
    expect(() => scannerPublicKeys({ rsa: rsa.publicKey.export({ type: 'spki', format: 'pem' }).toString() })).toThrow(RangeError);
  });

  it('parses the entries, and names the field at fault in a body of another shape', () => {
    expect(parseScannerAlert(body)).toEqual([{ token: 'wdn_p_x', type: 't', url: 'u', source: 's' }]);
    refused(() => parseScannerAlert(Buffer.from('not json')), 'malformed_body');
    refused(() => parseScannerAlert(Buffer.from('{"token":"x"}')), 'validation_failed');
    refused(() => parseScannerAlert(Buffer.from('[{"type":"t"}]')), 'validation_failed');
    refused(() => parseScannerAlert(Buffer.from('[null]')), 'validation_failed');
  });
});
