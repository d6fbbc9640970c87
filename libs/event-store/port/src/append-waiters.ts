// The sleeping half of `waitForAppend`, shared by the adapters: callers park here and
// are woken all at once when an append may have happened.

export class AppendWaiters {
  private readonly waiters = new Set<() => void>();

  wait(timeoutMs: number, signal?: AbortSignal): Promise<void> {
    if (signal?.aborted || timeoutMs <= 0) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', done);
        this.waiters.delete(done);
        resolve();
      };
      const timer = setTimeout(done, timeoutMs);
      signal?.addEventListener('abort', done, { once: true });
      this.waiters.add(done);
    });
  }

  wakeAll(): void {
    for (const wake of [...this.waiters]) wake();
  }

  get size(): number {
    return this.waiters.size;
  }
}
