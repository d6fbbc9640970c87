import { canonicalJson } from './canonical-json';

describe('canonicalJson', () => {
  it('sorts keys at every depth, so the order they were built in does not matter', () => {
    const a = { b: 1, a: { d: [1, { z: true, y: null }], c: 'x' } };
    const b = { a: { c: 'x', d: [1, { y: null, z: true }] }, b: 1 };

    expect(canonicalJson(a)).toBe('{"a":{"c":"x","d":[1,{"y":null,"z":true}]},"b":1}');
    expect(canonicalJson(b)).toBe(canonicalJson(a));
  });

  it('survives a round trip through JSON that reorders keys (as jsonb does)', () => {
    const value = { userId: 'u-1', roles: ['WARDEN_ADMIN'], nested: { longerKey: 1, k: 2 } };
    const reordered = JSON.parse(JSON.stringify({ nested: { k: 2, longerKey: 1 }, roles: ['WARDEN_ADMIN'], userId: 'u-1' }));

    expect(canonicalJson(reordered)).toBe(canonicalJson(value));
  });

  it('keeps array order, drops undefined fields as JSON does, and escapes strings', () => {
    expect(canonicalJson({ list: [3, 1, 2], gone: undefined, text: 'a"\n' })).toBe('{"list":[3,1,2],"text":"a\\"\\n"}');
  });

  it('refuses what JSON cannot carry', () => {
    expect(() => canonicalJson({ n: Number.NaN })).toThrow(TypeError);
    expect(() => canonicalJson({ f: () => 1 })).toThrow(TypeError);
  });
});
