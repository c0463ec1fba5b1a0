import { connect, createServer, type Socket } from 'node:net';

/**
 * Where the proxy cuts: once the n-th statement has reached the server
 * (`after`), or just before the first statement whose SQL matches (`before`).
 */
export type Fault = { after: number } | { before: RegExp };

/**
 * A loopback TCP proxy in front of a PostgreSQL server that plays a client
 * dying on the spot (`kill -9`): at the fault it drops every client
 * connection, sends the server nothing more, and refuses new connections.
 * The server still gets, and runs, everything sent before the fault, then
 * sees the connection close, as it would after a crash.
 *
 * A statement is a simple Query message, or an extended-protocol exchange
 * (Parse … Sync), counted at its Sync. Connections that switch to TLS are
 * passed through unread and uncounted.
 */
export interface FaultProxy {
  readonly port: number;
  /** Statements that reached the server since the last `arm`. */
  readonly statements: number;
  /** The fault has happened. */
  readonly cut: boolean;
  /**
   * Sets the next fault and starts counting from zero; without one, only
   * counts. `onCut` runs at the fault before anything else happens, e.g. to
   * SIGKILL the process whose statement it held back.
   */
  arm(fault?: Fault, onCut?: () => void): void;
  /** Cuts now, whatever is under way, as a crash in the middle of a statement would. */
  crash(): void;
  /** Once cut: resolves when the server has closed every connection, i.e. its sessions have ended. */
  settled(): Promise<void>;
  close(): Promise<void>;
}

const SSL_REQUEST = 80877103;
const GSSENC_REQUEST = 80877104;
const TLS_HANDSHAKE_RECORD = 0x16;

type Phase = 'startup' | 'encryption-answer' | 'messages' | 'opaque';

/** The SQL of a Query ('Q') or Parse ('P') message, else undefined. */
function statementText(type: string, body: Buffer): string | undefined {
  if (type === 'Q') return body.toString('utf8', 0, Math.max(0, body.indexOf(0)));
  if (type !== 'P') return undefined;
  const start = body.indexOf(0) + 1;
  return body.toString('utf8', start, Math.max(start, body.indexOf(0, start)));
}

export async function startFaultProxy(target: { host: string; port: number }): Promise<FaultProxy> {
  let fault: Fault | undefined;
  let onFault: (() => void) | undefined;
  let statements = 0;
  let cut = false;
  const clients = new Set<Socket>();
  const upstreams = new Set<Socket>();
  let waiters: (() => void)[] = [];

  function wakeIfSettled(): void {
    if (!cut || upstreams.size > 0) return;
    const ready = waiters;
    waiters = [];
    ready.forEach((resolve) => resolve());
  }

  function cutNow(): void {
    if (!cut) onFault?.();
    cut = true;
    for (const client of clients) client.destroy();
    // A half-close, not a reset: the server reads what was sent, runs it, and then finds the connection gone.
    for (const upstream of upstreams) upstream.end();
    wakeIfSettled();
  }

  const server = createServer((client) => {
    if (cut) {
      client.destroy();
      return;
    }
    clients.add(client);
    const upstream = connect(target.port, target.host);
    upstreams.add(upstream);
    let phase: Phase = 'startup';
    let pending = Buffer.alloc(0);

    upstream.on('data', (chunk: Buffer) => {
      if (cut) return;
      if (phase === 'encryption-answer') phase = chunk[0] === 0x53 || chunk[0] === 0x47 ? 'opaque' : 'startup';
      client.write(chunk);
    });
    upstream.on('error', () => {});
    upstream.on('close', () => {
      upstreams.delete(upstream);
      client.destroy();
      wakeIfSettled();
    });
    client.on('error', () => {});
    client.on('close', () => {
      clients.delete(client);
      if (!cut) upstream.end();
    });

    /** Forwards every whole message in `pending`; stops at the fault. */
    function pump(): void {
      while (!cut) {
        if (phase === 'opaque' || (phase === 'startup' && pending.length > 0 && pending[0] === TLS_HANDSHAKE_RECORD)) {
          phase = 'opaque';
          upstream.write(pending);
          pending = Buffer.alloc(0);
          return;
        }
        if (phase === 'startup') {
          if (pending.length < 8) return;
          const length = pending.readInt32BE(0);
          if (pending.length < length) return;
          const code = pending.readInt32BE(4);
          upstream.write(pending.subarray(0, length));
          pending = pending.subarray(length);
          phase = code === SSL_REQUEST || code === GSSENC_REQUEST ? 'encryption-answer' : 'messages';
          continue;
        }
        if (phase === 'encryption-answer' || pending.length < 5) return;
        const length = pending.readInt32BE(1) + 1;
        if (pending.length < length) return;
        const type = String.fromCharCode(pending[0]!);
        const sql = statementText(type, pending.subarray(5, length));
        if (fault && 'before' in fault && sql !== undefined && fault.before.test(sql)) {
          cutNow();
          return;
        }
        upstream.write(pending.subarray(0, length));
        pending = pending.subarray(length);
        if (type === 'Q' || type === 'S') {
          statements += 1;
          if (fault && 'after' in fault && statements === fault.after) {
            cutNow();
            return;
          }
        }
      }
    }

    client.on('data', (chunk: Buffer) => {
      pending = Buffer.concat([pending, chunk]);
      pump();
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;

  return {
    port,
    get statements() { return statements; },
    get cut() { return cut; },
    arm(next, onCut) {
      fault = next;
      onFault = onCut;
      statements = 0;
      cut = false;
    },
    crash() {
      cutNow();
    },
    settled() {
      return new Promise((resolve) => {
        waiters.push(resolve);
        wakeIfSettled();
      });
    },
    async close() {
      onFault = undefined;
      cutNow();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
