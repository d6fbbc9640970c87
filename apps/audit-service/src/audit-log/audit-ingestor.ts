import { EventConsumer, MessagingLog } from '@warden/messaging';
import { NatsConnection } from 'nats';
import { auditRecordOf } from './audit-record';
import { AuditRecordRepository } from './audit-record.repository';

export const AUDIT_DURABLE = 'audit-log';

export interface AuditIngestorOptions {
  nats: NatsConnection;
  stream: string;
  subjectPrefix: string;
  records: AuditRecordRepository;
  log: MessagingLog;
  /** Default `audit-log`: instances sharing it share the work. */
  durable?: string;
}

/**
 * Every event of every service, from a durable JetStream consumer into the audit log.
 * While the service is down the durable consumer keeps its place, so it resumes where it
 * stopped; recording is idempotent by event id, so a redelivery changes nothing.
 */
export class AuditIngestor {
  private readonly consumer: EventConsumer;

  constructor(private readonly options: AuditIngestorOptions) {
    this.consumer = new EventConsumer(options.nats, { stream: options.stream, log: options.log });
  }

  async start(): Promise<void> {
    await this.consumer.start({
      durable: this.options.durable ?? AUDIT_DURABLE,
      filterSubjects: [`${this.options.subjectPrefix}.>`],
      // Order across events does not matter here: the chain is in the order of storing, and
      // appends to one organization's chain take turns on its head row.
      maxAckPending: 64,
      handler: async (event) => {
        await this.options.records.record(auditRecordOf(event));
      },
    });
  }

  async stop(): Promise<void> {
    await this.consumer.stop();
  }

  status() {
    return this.consumer.status();
  }
}
