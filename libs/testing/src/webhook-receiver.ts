// A webhook receiver for tests and benchmarks: an HTTP server on loopback that checks every
// delivery with the standardwebhooks package (a verifier no one here wrote) and answers as
// the test says, 'hang' for no answer at all.
import http from 'node:http';
import { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';

export interface ReceivedWebhook {
  id: string;
  /** The URL path it was sent to: one subscription's. */
  path: string;
  type: string;
  timestamp: string;
  data: Record<string, unknown>;
}

export type WebhookAnswer = number | 'hang';

export class WebhookReceiver {
  /** Deliveries whose signature verified and that were answered 2xx, in the order they arrived. */
  readonly verified: ReceivedWebhook[] = [];
  /** Requests that failed verification: `<webhook-id>: <why>`. */
  readonly refused: string[] = [];
  /** Every request, answered or not. */
  readonly requests: { id: string; path: string }[] = [];
  /** The answer to attempt number `attempt` (1-based) of message `id`, sent to `path`. */
  answer: (id: string, attempt: number, path: string) => WebhookAnswer = () => 204;
  private readonly secrets = new Map<string, string>();
  private readonly server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const id = String(req.headers['webhook-id']);
      const path = req.url ?? '';
      this.requests.push({ id, path });
      const answer = this.answer(id, this.attempts().filter((seen) => seen === id).length, path);
      if (answer === 'hang') return;
      const secret = this.secrets.get(path);
      try {
        if (secret === undefined) throw new Error(`no secret for ${path}`);
        const payload = new Webhook(secret).verify(body, req.headers as Record<string, string>) as Omit<ReceivedWebhook, 'id' | 'path'>;
        if (answer >= 200 && answer < 300) this.verified.push({ id, path, type: payload.type, timestamp: payload.timestamp, data: payload.data });
      } catch (error) {
        this.refused.push(`${id}: ${String(error)}`);
      }
      res.writeHead(answer).end();
    });
  });
  private base = '';

  /** The `webhook-id` of every request (to one path), answered or not, in the order they came. */
  attempts(path?: string): string[] {
    return this.requests.filter((request) => path === undefined || request.path === path).map((request) => request.id);
  }

  /** Starts listening on 127.0.0.1 (an ephemeral port unless one is given). */
  async listen(port = 0): Promise<this> {
    await new Promise<void>((resolve) => this.server.listen(port, '127.0.0.1', resolve));
    this.base = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  /** A URL on this receiver whose deliveries are verified with `secret` (set it once the subscription is made). */
  url(path = '/hooks'): string {
    return `${this.base}${path}`;
  }

  verifyWith(path: string, secret: string): void {
    this.secrets.set(path, secret);
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise((resolve) => this.server.close(resolve));
  }
}
