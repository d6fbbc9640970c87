// The mixed load of the fault tier: service accounts created, API tokens issued, rotated
// (no grace period) and revoked, through the gateway, by a few concurrent loops. Every
// command's answer goes into a ledger, which the checks hold against the event store and
// the audit log afterwards; every secret issued goes to the verifying processes, and every
// secret whose end was answered is reported to them before the loop goes on.
import { randomBytes } from 'node:crypto';
import { VerificationPool } from './verification-pool';

/** Past this a command counts as hung: the gateway must answer (503) well before. */
export const CLIENT_TIMEOUT_MS = 10_000;

export type CommandKind = 'create_account' | 'issue' | 'rotate' | 'revoke';

export interface CommandOutcome {
  kind: CommandKind;
  /** The HTTP status; 0 when the connection failed (a gateway instance down). */
  status: number;
  ok: boolean;
  /** The problem document's `code` of an error answer. */
  code: string | null;
  hung: boolean;
}

export interface LedgerToken {
  tokenId: string;
  ownerId: string;
  /** Ids of its secrets given to the verifiers, the current one last. */
  secretIds: string[];
  rotationsAnswered: number;
  rotationsFailed: number;
  revoke: 'none' | 'answered' | 'failed';
  busy: boolean;
}

const PASSWORD = 'amber-circuit-harbor-47';
/** Service accounts the load creates at most (an organization caps them). */
const MAX_ACCOUNTS = 12;

interface Answer {
  status: number;
  hung: boolean;
  body: Record<string, unknown> | undefined;
}

export class MixedLoad {
  readonly accounts: string[] = [];
  readonly tokens = new Map<string, LedgerToken>();
  readonly outcomes: CommandOutcome[] = [];
  private running = false;
  /** Set once the organization refuses more service accounts: tokens go to those there are. */
  private accountsFull = false;
  private loops: Promise<void>[] = [];
  private sequence = 0;
  private round = 0;

  constructor(
    private readonly gatewayUrls: () => string[],
    private readonly adminKey: string,
    private readonly verifiers: VerificationPool,
  ) {}

  start(concurrency: number): void {
    if (this.running) return;
    this.running = true;
    for (let n = 0; n < concurrency; n++) this.loops.push(this.loop());
  }

  /** Stops issuing commands and waits for those in flight to be answered. */
  async pause(): Promise<void> {
    this.running = false;
    await Promise.all(this.loops);
    this.loops = [];
  }

  succeeded(since = 0): number {
    return this.outcomes.slice(since).filter((outcome) => outcome.ok).length;
  }

  private async loop(): Promise<void> {
    while (this.running) {
      const failed = !(await this.step());
      // a failing dependency: do not spin on it
      if (failed) await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  private async request(method: string, path: string, body: unknown): Promise<Answer> {
    const urls = this.gatewayUrls();
    const url = urls[this.round++ % urls.length]!;
    try {
      const response = await fetch(`${url}${path}`, {
        method,
        headers: { authorization: `Bearer ${this.adminKey}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(CLIENT_TIMEOUT_MS),
      });
      const text = await response.text();
      let parsed: Record<string, unknown> | undefined;
      try {
        parsed = text ? (JSON.parse(text) as Record<string, unknown>) : undefined;
      } catch {
        parsed = undefined;
      }
      return { status: response.status, hung: false, body: parsed };
    } catch (error) {
      const hung = error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError');
      return { status: 0, hung, body: undefined };
    }
  }

  private note(kind: CommandKind, answer: Answer, okStatus: number): boolean {
    const ok = answer.status === okStatus;
    const code = !ok && typeof answer.body?.['code'] === 'string' ? (answer.body['code'] as string) : null;
    this.outcomes.push({ kind, status: answer.status, ok, code, hung: answer.hung });
    return ok;
  }

  private pick<T>(items: T[]): T | undefined {
    return items.length === 0 ? undefined : items[Math.floor(Math.random() * items.length)];
  }

  /** One command; false when it was answered with an error. */
  private async step(): Promise<boolean> {
    const usable = [...this.tokens.values()].filter((token) => token.revoke === 'none' && !token.busy);
    const dice = Math.random();
    if (!this.accountsFull && (this.accounts.length < 2 || (dice < 0.15 && this.accounts.length < MAX_ACCOUNTS))) return this.createAccount();
    if (usable.length < 3 || dice < 0.5) return this.issue();
    const token = this.pick(usable)!;
    token.busy = true;
    try {
      return dice < 0.78 ? await this.rotate(token) : await this.revoke(token);
    } finally {
      token.busy = false;
    }
  }

  private async createAccount(): Promise<boolean> {
    const username = `faults-${++this.sequence}-${randomBytes(3).toString('hex')}@load`;
    const answer = await this.request('POST', '/users', {
      username,
      account_type: 'service_external',
      first_name: 'Fault',
      last_name: 'Load',
      password: PASSWORD,
    });
    const ok = this.note('create_account', answer, 201);
    if (answer.status === 409 && answer.body?.['code'] === 'service_account_limit_reached') this.accountsFull = true;
    if (ok) this.accounts.push(String(answer.body!['id']));
    return ok;
  }

  private async issue(): Promise<boolean> {
    const ownerId = this.pick(this.accounts)!;
    const answer = await this.request('POST', '/tokens', { user_id: ownerId, name: `load-${++this.sequence}` });
    const ok = this.note('issue', answer, 201);
    if (ok) {
      const tokenId = String(answer.body!['id']);
      const secretId = `${tokenId}/0`;
      this.tokens.set(tokenId, { tokenId, ownerId, secretIds: [secretId], rotationsAnswered: 0, rotationsFailed: 0, revoke: 'none', busy: false });
      this.verifiers.add(secretId, String(answer.body!['token']));
    }
    return ok;
  }

  private async rotate(token: LedgerToken): Promise<boolean> {
    const answer = await this.request('POST', `/tokens/${token.tokenId}/rotate`, { grace_period_seconds: 0 });
    const ok = this.note('rotate', answer, 200);
    if (!ok) {
      token.rotationsFailed++;
      return false;
    }
    token.rotationsAnswered++;
    // no grace period: the previous secret ends with this answer
    await this.verifiers.ended(token.secretIds[token.secretIds.length - 1]!);
    const secretId = `${token.tokenId}/${token.secretIds.length}`;
    token.secretIds.push(secretId);
    this.verifiers.add(secretId, String(answer.body!['token']));
    return true;
  }

  private async revoke(token: LedgerToken): Promise<boolean> {
    const answer = await this.request('POST', `/tokens/${token.tokenId}/revoke`, {});
    const ok = this.note('revoke', answer, 200);
    token.revoke = ok ? 'answered' : 'failed';
    if (ok) await this.verifiers.ended(token.secretIds[token.secretIds.length - 1]!);
    return ok;
  }
}
