// Generators of hostile input for the fuzz tier: strings, bodies, credentials, origins.
import { domainToASCII } from 'node:url';
import { BASE62_ALPHABET, CredentialKind, formatSecret } from '@warden/contracts';
import fc from 'fast-check';

export const INJECTIONS = [
  "' OR '1'='1",
  "'; DROP TABLE events; --",
  '" OR ""="',
  '1; SELECT pg_sleep(10)',
  "admin'--",
  '$(reboot)',
  '`id`',
  '{{7*7}}',
  '${7*7}',
  '<script>alert(1)</script>',
  '../../../../etc/passwd',
  '..\\..\\windows\\win.ini',
  '{"$gt": ""}',
  ')(uid=*))(|(uid=*',
  '__proto__',
  'constructor',
  'KEYS *',
  '\r\nSET x 1\r\n',
  'null',
  'NaN',
  '-1',
  '1e309',
  '%00',
  '\u0000',
  '\u202eevil',
  '\ufeff',
  '\ud800',
  'wdn_p_',
] as const;

const CONTROL = fc.integer({ min: 0, max: 0x1f }).map((code) => String.fromCharCode(code));

/** Injection strings, control characters, any Unicode (lone surrogates included), long runs. */
export const hostileString: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(...INJECTIONS),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.string({ unit: 'grapheme', maxLength: 40 }),
  fc.string({ unit: CONTROL, minLength: 1, maxLength: 10 }),
  fc.string({ unit: fc.constantFrom('\u202e', '\u200b', '\ufeff', '\ud800', '\udfff', '\u0000', 'é', '𝔘'), maxLength: 10 }),
  fc.integer({ min: 255, max: 5000 }).map((length) => 'A'.repeat(length)),
);

/** Any JSON value, nested a little, with hostile strings in it. */
export const hostileJson: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    hostileString,
    fc.integer(),
    fc.double(),
    fc.boolean(),
    fc.constant(null),
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(hostileString, tie('value'), { maxKeys: 4 }),
  ),
})).value;

/** A JSON text nested `depth` levels, in arrays or objects. */
export const deeplyNested = fc
  .tuple(fc.integer({ min: 40, max: 6000 }), fc.boolean())
  .map(([depth, arrays]) => (arrays ? `${'['.repeat(depth)}${']'.repeat(depth)}` : `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`));

/** Text that JSON.parse refuses. */
export const malformedJson = fc
  .oneof(
    fc.tuple(fc.json(), fc.nat()).map(([json, cut]) => json.slice(0, cut % Math.max(1, json.length))),
    fc.tuple(fc.json(), fc.constantFrom('}', ']', ',', ':', '"', "'", 'undefined', '\u0000', 'NaN')).map(([json, junk]) => `${json}${junk}`),
    fc.constantFrom('{', '{"a":}', "{'a': 1}", '{"a" 1}', '[1,]', '{"a":1,}', '{a:1}', 'nul', 'tru', '"unterminated', '{"a":"\u0001"}', '{"__proto__":{"x":1}}', '{"constructor":{"prototype":{}}}'),
  )
  // a leading byte-order mark is allowed before JSON (RFC 8259), so `\ufeff{}` is no fault
  .filter((text) => !text.startsWith('\ufeff'))
  .filter((text) => {
    try {
      JSON.parse(text);
      return text.includes('__proto__') || text.includes('constructor');
    } catch {
      return true;
    }
  });

/** A key no request body or query knows, so forbidNonWhitelisted must refuse it. */
export const unknownKey = fc.string({ unit: fc.constantFrom(...'abcdefghijklmnopqrstuvwxyz_'), minLength: 1, maxLength: 12 }).map((s) => `zz_fuzz_${s}`);

/** Header values fetch can send: Latin-1 without NUL, CR, LF, and no surrounding blanks. */
export const headerSafe = (value: string) => value.replace(/[^\t\x20-\x7e\x80-\xff]/g, '').replace(/^[ \t]+|[ \t]+$/g, '');

export const secretBody = fc.string({ unit: fc.constantFrom(...BASE62_ALPHABET), minLength: 32, maxLength: 32 });

/** Well-formed secrets (a valid checksum) with a random body: no lookup can know them. */
export const forgedSecret = fc
  .tuple(fc.constantFrom<CredentialKind>('session', 'api_token'), secretBody)
  .map(([kind, body]) => formatSecret(kind, body));

/** A real secret with one character changed, cut short or run long: the checksum or the length is off. */
export function damagedSecret(real: string): fc.Arbitrary<string> {
  return fc.oneof(
    fc.tuple(fc.nat({ max: real.length - 1 }), fc.constantFrom(...BASE62_ALPHABET)).map(([at, character]) => {
      const replaced = real.slice(0, at) + character + real.slice(at + 1);
      return replaced === real ? `${real}x` : replaced;
    }),
    fc.nat({ max: real.length - 1 }).map((length) => real.slice(0, length)),
    fc.string({ unit: fc.constantFrom(...BASE62_ALPHABET), minLength: 1, maxLength: 8 }).map((extra) => real + extra),
  );
}

/**
 * Origins that are not the exact, normalized allowed one: case, trailing slash, default port,
 * `null`, userinfo, punycode and Unicode hosts, look-alike hosts, and random single edits.
 */
export function originVariants(allowed: string): fc.Arbitrary<string> {
  const url = new URL(allowed);
  const host = url.hostname;
  const unicodeHost = host.replace(/o/, 'ö');
  const fixed = [
    allowed.toUpperCase(),
    allowed.replace(url.protocol, url.protocol.toUpperCase()),
    allowed.replace(host, host.toUpperCase()),
    `${allowed}/`,
    `${allowed}:443`,
    `${allowed}:443/`,
    `${allowed}:80`,
    `${allowed}:8443`,
    allowed.replace('https:', 'http:'),
    allowed.replace('https://', ''),
    allowed.replace('https://', 'https:/'),
    allowed.replace('https://', '//'),
    'null',
    'NULL',
    'file://',
    `https://user@${host}`,
    `https://user:secret@${host}`,
    `${allowed}@evil.example`,
    `https://evil.example#${allowed}`,
    `https://evil.example/${allowed}`,
    `${allowed}.evil.example`,
    `https://evil${host}`,
    `https://${host}.`,
    `https://${unicodeHost}`,
    `https://${domainToASCII(unicodeHost)}`,
    `https://${host.replace(/\./g, '%2e')}`,
    `${allowed}/path`,
    `${allowed}?q=1`,
    `${allowed}, ${allowed}`,
    `${allowed} ${allowed}`,
    `${allowed}\t${allowed}`,
  ];
  const edited = fc.tuple(fc.nat({ max: allowed.length }), fc.constantFrom(...'./:@%-_#?aZ09\u00e9')).map(
    ([at, character]) => allowed.slice(0, at) + character + allowed.slice(at),
  );
  const caseFlipped = fc.nat({ max: allowed.length - 1 }).map((at) => {
    const character = allowed[at]!;
    const flipped = character === character.toUpperCase() ? character.toLowerCase() : character.toUpperCase();
    return allowed.slice(0, at) + flipped + allowed.slice(at + 1);
  });
  return fc.oneof(fc.constantFrom(...fixed), edited, caseFlipped).map(headerSafe).filter((origin) => origin !== allowed);
}
