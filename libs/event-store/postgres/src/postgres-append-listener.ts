// LISTEN on a dedicated connection (a pooled one would be handed to others), kept
// alive across server restarts: while it is down, sleepers fall back to their timeout.
import { Client, ClientConfig } from 'pg';
import { quoteIdentifier } from './postgres-identifiers';

export interface EventStoreLogger {
  log(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

const MIN_RETRY_MS = 100;
const MAX_RETRY_MS = 5_000;

export class PostgresAppendListener {
  private client: Client | undefined;
  private started = false;
  private stopped = false;
  private retryMs = MIN_RETRY_MS;
  private retryTimer: NodeJS.Timeout | undefined;
  private connecting: Promise<void> | undefined;

  constructor(
    private readonly config: ClientConfig,
    private readonly channel: string,
    private readonly applicationName: string,
    private readonly logger: EventStoreLogger,
    // Also called on reconnection: appends made while deaf must not be slept through.
    private readonly onAppend: () => void,
  ) {}

  get listening(): boolean {
    return this.client !== undefined;
  }

  /** Resolves once listening; rejects if the first connection fails. Reconnects after that. */
  async start(): Promise<void> {
    if (this.started || this.stopped) throw new Error('the listener has already been started');
    this.started = true;
    const client = this.newClient();
    await client.connect();
    try {
      await client.query(`LISTEN ${quoteIdentifier(this.channel)}`);
    } catch (error) {
      await client.end().catch(() => undefined);
      throw error;
    }
    this.adopt(client);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.retryTimer);
    await this.connecting;
    const client = this.client;
    this.client = undefined;
    await client?.end().catch(() => undefined);
  }

  private newClient(): Client {
    const client = new Client({ ...this.config, application_name: this.applicationName });
    client.on('notification', (message) => {
      if (message.channel === this.channel) this.onAppend();
    });
    // a failing connection attempt may also emit 'error': the caller handles the rejection
    client.on('error', () => undefined);
    return client;
  }

  // Watches a listening client and replaces it when its connection is lost.
  private adopt(client: Client): void {
    // 'error' then 'end' both fire on a lost connection: reconnect once
    let lost = false;
    const onLost = (error?: Error) => {
      if (lost) return;
      lost = true;
      if (this.client === client) this.client = undefined;
      client.end().catch(() => undefined);
      if (this.stopped) return;
      this.logger.warn(
        `event store listener on ${this.channel} lost its connection${error ? `: ${error.message}` : ''}; reconnecting`,
      );
      this.scheduleReconnect();
    };
    client.on('error', onLost);
    client.on('end', () => onLost());
    this.client = client;
    this.retryMs = MIN_RETRY_MS;
  }

  private async reconnect(): Promise<void> {
    const client = this.newClient();
    try {
      await client.connect();
      await client.query(`LISTEN ${quoteIdentifier(this.channel)}`);
    } catch (error) {
      await client.end().catch(() => undefined);
      if (this.stopped) return;
      this.logger.warn(
        `event store listener on ${this.channel} could not reconnect: ${error instanceof Error ? error.message : String(error)}`,
      );
      this.scheduleReconnect();
      return;
    }
    if (this.stopped) {
      await client.end().catch(() => undefined);
      return;
    }
    this.adopt(client);
    this.logger.log(`event store listener on ${this.channel} reconnected`);
    this.onAppend();
  }

  private scheduleReconnect(): void {
    const delay = this.retryMs;
    this.retryMs = Math.min(this.retryMs * 2, MAX_RETRY_MS);
    this.retryTimer = setTimeout(() => {
      if (!this.stopped) this.connecting = this.reconnect();
    }, delay);
  }
}
