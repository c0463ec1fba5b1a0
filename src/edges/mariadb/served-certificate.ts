import { connect as connectTcp } from 'node:net';
import { type FetchOptions, type ServedCertificate, tlsHandshake } from '../../tls/served-certificate.js';

/** Capability bits of the MySQL protocol (include/mysql_com.h). */
const CLIENT_LONG_PASSWORD = 0x1;
const CLIENT_PROTOCOL_41 = 0x200;
const CLIENT_SSL = 0x800;
const CLIENT_SECURE_CONNECTION = 0x8000;
const MAX_PACKET = 0x0100_0000;
const UTF8_GENERAL_CI = 33;
/** A greeting is well under this; more means the peer is not a MariaDB or MySQL server. */
const MAX_GREETING_BYTES = 64 * 1024;

/**
 * The SSLRequest: the first 32 bytes of a handshake response (capabilities
 * with CLIENT_SSL, maximum packet size, character set, 23 zero bytes), as
 * packet 1. The server then expects the TLS handshake.
 */
function sslRequest(): Buffer {
  const packet = Buffer.alloc(4 + 32);
  packet.writeUIntLE(32, 0, 3);
  packet[3] = 1;
  packet.writeUInt32LE(CLIENT_LONG_PASSWORD | CLIENT_PROTOCOL_41 | CLIENT_SSL | CLIENT_SECURE_CONNECTION, 4);
  packet.writeUInt32LE(MAX_PACKET, 8);
  packet[12] = UTF8_GENERAL_CI;
  return packet;
}

/**
 * The certificate a MariaDB or MySQL server presents to a new connection,
 * found the way its clients find it: read the server's greeting, answer with
 * an SSLRequest, then a TLS handshake. Undefined when the greeting does not
 * offer TLS. Nothing is logged in: the probe never sends credentials. A host
 * no account may connect from is refused in the greeting (error 1130),
 * which is an error here.
 */
export function fetchMariadbCertificate(host: string, port: number, options: FetchOptions = {}): Promise<ServedCertificate | undefined> {
  const timeoutMs = options.timeoutMs ?? 10_000;
  return new Promise((resolve, reject) => {
    const socket = connectTcp({ host, port });
    let received = Buffer.alloc(0);
    const fail = (error: Error): void => {
      socket.destroy();
      reject(error);
    };
    const notMariadb = (): void => fail(new Error(`${host}:${port} did not greet like a MariaDB or MySQL server`));
    socket.setTimeout(timeoutMs, () => fail(new Error(`no answer from ${host}:${port} within ${timeoutMs} ms`)));
    socket.once('error', fail);
    const onData = (chunk: Buffer): void => {
      received = Buffer.concat([received, chunk]);
      if (received.length < 5) return;
      const length = received.readUIntLE(0, 3);
      // A greeting is packet 0 and starts with protocol 10 or an error; anything else is another protocol.
      if (length > MAX_GREETING_BYTES || received[3] !== 0 || (received[4] !== 10 && received[4] !== 0xff)) return notMariadb();
      if (received.length < 4 + length) return;
      socket.off('data', onData);
      // Bytes after the greeting would be read as if they came through TLS.
      if (received.length !== 4 + length) return notMariadb();
      const greeting = readGreeting(received.subarray(4));
      if (greeting === undefined) return notMariadb();
      if ('error' in greeting) return fail(new Error(`${host}:${port} refused the connection: ${greeting.error}`));
      if ((greeting.capabilities & CLIENT_SSL) === 0) {
        socket.end();
        return resolve(undefined);
      }
      socket.write(sslRequest());
      tlsHandshake(socket, options, timeoutMs).then(resolve, fail);
    };
    socket.on('data', onData);
  });
}

/** The lower capability flags of a protocol 10 greeting, or the error packet's text. */
function readGreeting(payload: Buffer): { capabilities: number } | { error: string } | undefined {
  if (payload[0] === 0xff && payload.length >= 3) {
    const code = payload.readUInt16LE(1);
    // A '#' and five characters of SQL state may come first.
    const text = payload.subarray(payload[3] === 0x23 ? 9 : 3).toString('utf8');
    return { error: `${text} (error ${code})` };
  }
  if (payload[0] !== 10) return undefined;
  const versionEnd = payload.indexOf(0, 1);
  // Version, connection id (4), scramble part 1 (8), filler (1), then the capabilities (2).
  const capabilitiesAt = versionEnd + 1 + 4 + 8 + 1;
  if (versionEnd < 0 || payload.length < capabilitiesAt + 2) return undefined;
  return { capabilities: payload.readUInt16LE(capabilitiesAt) };
}
