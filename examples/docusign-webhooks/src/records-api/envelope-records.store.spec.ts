import { EnvelopeRecordsStore } from './envelope-records.store';

const ENVELOPE = '93BE49AB-AFA0-4ADF-933C-F752070D71EC';
const update = (status: 'sent' | 'completed', statusChangedAt: string) => ({
  envelopeId: ENVELOPE,
  status,
  statusChangedAt,
  updatedBy: 'u-1',
  at: new Date('2030-01-01T12:00:00Z'),
});

describe('EnvelopeRecordsStore', () => {
  it('keeps the latest status by when it changed, not by when it arrived', () => {
    const store = new EnvelopeRecordsStore();
    expect(store.record('o-1', update('completed', '2030-01-01T10:05:00Z')).applied).toBe(true);
    // a retried, older "sent" arrives after "completed"
    expect(store.record('o-1', update('sent', '2030-01-01T10:00:00Z'))).toMatchObject({ applied: false, record: { status: 'completed' } });
    expect(store.find('o-1', ENVELOPE.toLowerCase())).toEqual({
      envelope_id: ENVELOPE,
      status: 'completed',
      status_changed_at: '2030-01-01T10:05:00.000Z',
      updated_by: 'u-1',
      updated_at: '2030-01-01T12:00:00.000Z',
    });
  });

  it('keeps each organization\'s records apart', () => {
    const store = new EnvelopeRecordsStore();
    store.record('o-1', update('sent', '2030-01-01T10:00:00Z'));
    expect(store.find('o-2', ENVELOPE)).toBeUndefined();
  });
});
