import { ActorType } from '@warden/contracts';
import { EventStore } from '@warden/event-store';
import { CommandHandler } from '@warden/kernel';
import { GrantEntry, OAuthGrantsCommand, OAuthGrantsEvent, OAuthGrantsState, RefusalEntry, oauthGrantsDecider, oauthGrantsStreamId } from '@warden/tokens-domain';
import { v7 as uuidv7 } from 'uuid';

// Every grant and refusal of the token endpoint reaches the event store (and so the audit
// log) before it is answered, without an append per grant: entries that arrive while an
// append is in flight wait for the next one, which takes them all, one event per account
// (a group commit). At one request in flight a grant costs one append, as before; under
// load the appends stay few while each carries more.

/** Who asked: the account named (as the actor of the batch's event), or nobody known. */
export type GrantRequester = { organizationId: string; accountId: string; accountType: ActorType } | null;

interface Batch {
  organizationId: string | null;
  accountId: string | null;
  actorType: ActorType;
  grants: GrantEntry[];
  refusals: RefusalEntry[];
  waiters: { resolve: () => void; reject: (error: unknown) => void }[];
}

export class GrantLedger {
  private readonly commands: CommandHandler<OAuthGrantsCommand, OAuthGrantsEvent, OAuthGrantsState>;
  private pending = new Map<string, Batch>();
  private flushing: Promise<void> | undefined;

  constructor(store: EventStore) {
    this.commands = new CommandHandler(store, oauthGrantsDecider);
  }

  /** Resolves once the grant is in the store. */
  grant(requester: NonNullable<GrantRequester>, entry: GrantEntry): Promise<void> {
    return this.add(requester, (batch) => batch.grants.push(entry));
  }

  /** Resolves once the refusal is in the store. */
  refuse(requester: GrantRequester, entry: RefusalEntry): Promise<void> {
    return this.add(requester, (batch) => batch.refusals.push(entry));
  }

  /** Waits for what was added so far to be in the store (at shutdown). */
  async settled(): Promise<void> {
    while (this.flushing) await this.flushing.catch(() => undefined);
  }

  private add(requester: GrantRequester, push: (batch: Batch) => void): Promise<void> {
    const key = requester === null ? '' : `${requester.organizationId}/${requester.accountId}`;
    let batch = this.pending.get(key);
    if (!batch) {
      batch = { organizationId: requester?.organizationId ?? null, accountId: requester?.accountId ?? null, actorType: requester?.accountType ?? 'anonymous', grants: [], refusals: [], waiters: [] };
      this.pending.set(key, batch);
    }
    push(batch);
    const written = new Promise<void>((resolve, reject) => batch.waiters.push({ resolve, reject }));
    this.flushing ??= this.flush().finally(() => {
      this.flushing = undefined;
    });
    return written;
  }

  private async flush(): Promise<void> {
    while (this.pending.size > 0) {
      const batches = [...this.pending.values()];
      this.pending = new Map();
      await Promise.all(
        batches.map(async (batch) => {
          try {
            await Promise.all([
              batch.grants.length > 0 && this.append(batch, { type: 'RecordGrants', organizationId: batch.organizationId!, accountId: batch.accountId!, grants: batch.grants }),
              batch.refusals.length > 0 && this.append(batch, { type: 'RecordRefusals', organizationId: batch.organizationId, accountId: batch.accountId, refusals: batch.refusals }),
            ]);
            for (const waiter of batch.waiters) waiter.resolve();
          } catch (error) {
            for (const waiter of batch.waiters) waiter.reject(error);
          }
        }),
      );
    }
  }

  private async append(batch: Batch, command: OAuthGrantsCommand): Promise<void> {
    const batchId = uuidv7();
    await this.commands.handle(
      oauthGrantsStreamId(batchId),
      command,
      {
        metadata: {
          correlationId: `oauth-grants-${batchId}`,
          // The account acted (it asked for the tokens); a client naming no account is anonymous.
          actorType: batch.actorType,
          ...(batch.accountId !== null && { actorId: batch.accountId }),
          ...(batch.organizationId !== null && { organizationId: batch.organizationId }),
        },
        newEventId: uuidv7,
      },
      { assumeNew: true },
    );
  }
}
