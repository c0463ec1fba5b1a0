import { ToolError } from '../../errors.js';

/**
 * SkySQL has no CA of its own to hand out: "SSL/TLS certificates and
 * encryption settings are not customer-configurable", and clients verify with
 * --ssl-verify-server-cert and no CA bundle (MariaDB Cloud encryption and
 * connection docs), i.e. the certificates chain to a public CA.
 */
export function caCertificate(): Promise<string> {
  return Promise.reject(
    new ToolError('SkySQL serves certificates signed by a public certificate authority: clients verify them against the system trust store (e.g. mariadb --ssl-verify-server-cert), so there is no SkySQL CA certificate to fetch'),
  );
}
