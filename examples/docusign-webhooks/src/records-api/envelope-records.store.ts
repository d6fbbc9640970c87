import { Injectable } from '@nestjs/common';

// The records API's own storage of envelope statuses, kept in memory: this example is about
// authentication, and a real service would put these rows in its own database. Records are
// kept per Warden organization, so a caller only ever reads and writes its own.

export const ENVELOPE_STATUSES = ['created', 'sent', 'delivered', 'signed', 'completed', 'declined', 'voided', 'corrected', 'deleted'] as const;
export type EnvelopeStatus = (typeof ENVELOPE_STATUSES)[number];

export interface EnvelopeRecord {
  envelope_id: string;
  status: EnvelopeStatus;
  /** When DocuSign says the status changed: the order that counts, not the order of delivery. */
  status_changed_at: string;
  /** The Warden user (service account) whose credential recorded this status. */
  updated_by: string;
  updated_at: string;
}

export interface EnvelopeStatusUpdate {
  envelopeId: string;
  status: EnvelopeStatus;
  statusChangedAt: string;
  updatedBy: string;
  at: Date;
}

@Injectable()
export class EnvelopeRecordsStore {
  private readonly records = new Map<string, EnvelopeRecord>();

  find(organizationId: string, envelopeId: string): EnvelopeRecord | undefined {
    return this.records.get(keyOf(organizationId, envelopeId));
  }

  /**
   * Connect may deliver notifications late or twice (it retries): an update older than the
   * recorded status is acknowledged but not applied, so a retried "sent" cannot undo "completed".
   */
  record(organizationId: string, update: EnvelopeStatusUpdate): { record: EnvelopeRecord; applied: boolean } {
    const key = keyOf(organizationId, update.envelopeId);
    const current = this.records.get(key);
    if (current && Date.parse(current.status_changed_at) > Date.parse(update.statusChangedAt)) return { record: current, applied: false };
    const record: EnvelopeRecord = {
      envelope_id: update.envelopeId,
      status: update.status,
      status_changed_at: new Date(update.statusChangedAt).toISOString(),
      updated_by: update.updatedBy,
      updated_at: update.at.toISOString(),
    };
    this.records.set(key, record);
    return { record, applied: true };
  }
}

function keyOf(organizationId: string, envelopeId: string): string {
  return `${organizationId}/${envelopeId.toLowerCase()}`;
}
