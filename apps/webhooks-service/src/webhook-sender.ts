// One HTTP attempt of one delivery, to the address the target policy allows: the host is
// resolved and checked here, at the moment of sending, and the connection goes to the
// address that passed. Redirects are not followed (a 3xx is a failed attempt).
import { LookupAddress } from 'node:dns';
import http from 'node:http';
import https from 'node:https';
import type { LookupFunction as NetLookupFunction } from 'node:net';
import { describeError } from '@warden/messaging';
import { AttemptOutcome } from './webhook-store';
import { WebhookTargetPolicy } from './target-policy';

export interface WebhookRequest {
  url: string;
  headers: Record<string, string>;
  body: string;
}

const USER_AGENT = 'Warden-Webhooks/1';
// Only the status matters; a receiver's answer is read up to this much, then dropped.
const MAX_RESPONSE_BYTES = 64 * 1024;

export class WebhookSender {
  private readonly httpAgent = new http.Agent({ keepAlive: true, maxSockets: 64 });
  private readonly httpsAgent = new https.Agent({ keepAlive: true, maxSockets: 64 });

  constructor(
    private readonly policy: WebhookTargetPolicy,
    private readonly timeoutMs: number,
  ) {}

  async send(request: WebhookRequest): Promise<AttemptOutcome> {
    const started = performance.now();
    const elapsed = () => Math.round(performance.now() - started);
    let addresses: LookupAddress[];
    try {
      addresses = await this.policy.resolve(request.url);
    } catch (error) {
      return { ok: false, responseCode: null, latencyMs: elapsed(), error: error instanceof Error ? error.message : String(error) };
    }
    const pinned: NetLookupFunction = (_hostname, options, callback) => {
      const first = addresses[0]!;
      if ((options as { all?: boolean }).all) (callback as unknown as (error: null, all: LookupAddress[]) => void)(null, addresses);
      else callback(null, first.address, first.family);
    };
    const url = new URL(request.url);
    const secure = url.protocol === 'https:';
    return new Promise<AttemptOutcome>((resolve) => {
      let settled = false;
      const finish = (outcome: Omit<AttemptOutcome, 'latencyMs'>) => {
        if (settled) return;
        settled = true;
        resolve({ ...outcome, latencyMs: elapsed() });
      };
      const req = (secure ? https : http).request(
        url,
        {
          method: 'POST',
          agent: secure ? this.httpsAgent : this.httpAgent,
          lookup: pinned,
          headers: { ...request.headers, 'content-type': 'application/json', 'content-length': Buffer.byteLength(request.body), 'user-agent': USER_AGENT },
          timeout: this.timeoutMs,
        },
        (res) => {
          let read = 0;
          res.on('data', (chunk: Buffer) => {
            read += chunk.length;
            if (read > MAX_RESPONSE_BYTES) res.destroy();
          });
          const status = res.statusCode ?? 0;
          const done = () => finish({ ok: status >= 200 && status < 300, responseCode: status, error: null });
          res.on('end', done);
          res.on('close', done);
          res.on('error', done);
        },
      );
      const timer = setTimeout(() => {
        req.destroy(new Error(`no answer within ${this.timeoutMs} ms`));
      }, this.timeoutMs);
      req.on('close', () => clearTimeout(timer));
      req.on('timeout', () => req.destroy(new Error(`no answer within ${this.timeoutMs} ms`)));
      req.on('error', (error) => finish({ ok: false, responseCode: null, error: describeError(error) }));
      req.end(request.body);
    });
  }

  close(): void {
    this.httpAgent.destroy();
    this.httpsAgent.destroy();
  }
}
