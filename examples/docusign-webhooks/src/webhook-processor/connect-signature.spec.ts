import { connectSignature, isGenuineConnectNotification, presentedSignatures } from './connect-signature';

const body = Buffer.from('{"event":"envelope-completed","data":{"envelopeId":"93be49ab-afa0-4adf-933c-f752070d71ec"}}');
const KEY = 'connect-key-one';
const OTHER = 'connect-key-two';

describe('DocuSign Connect HMAC', () => {
  it('computes the base64 HMAC-SHA256 of the raw body', () => {
    // the same digest as `printf '%s' "$BODY" | openssl dgst -sha256 -hmac "$KEY" -binary | base64`
    expect(connectSignature(Buffer.from('abc'), 'key')).toBe('nBluMtwBdfhvSxy4konWYZ3mvuaZ5MN45oMJ7Zehpqs=');
  });

  it('accepts the signature of any of our keys, in any of the signature headers', () => {
    expect(isGenuineConnectNotification(body, { 'x-docusign-signature-1': connectSignature(body, KEY) }, [KEY])).toBe(true);
    const rotating = { 'x-docusign-signature-1': connectSignature(body, 'retired-key'), 'x-docusign-signature-2': connectSignature(body, OTHER) };
    expect(isGenuineConnectNotification(body, rotating, [KEY, OTHER])).toBe(true);
  });

  it.each([
    ['no signature header', {}],
    ['an empty header', { 'x-docusign-signature-1': '' }],
    ['a signature under another key', { 'x-docusign-signature-1': connectSignature(body, 'not-our-key') }],
    ['a signature of another body', { 'x-docusign-signature-1': connectSignature(Buffer.from(`${body.toString()} `), KEY) }],
    ['a truncated signature', { 'x-docusign-signature-1': connectSignature(body, KEY).slice(0, 20) }],
    ['the hex spelling of the right digest', { 'x-docusign-signature-1': Buffer.from(connectSignature(body, KEY), 'base64').toString('hex') }],
    ['the signature in another header', { 'x-docusign-signature': connectSignature(body, KEY) }],
  ])('refuses %s', (_what, headers: Record<string, string>) => {
    expect(isGenuineConnectNotification(body, headers, [KEY])).toBe(false);
  });

  it('refuses everything when no key is configured', () => {
    expect(isGenuineConnectNotification(body, { 'x-docusign-signature-1': connectSignature(body, KEY) }, [])).toBe(false);
  });

  it('reads repeated headers and numbered ones', () => {
    const headers = { 'x-docusign-signature-1': ['YQ==', 'Yg=='], 'x-docusign-signature-3': 'Yw==' };
    expect(presentedSignatures(headers).map((b) => b.toString())).toEqual(['a', 'b', 'c']);
  });
});
