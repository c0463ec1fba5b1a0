/** What an engine's admin session must offer to be shared while the apply lock is held. */
interface ClosableSession {
  close(): Promise<void>;
}

/**
 * An engine's admin sessions: each operation opens its own and closes it,
 * except while `exclusive` runs, when all share the one session that holds
 * the apply lock (so what is inspected and run under the lock sees it).
 */
export class HeldSession<S extends ClosableSession> {
  private session: S | undefined;

  constructor(
    private readonly open: () => S,
    private readonly lock: <T>(session: S, use: () => Promise<T>) => Promise<T>,
  ) {}

  /** The session holding the apply lock, while `exclusive` runs. */
  get held(): S | undefined {
    return this.session;
  }

  async use<T>(operation: (session: S) => Promise<T>): Promise<T> {
    if (this.session) return operation(this.session);
    const session = this.open();
    try {
      return await operation(session);
    } finally {
      await session.close();
    }
  }

  /** Runs `apply` holding the apply lock, on a session every `use` meanwhile shares. */
  exclusive<T>(apply: () => Promise<T>): Promise<T> {
    return this.use((session) => this.lock(session, async () => {
      this.session = session;
      try {
        return await apply();
      } finally {
        this.session = undefined;
      }
    }));
  }
}
