import { randomBytes } from 'node:crypto';
import { SecretBox } from './secret-box';

describe('sealed webhook secrets', () => {
  const box = new SecretBox(randomBytes(32).toString('base64'));

  it('opens what it sealed, and never holds the secret in clear', () => {
    const sealed = box.seal('whsec_abc');
    expect(sealed).not.toContain('whsec_abc');
    expect(box.open(sealed)).toBe('whsec_abc');
    expect(box.seal('whsec_abc')).not.toBe(sealed);
  });

  it('refuses one sealed under another key, or altered', () => {
    const sealed = box.seal('whsec_abc');
    expect(() => new SecretBox(randomBytes(32).toString('base64')).open(sealed)).toThrow();
    const [v, iv, data, tag] = sealed.split('.');
    expect(() => box.open([v, iv, Buffer.from('whsec_abd').toString('base64'), tag].join('.'))).toThrow();
    expect(() => box.open(`${data}`)).toThrow();
  });

  it('needs a key of 32 bytes', () => {
    expect(() => new SecretBox(randomBytes(16).toString('base64'))).toThrow(/32 bytes/);
  });
});
