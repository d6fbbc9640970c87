// Sends the deliveries that are due, on every instance at once: each claims a batch (rows no
// other instance holds), attempts them, and records each outcome. A failed attempt is tried
// again after a delay that doubles with each attempt (with jitter, capped) until the retry
// window closes; then the delivery has failed and its subscription is disabled.
import { backoffDelay, describeError, MessagingLog } from '@warden/messaging';
import { SecretBox } from './secret-box';
import { signWebhook } from './signing';
import { WebhookSender } from './webhook-sender';
import { ClaimedDelivery, WebhookStore } from './webhook-store';

export interface RetrySchedule {
  initialMs: number;
  maxMs: number;
  /** How long after a delivery's first attempt (or its redelivery) it is still retried. */
  windowMs: number;
}

export interface DeliveryWorkerOptions {
  store: WebhookStore;
  sender: WebhookSender;
  secrets: SecretBox;
  retry: RetrySchedule;
  timeoutMs: number;
  pollIntervalMs: number;
  concurrency: number;
  /** Called once for a delivery that failed for the whole retry window. */
  onExhausted: (delivery: ClaimedDelivery) => Promise<void>;
  log: MessagingLog;
  now?: () => number;
}

export class DeliveryWorker {
  private running = false;
  private loop: Promise<void> | undefined;
  private wakeUp: (() => void) | undefined;
  private delivered = 0;

  constructor(private readonly options: DeliveryWorkerOptions) {}

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.run();
  }

  /** Looks for due deliveries now rather than at the next poll (new ones were just written). */
  wake(): void {
    this.wakeUp?.();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.wake();
    await this.loop;
  }

  /** Attempts made by this instance so far. */
  attempts(): number {
    return this.delivered;
  }

  private async run(): Promise<void> {
    const { store, concurrency, timeoutMs, pollIntervalMs, log } = this.options;
    // Longer than an attempt may take, so a claim is not taken again while it is in flight.
    const leaseMs = timeoutMs * 2 + 5_000;
    while (this.running) {
      let claimed: ClaimedDelivery[] = [];
      try {
        claimed = await store.claimDue(concurrency, leaseMs);
        await Promise.all(claimed.map((delivery) => this.attempt(delivery)));
      } catch (error) {
        log('warn', 'webhook delivery pass failed', { err: describeError(error) });
      }
      // A full batch: there may be more due at once.
      if (claimed.length === concurrency || !this.running) continue;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, pollIntervalMs);
        this.wakeUp = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.wakeUp = undefined;
    }
  }

  private async attempt(delivery: ClaimedDelivery): Promise<void> {
    const { store, sender, secrets, retry, log } = this.options;
    const now = this.options.now ?? Date.now;
    const timestamp = Math.floor(now() / 1000);
    const secret = secrets.open(delivery.sealedSecret);
    const outcome = await sender.send({
      url: delivery.url,
      body: delivery.body,
      headers: {
        'webhook-id': delivery.id,
        'webhook-timestamp': String(timestamp),
        'webhook-signature': signWebhook(secret, delivery.id, timestamp, delivery.body),
      },
    });
    this.delivered++;
    const delay = backoffDelay(delivery.attempt, { initialMs: retry.initialMs, maxMs: retry.maxMs });
    const { exhausted } = await store.recordAttempt(delivery, outcome, delay, retry.windowMs);
    if (!outcome.ok) {
      log('info', 'webhook delivery attempt failed', {
        deliveryId: delivery.id,
        subscriptionId: delivery.subscriptionId,
        attempt: delivery.attempt,
        responseCode: outcome.responseCode,
        err: outcome.error,
        exhausted,
      });
    }
    if (exhausted) await this.options.onExhausted(delivery);
  }
}
