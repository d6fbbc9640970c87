import type { MsPattern } from '@nestjs/microservices';
import {
  ConnectionOptions,
  ErrorCode,
  Msg,
  MsgHdrs,
  NatsConnection,
  NatsError,
  connect,
  createInbox,
} from 'nats';
import { prefixSubject } from './nats-subject';

interface PendingRequest {
  resolve: (reply: Msg) => void;
  reject: (error: NatsError) => void;
  timer: NodeJS.Timeout;
}

/**
 * Request-reply under the deployment's subject prefix, every reply arriving on one
 * subscription of the connection (`<inbox>.<request>`). A subscription per request, as
 * Nest's ClientNats opens, costs the NATS server a SUB and an UNSUB for each one.
 */
export class WardenNatsClient {
  private nats: NatsConnection | null = null;
  private connecting: Promise<NatsConnection> | null = null;
  private inbox = '';
  private lastRequest = 0;
  private readonly pending = new Map<string, PendingRequest>();

  constructor(
    private readonly subjectPrefix: string,
    private readonly options: ConnectionOptions,
  ) {}

  /** `users.organizations.create` -> `<prefix>.users.organizations.create`. */
  subjectOf(pattern: MsPattern): string {
    return prefixSubject(this.subjectPrefix, pattern);
  }

  /** Connects once; a request made while NATS is unreachable tries again. */
  connect(): Promise<NatsConnection> {
    if (this.nats) return Promise.resolve(this.nats);
    this.connecting ??= this.open().finally(() => {
      this.connecting = null;
    });
    return this.connecting;
  }

  /**
   * Publishes `data` to the pattern's subject and resolves with the first reply. Rejects
   * with a NatsError: `TIMEOUT` after `timeoutMs`, `503` when nothing listens on the
   * subject, `CONNECTION_CLOSED` when the connection closes first.
   */
  async request(pattern: MsPattern, data: Uint8Array, headers: MsgHdrs, timeoutMs: number): Promise<Msg> {
    const nats = await this.connect();
    const id = (++this.lastRequest).toString(36);
    return new Promise<Msg>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(NatsError.errorForCode(ErrorCode.Timeout));
      }, timeoutMs);
      this.pending.set(id, { resolve, reject, timer });
      try {
        nats.publish(this.subjectOf(pattern), data, { reply: `${this.inbox}.${id}`, headers });
      } catch (error) {
        this.settle(id)?.reject(error instanceof NatsError ? error : NatsError.errorForCode(ErrorCode.ConnectionClosed));
      }
    });
  }

  /** The live connection, or null before the first connect and after close(). */
  connection(): NatsConnection | null {
    return this.nats;
  }

  async close(): Promise<void> {
    const nats = this.nats;
    this.nats = null;
    await nats?.close();
    this.failPending();
  }

  private async open(): Promise<NatsConnection> {
    const nats = await connect(this.options);
    const inbox = createInbox();
    nats.subscribe(`${inbox}.*`, {
      callback: (error, reply) => {
        if (!error) this.answer(reply.subject.slice(inbox.length + 1), reply);
      },
    });
    this.inbox = inbox;
    this.nats = nats;
    // Closed for good (reconnection is unlimited, so only by close()): nothing will answer.
    void nats.closed().then(() => {
      if (this.nats === nats) this.nats = null;
      this.failPending();
    });
    return nats;
  }

  private answer(id: string, reply: Msg): void {
    const request = this.settle(id);
    if (!request) return; // timed out already
    // The NATS server's own answer when no subscriber listens on the subject.
    if (reply.data.length === 0 && reply.headers?.code === 503) request.reject(NatsError.errorForCode(ErrorCode.NoResponders));
    else request.resolve(reply);
  }

  private settle(id: string): PendingRequest | undefined {
    const request = this.pending.get(id);
    if (!request) return undefined;
    this.pending.delete(id);
    clearTimeout(request.timer);
    return request;
  }

  private failPending(): void {
    for (const id of [...this.pending.keys()]) this.settle(id)?.reject(NatsError.errorForCode(ErrorCode.ConnectionClosed));
  }
}
