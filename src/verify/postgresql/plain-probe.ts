import { connect, type Socket } from 'node:net';

/** What the server said to a startup message sent without TLS. */
export type PlainAnswer =
  | { refused: true; message: string }
  | { refused: false; message: string };

const PROTOCOL_3 = 196_608;
const AUTH_OK = 0;

/**
 * Sends a startup message without TLS and reads the first answer, never a
 * password: an ErrorResponse means the server refused a plain connection; an
 * authentication request (or AuthenticationOk, for `trust`) means it would
 * have let the client go on without TLS. The connection is closed right after.
 */
export function probePlainStartup(address: string, port: number, user: string, database: string, timeoutMs = 10_000): Promise<PlainAnswer> {
  return new Promise((resolve, reject) => {
    const socket: Socket = connect({ host: address, port });
    let buffer = Buffer.alloc(0);
    const done = (answer: PlainAnswer | Error): void => {
      socket.destroy();
      if (answer instanceof Error) reject(answer);
      else resolve(answer);
    };
    socket.setTimeout(timeoutMs, () => done(new Error(`no answer from ${address}:${port} within ${timeoutMs} ms`)));
    socket.once('error', done);
    socket.once('connect', () => socket.write(startupMessage(user, database)));
    socket.on('data', (chunk: Buffer) => {
      buffer = Buffer.concat([buffer, chunk]);
      if (buffer.length < 5) return;
      const type = String.fromCharCode(buffer[0]!);
      const length = buffer.readInt32BE(1);
      if (type === 'R' && buffer.length >= 9) {
        const code = buffer.readInt32BE(5);
        done({ refused: false, message: code === AUTH_OK ? 'the server let the client in without TLS and without a password' : 'the server asked for a password over a connection without TLS' });
      } else if (type === 'E') {
        if (buffer.length < 1 + length) return;
        done({ refused: true, message: errorText(buffer.subarray(5, 1 + length)) });
      } else if (type !== 'R') {
        done(new Error(`${address}:${port} did not answer like a PostgreSQL server`));
      }
    });
    socket.once('end', () => done(new Error(`${address}:${port} closed the connection without an answer`)));
  });
}

function startupMessage(user: string, database: string): Buffer {
  const body = Buffer.concat([
    int32(PROTOCOL_3),
    ...['user', user, 'database', database, 'application_name', 'dbfence verify'].map((text) => Buffer.from(`${text}\0`, 'utf8')),
    Buffer.from([0]),
  ]);
  return Buffer.concat([int32(body.length + 4), body]);
}

function int32(value: number): Buffer {
  const buffer = Buffer.alloc(4);
  buffer.writeInt32BE(value);
  return buffer;
}

/** The `M` (message) field of an ErrorResponse. */
function errorText(fields: Buffer): string {
  let at = 0;
  while (at < fields.length && fields[at] !== 0) {
    const code = String.fromCharCode(fields[at]!);
    const end = fields.indexOf(0, at + 1);
    if (end === -1) break;
    if (code === 'M') return fields.subarray(at + 1, end).toString('utf8');
    at = end + 1;
  }
  return 'the server refused the connection';
}
