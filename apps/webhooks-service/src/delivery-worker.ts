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
  /** A wake-up that came while the loop was not waiting: the next wait returns at once. */
  private woken = false;
  private delivered = 0;

  constructor(private readonly options: DeliveryWorkerOptions) {}

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.run();
  }

  /** Looks for due deliveries now rather than at the next poll (new ones were just written). */
  wake(): void {
    this.woken = true;
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

  // Keeps up to `concurrency` attempts in flight: as each ends, its slot is claimed again,
  // so one slow receiver holds one slot, not the batch it was claimed with.
  private async run(): Promise<void> {
    const { store, concurrency, timeoutMs, pollIntervalMs, log } = this.options;
    // Longer than an attempt may take, so a claim is not taken again while it is in flight.
    const leaseMs = timeoutMs * 2 + 5_000;
    const inFlight = new Set<Promise<void>>();
    while (this.running) {
      const free = concurrency - inFlight.size;
      let claimed: ClaimedDelivery[] = [];
      if (free > 0) {
        try {
          claimed = await store.claimDue(free, leaseMs);
        } catch (error) {
          log('warn', 'webhook delivery claim failed', { err: describeError(error) });
        }
        for (const delivery of claimed) {
          const attempt: Promise<void> = this.attempt(delivery)
            .catch((error: unknown) => log('warn', 'webhook delivery attempt failed to record', { deliveryId: delivery.id, err: describeError(error) }))
            .finally(() => {
              inFlight.delete(attempt);
              this.wake();
            });
          inFlight.add(attempt);
        }
      }
      // Every slot was filled and more may be due: claim again as soon as one frees.
      if (!this.running || (free > 0 && claimed.length === free && inFlight.size < concurrency)) continue;
      if (this.woken) {
        this.woken = false;
        continue;
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, pollIntervalMs);
        this.wakeUp = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.wakeUp = undefined;
      this.woken = false;
    }
    await Promise.all(inFlight);
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
