import { WardenError, WebhooksErrorCode } from '@warden/contracts';
import { WebhookTargetPolicy, parseAllowedTargets } from './target-policy';

describe('webhook target policy', () => {
  const policy = new WebhookTargetPolicy();

  it.each([
    '127.0.0.1',
    '127.8.9.10',
    '10.1.2.3',
    '172.16.0.1',
    '172.31.255.255',
    '192.168.1.1',
    '169.254.169.254',
    '100.64.0.1',
    '0.0.0.0',
    '224.0.0.1',
    '::1',
    '::',
    'fe80::1',
    'fc00::1',
    'fd12:3456::1',
    '::ffff:10.0.0.1',
    '::ffff:127.0.0.1',
    'ff02::1',
  ])('refuses %s', (address) => {
    expect(policy.permits(address)).toBe(false);
  });

  it.each(['93.184.216.34', '8.8.8.8', '172.32.0.1', '2606:4700:4700::1111', '::ffff:8.8.8.8'])('allows %s', (address) => {
    expect(policy.permits(address)).toBe(true);
  });

  it('allows configured addresses and ranges after all, and only those', () => {
    const allowing = new WebhookTargetPolicy(parseAllowedTargets('127.0.0.1, 10.20.0.0/16, ::1'));
    expect(allowing.permits('127.0.0.1')).toBe(true);
    expect(allowing.permits('127.0.0.2')).toBe(false);
    expect(allowing.permits('10.20.3.4')).toBe(true);
    expect(allowing.permits('10.21.3.4')).toBe(false);
    expect(allowing.permits('::1')).toBe(true);
  });

  it('refuses configuration that is not addresses or ranges', () => {
    expect(() => parseAllowedTargets('localhost')).toThrow();
    expect(() => parseAllowedTargets('10.0.0.0/33')).toThrow();
    expect(parseAllowedTargets('')).toEqual([]);
  });

  const refusal = async (promise: Promise<unknown>) => {
    const error = await promise.then(
      () => undefined,
      (thrown: unknown) => thrown,
    );
    expect(error).toBeInstanceOf(WardenError);
    expect((error as WardenError).code).toBe(WebhooksErrorCode.WebhookTargetNotAllowed);
    expect((error as WardenError).errors?.[0]?.field).toBe('url');
  };

  it('refuses a URL whose host is an internal literal, IPv4 or IPv6', async () => {
    await refusal(policy.resolve('http://127.0.0.1:8080/hook'));
    await refusal(policy.resolve('http://[::1]/hook'));
    await refusal(policy.resolve('https://[fe80::1]/hook'));
    await refusal(policy.resolve('http://169.254.169.254/latest/meta-data'));
  });

  it('refuses a name when any address it resolves to is internal, and one that does not resolve', async () => {
    const resolving = (addresses: string[]) => new WebhookTargetPolicy([], async () => addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 })));
    await expect(resolving(['93.184.216.34']).resolve('https://hooks.example.com/')).resolves.toHaveLength(1);
    await refusal(resolving(['93.184.216.34', '10.0.0.7']).resolve('https://hooks.example.com/'));
    await refusal(resolving([]).resolve('https://hooks.example.com/'));
    await refusal(new WebhookTargetPolicy([], () => Promise.reject(new Error('ENOTFOUND'))).resolve('https://nowhere.example/'));
  });

  it('refuses localhost through the system resolver', async () => {
    await refusal(policy.resolve('http://localhost:3000/hook'));
  });
});
