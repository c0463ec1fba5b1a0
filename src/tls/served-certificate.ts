import { X509Certificate } from 'node:crypto';
import { connect as connectTcp, isIP, type Socket } from 'node:net';
import { connect as connectTls } from 'node:tls';
import { type CertificateInfo, readCertificate } from './certificate-info.js';

/** PostgreSQL's SSLRequest: length 8, then the code 80877103 (1234 << 16 | 5679). */
const SSL_REQUEST = Buffer.from([0, 0, 0, 8, 0x04, 0xd2, 0x16, 0x2f]);

export interface ServedCertificate extends CertificateInfo {
  /** The negotiated protocol, e.g. `TLSv1.3`. */
  protocol: string;
  /** Why the chain does not verify against `ca` (or Node's CA list); undefined when it does. */
  chainError: string | undefined;
}

export interface FetchOptions {
  /** Sent as SNI; IP literals are never sent (RFC 6066). */
  servername?: string;
  /** The CA certificates the chain is checked against (PEM); Node's CA list when absent. */
  ca?: string;
  timeoutMs?: number;
}

/**
 * The certificate a PostgreSQL server presents to a new connection, found
 * the way libpq finds it: SSLRequest first, then a TLS handshake. Undefined
 * when the server answers that it offers no TLS. The certificate is not
 * verified here: callers compare what they need to.
 */
export function fetchServedCertificate(host: string, port: number, options: FetchOptions = {}): Promise<ServedCertificate | undefined> {
  const timeoutMs = options.timeoutMs ?? 10_000;
  return new Promise((resolve, reject) => {
    const socket = connectTcp({ host, port });
    const fail = (error: Error): void => {
      socket.destroy();
      reject(error);
    };
    socket.setTimeout(timeoutMs, () => fail(new Error(`no answer from ${host}:${port} within ${timeoutMs} ms`)));
    socket.once('error', fail);
    socket.once('connect', () => socket.write(SSL_REQUEST));
    socket.once('data', (answer) => {
      // Bytes after the answer would be read as if they came through TLS (CVE-2021-23222).
      if (answer.length !== 1) return fail(new Error(`${host}:${port} did not answer the SSLRequest like a PostgreSQL server`));
      if (answer[0] === 0x4e /* N */) {
        socket.end();
        return resolve(undefined);
      }
      if (answer[0] !== 0x53 /* S */) return fail(new Error(`${host}:${port} did not answer the SSLRequest like a PostgreSQL server`));
      tlsHandshake(socket, options, timeoutMs).then(resolve, fail);
    });
  });
}

/**
 * Starts TLS on a socket whose protocol has just agreed to it, and reads the
 * certificate the server presents. Any engine's probe ends here.
 */
export function tlsHandshake(socket: Socket, { servername, ca }: FetchOptions, timeoutMs: number): Promise<ServedCertificate> {
  return new Promise((resolve, reject) => {
    const tls = connectTls({
      socket,
      rejectUnauthorized: false,
      ...(servername !== undefined && isIP(servername) === 0 ? { servername } : {}),
      ...(ca !== undefined ? { ca } : {}),
    });
    tls.setTimeout(timeoutMs, () => {
      tls.destroy();
      reject(new Error(`the TLS handshake did not finish within ${timeoutMs} ms`));
    });
    tls.once('error', reject);
    tls.once('secureConnect', () => {
      const peer = tls.getPeerCertificate();
      const protocol = tls.getProtocol() ?? 'unknown';
      const chainError = tls.authorized ? undefined : String(tls.authorizationError ?? 'the chain does not verify');
      tls.destroy();
      if (!peer.raw) return reject(new Error('the server sent no certificate'));
      resolve({ ...readCertificate(new X509Certificate(peer.raw).toString()), protocol, chainError });
    });
  });
}
