import { ClientNats } from '@nestjs/microservices';
import type { MsPattern, NatsOptions } from '@nestjs/microservices';
import type { NatsConnection } from 'nats';
import { prefixSubject } from './nats-subject';

/** Nest's NATS client, sending every pattern under the deployment's subject prefix. */
export class WardenNatsClient extends ClientNats {
  constructor(
    private readonly subjectPrefix: string,
    options: Required<NatsOptions>['options'],
  ) {
    super(options);
  }

  // The client normalizes a pattern exactly once per message (publish / dispatchEvent).
  protected override normalizePattern(pattern: MsPattern): string {
    return prefixSubject(this.subjectPrefix, pattern);
  }

  /** The live connection, or null before the first request and after close(). */
  connection(): NatsConnection | null {
    return this.natsClient as NatsConnection | null;
  }
}
