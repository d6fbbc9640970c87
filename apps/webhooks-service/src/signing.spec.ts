import { Webhook } from 'standardwebhooks';
import { newSigningSecret, signWebhook, webhookMessageId } from './signing';

// Checked by the Standard Webhooks reference library, not by this code's own idea of the format.
describe('webhook signing', () => {
  it('signs so that the standardwebhooks library verifies', () => {
    const secret = newSigningSecret();
    const body = JSON.stringify({ type: 'token.revoked', timestamp: '2026-12-03T10:00:00.000Z', data: { token_id: 't-1' } });
    const timestamp = Math.floor(Date.now() / 1000);
    const id = webhookMessageId('event-1', 'sub-1');
    const headers = { 'webhook-id': id, 'webhook-timestamp': String(timestamp), 'webhook-signature': signWebhook(secret, id, timestamp, body) };
    expect(new Webhook(secret).verify(body, headers)).toEqual(JSON.parse(body));
    expect(headers['webhook-signature']).toBe(new Webhook(secret).sign(id, new Date(timestamp * 1000), body));
  });

  it('is refused by the library under another secret, or with the body changed', () => {
    const secret = newSigningSecret();
    const timestamp = Math.floor(Date.now() / 1000);
    const headers = { 'webhook-id': 'msg_1', 'webhook-timestamp': String(timestamp), 'webhook-signature': signWebhook(secret, 'msg_1', timestamp, '{"a":1}') };
    expect(() => new Webhook(newSigningSecret()).verify('{"a":1}', headers)).toThrow();
    expect(() => new Webhook(secret).verify('{"a":2}', headers)).toThrow();
  });

  it('makes secrets of 32 random bytes with the whsec_ prefix', () => {
    const secret = newSigningSecret();
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(newSigningSecret()).not.toBe(secret);
  });

  it('derives one message id per event and subscription', () => {
    expect(webhookMessageId('e-1', 's-1')).toBe(webhookMessageId('e-1', 's-1'));
    expect(webhookMessageId('e-1', 's-2')).not.toBe(webhookMessageId('e-1', 's-1'));
    expect(webhookMessageId('e-2', 's-1')).not.toBe(webhookMessageId('e-1', 's-1'));
    expect(webhookMessageId('e-1', 's-1')).toMatch(/^msg_[A-Za-z0-9_-]{27}$/);
  });
});
