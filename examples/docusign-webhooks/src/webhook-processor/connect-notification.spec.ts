import { InvalidConnectNotification, parseConnectNotification } from './connect-notification';

const ENVELOPE = '93be49ab-afa0-4adf-933c-f752070d71ec';
const parse = (body: unknown) => parseConnectNotification(Buffer.from(typeof body === 'string' ? body : JSON.stringify(body)));

describe('parseConnectNotification', () => {
  it('reads the status from the envelope summary, with Connect\'s seven fractional digits', () => {
    const notification = parse({
      event: 'envelope-completed',
      apiVersion: 'v2.1',
      generatedDateTime: '2030-01-01T10:00:05.0000000Z',
      data: { accountId: 'a', envelopeId: ENVELOPE, envelopeSummary: { status: 'completed', statusChangedDateTime: '2030-01-01T10:00:00.1234567Z' } },
    });
    expect(notification).toEqual({
      kind: 'envelope_status',
      event: 'envelope-completed',
      envelopeId: ENVELOPE,
      status: 'completed',
      statusChangedAt: '2030-01-01T10:00:00.123Z',
    });
  });

  it('derives the status from the event when the summary is not included', () => {
    expect(parse({ event: 'envelope-resent', generatedDateTime: '2030-01-01T10:00:00Z', data: { envelopeId: ENVELOPE } })).toMatchObject({
      status: 'sent',
      statusChangedAt: '2030-01-01T10:00:00.000Z',
    });
  });

  it('acknowledges events it has nothing to record for', () => {
    expect(parse({ event: 'recipient-completed', data: { envelopeId: ENVELOPE } })).toEqual({ kind: 'ignored', event: 'recipient-completed' });
    expect(parse({ event: 'envelope-purge', generatedDateTime: '2030-01-01T10:00:00Z', data: { envelopeId: ENVELOPE } })).toEqual({
      kind: 'ignored',
      event: 'envelope-purge',
    });
  });

  it.each([
    ['XML', '<DocuSignEnvelopeInformation/>'],
    ['a JSON array', []],
    ['no event', { data: { envelopeId: ENVELOPE } }],
    ['no envelope id', { event: 'envelope-sent', generatedDateTime: '2030-01-01T10:00:00Z', data: {} }],
    ['an envelope id that is not a GUID', { event: 'envelope-sent', generatedDateTime: '2030-01-01T10:00:00Z', data: { envelopeId: '../admin' } }],
    ['no time', { event: 'envelope-sent', data: { envelopeId: ENVELOPE } }],
    ['a time that is not one', { event: 'envelope-sent', generatedDateTime: 'yesterday', data: { envelopeId: ENVELOPE } }],
  ])('refuses %s', (_what, body) => {
    expect(() => parse(body)).toThrow(InvalidConnectNotification);
  });
});
