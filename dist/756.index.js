export const id = 756;
export const ids = [756];
export const modules = {

/***/ 5756:
/***/ ((__unused_webpack___webpack_module__, __webpack_exports__, __webpack_require__) => {

// ESM COMPAT FLAG
__webpack_require__.r(__webpack_exports__);

// EXPORTS
__webpack_require__.d(__webpack_exports__, {
  createPostgresProvider: () => (/* binding */ createPostgresProvider)
});

// EXTERNAL MODULE: ./lib/errors.js
var errors = __webpack_require__(452);
// EXTERNAL MODULE: external "node:crypto"
var external_node_crypto_ = __webpack_require__(7598);
// EXTERNAL MODULE: external "node:fs"
var external_node_fs_ = __webpack_require__(3024);
// EXTERNAL MODULE: external "node:path"
var external_node_path_ = __webpack_require__(6760);
// EXTERNAL MODULE: ./lib/model/duration.js
var duration = __webpack_require__(5149);
;// CONCATENATED MODULE: ./lib/tls/keys.js

/**
 * A new RSA private key as PKCS#8 PEM. Node's native generator, because
 * node-forge's pure JavaScript one can take seconds for a 3072-bit key.
 * RSA because node-forge signs certificates with RSA keys only.
 */
function keys_generateRsaKeyPem(bits) {
    const { privateKey } = (0,external_node_crypto_.generateKeyPairSync)('rsa', {
        modulusLength: bits,
        privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
        publicKeyEncoding: { type: 'spki', format: 'pem' },
    });
    return privateKey;
}

// EXTERNAL MODULE: ./node_modules/node-forge/lib/index.js
var lib = __webpack_require__(8542);
;// CONCATENATED MODULE: ./lib/tls/pem.js
/**
 * PEM with LF line endings and one final newline. node-forge writes CRLF,
 * which PostgreSQL cannot load once COPY has escaped the `\r`.
 */
function pem_normalizePem(pem) {
    return `${pem.replace(/\r/g, '').trimEnd()}\n`;
}

;// CONCATENATED MODULE: ./lib/tls/x509.js



/** Clients whose clock runs a little behind must not see a certificate from the future. */
const CLOCK_SKEW_MS = 5 * 60 * 1000;
/** Builds and signs (SHA-256) an X.509 v3 certificate with a random 128-bit serial. */
function x509_signCertificate(template) {
    const subjectKey = lib.pki.privateKeyFromPem(template.subjectKeyPem);
    const cert = lib.pki.createCertificate();
    cert.publicKey = lib.pki.setRsaPublicKey(subjectKey.n, subjectKey.e);
    cert.serialNumber = randomSerialHex();
    cert.validity.notBefore = new Date(template.now.getTime() - CLOCK_SKEW_MS);
    cert.validity.notAfter = template.notAfter;
    cert.setSubject(template.subject);
    cert.setIssuer(template.issuer ? template.issuer.certificate.subject.attributes : template.subject);
    cert.setExtensions([{ name: 'subjectKeyIdentifier' }, ...template.extensions]);
    const signingKey = template.issuer ? lib.pki.privateKeyFromPem(template.issuer.keyPem) : subjectKey;
    cert.sign(signingKey, lib.md.sha256.create());
    return { certificatePem: pem_normalizePem(lib.pki.certificateToPem(cert)), serial: normalizeSerial(cert.serialNumber) };
}
/** Serials as Node's X509Certificate and the TLS peer certificate print them. */
function normalizeSerial(hex) {
    return hex.toUpperCase().replace(/^0+(?=.)/, '');
}
/** 16 random bytes as a positive DER integer: top bit clear, first byte non-zero (minimal encoding). */
function randomSerialHex() {
    const bytes = (0,external_node_crypto_.randomBytes)(16);
    bytes[0] = (bytes[0] & 0x7f) || 0x01;
    return bytes.toString('hex');
}

;// CONCATENATED MODULE: ./lib/tls/ca.js




/** A new self-signed CA that may sign server certificates only (path length 0). */
function createCa(options) {
    const now = options.now ?? new Date();
    const keyPem = generateRsaKeyPem(3072);
    const { certificatePem } = signCertificate({
        subjectKeyPem: keyPem,
        subject: [{ name: 'commonName', value: options.commonName }],
        now,
        notAfter: new Date(now.getTime() + options.validityDays * 86_400_000),
        extensions: [
            { name: 'basicConstraints', cA: true, pathLenConstraint: 0, critical: true },
            { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true },
        ],
    });
    return { certificatePem, keyPem: normalizePem(keyPem) };
}
/**
 * Why a certificate and key cannot sign server certificates, or undefined
 * when they can. The messages name no secret.
 */
function caProblem(ca, now) {
    let cert;
    try {
        cert = new external_node_crypto_.X509Certificate(ca.certificatePem);
    }
    catch {
        return 'the certificate is not a PEM certificate';
    }
    if (!cert.ca)
        return 'the certificate is not a CA certificate (basicConstraints CA:TRUE is missing)';
    if (now < new Date(cert.validFrom))
        return `the CA certificate is not valid before ${new Date(cert.validFrom).toISOString()}`;
    if (now > new Date(cert.validTo))
        return `the CA certificate expired on ${new Date(cert.validTo).toISOString()}`;
    let key;
    try {
        key = (0,external_node_crypto_.createPrivateKey)(ca.keyPem);
    }
    catch {
        return 'the key is not an unencrypted PEM private key';
    }
    if (key.asymmetricKeyType !== 'rsa')
        return `the key is ${key.asymmetricKeyType?.toUpperCase() ?? 'of an unknown type'}; dbfence signs with RSA CA keys only`;
    if (!cert.checkPrivateKey(key))
        return 'the key does not belong to the certificate';
    return undefined;
}

// EXTERNAL MODULE: external "node:net"
var external_node_net_ = __webpack_require__(7030);
;// CONCATENATED MODULE: ./lib/tls/certificate-info.js



/** Reads a PEM certificate (any key type: Node parses what node-forge cannot). Throws on anything else. */
function readCertificate(pem) {
    const cert = new external_node_crypto_.X509Certificate(pem);
    return {
        serial: normalizeSerial(cert.serialNumber),
        notBefore: new Date(cert.validFrom),
        notAfter: new Date(cert.validTo),
        names: subjectAltNames(cert.subjectAltName),
        subject: cert.subject.replace(/\n/g, ', '),
        issuer: cert.issuer.replace(/\n/g, ', '),
        pem: cert.toString(),
    };
}
/** True when a client verifying `hostname` (a DNS name or an IP literal) would accept the certificate. */
function certificateNamesHost(pem, hostname) {
    const cert = new external_node_crypto_.X509Certificate(pem);
    // Like libpq and Node, match SANs only: a CN is ignored once a certificate has SANs.
    return (0,external_node_net_.isIP)(hostname) !== 0
        ? cert.checkIP(hostname) !== undefined
        : cert.checkHost(hostname, { subject: 'never', wildcards: true, partialWildcards: false }) !== undefined;
}
/** True when `keyPem` is the private key of the certificate; false for a key that cannot be read. */
function keyMatchesCertificate(certificatePem, keyPem) {
    try {
        return new external_node_crypto_.X509Certificate(certificatePem).checkPrivateKey((0,external_node_crypto_.createPrivateKey)(keyPem));
    }
    catch {
        return false;
    }
}
/** True when the certificate is signed by the CA certificate's key. */
function isIssuedBy(certificatePem, caCertificatePem) {
    const cert = new external_node_crypto_.X509Certificate(certificatePem);
    const ca = new external_node_crypto_.X509Certificate(caCertificatePem);
    return cert.checkIssued(ca) && cert.verify(ca.publicKey);
}
/**
 * Node prints SANs as `DNS:a.example.com, IP Address:10.0.0.5`, quoting a
 * value as JSON when it holds a comma or a quote.
 */
function subjectAltNames(text) {
    if (text === undefined)
        return [];
    const names = [];
    for (const match of text.matchAll(/(?:^|, )(DNS|IP Address):("(?:[^"\\]|\\.)*"|[^,]*)/g)) {
        const value = match[2];
        names.push(value.startsWith('"') ? JSON.parse(value) : value);
    }
    return names;
}

// EXTERNAL MODULE: external "node:tls"
var external_node_tls_ = __webpack_require__(1692);
;// CONCATENATED MODULE: ./lib/tls/served-certificate.js




/** PostgreSQL's SSLRequest: length 8, then the code 80877103 (1234 << 16 | 5679). */
const SSL_REQUEST = Buffer.from([0, 0, 0, 8, 0x04, 0xd2, 0x16, 0x2f]);
/**
 * The certificate a PostgreSQL server presents to a new connection, found
 * the way libpq finds it: SSLRequest first, then a TLS handshake. Undefined
 * when the server answers that it offers no TLS. The certificate is not
 * verified here: callers compare what they need to.
 */
function fetchServedCertificate(host, port, options = {}) {
    const timeoutMs = options.timeoutMs ?? 10_000;
    return new Promise((resolve, reject) => {
        const socket = (0,external_node_net_.connect)({ host, port });
        const fail = (error) => {
            socket.destroy();
            reject(error);
        };
        socket.setTimeout(timeoutMs, () => fail(new Error(`no answer from ${host}:${port} within ${timeoutMs} ms`)));
        socket.once('error', fail);
        socket.once('connect', () => socket.write(SSL_REQUEST));
        socket.once('data', (answer) => {
            // Bytes after the answer would be read as if they came through TLS (CVE-2021-23222).
            if (answer.length !== 1)
                return fail(new Error(`${host}:${port} did not answer the SSLRequest like a PostgreSQL server`));
            if (answer[0] === 0x4e /* N */) {
                socket.end();
                return resolve(undefined);
            }
            if (answer[0] !== 0x53 /* S */)
                return fail(new Error(`${host}:${port} did not answer the SSLRequest like a PostgreSQL server`));
            handshake(socket, options.servername, timeoutMs).then(resolve, fail);
        });
    });
}
function handshake(socket, servername, timeoutMs) {
    return new Promise((resolve, reject) => {
        const tls = (0,external_node_tls_.connect)({
            socket,
            rejectUnauthorized: false,
            ...(servername !== undefined && (0,external_node_net_.isIP)(servername) === 0 ? { servername } : {}),
        });
        tls.setTimeout(timeoutMs, () => {
            tls.destroy();
            reject(new Error(`the TLS handshake did not finish within ${timeoutMs} ms`));
        });
        tls.once('error', reject);
        tls.once('secureConnect', () => {
            const peer = tls.getPeerCertificate();
            const protocol = tls.getProtocol() ?? 'unknown';
            tls.destroy();
            if (!peer.raw)
                return reject(new Error('the server sent no certificate'));
            resolve({ ...readCertificate(new external_node_crypto_.X509Certificate(peer.raw).toString()), protocol });
        });
    });
}

;// CONCATENATED MODULE: ./lib/tls/server-certificate.js





/** A new key and a TLS server certificate for it, signed by the CA. */
function issueServerCertificate(request) {
    if (request.hostnames.length === 0)
        throw new Error('a server certificate needs at least one hostname');
    const caCertificate = lib.pki.certificateFromPem(request.ca.certificatePem);
    const keyPem = keys_generateRsaKeyPem(2048);
    const first = request.hostnames[0];
    const { certificatePem, serial } = x509_signCertificate({
        subjectKeyPem: keyPem,
        // A CN holds at most 64 characters; clients read the SANs anyway.
        subject: [{ name: 'commonName', value: first.length <= 64 ? first : 'dbfence server' }],
        issuer: { certificate: caCertificate, keyPem: request.ca.keyPem },
        now: request.now ?? new Date(),
        notAfter: request.notAfter,
        extensions: [
            { name: 'basicConstraints', cA: false, critical: true },
            { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
            { name: 'extKeyUsage', serverAuth: true },
            { name: 'subjectAltName', altNames: request.hostnames.map(altName) },
            ...authorityKeyIdentifier(caCertificate),
        ],
    });
    return { certificatePem, keyPem: pem_normalizePem(keyPem), serial };
}
function altName(hostname) {
    // GeneralName types of RFC 5280: 2 is dNSName, 7 is iPAddress.
    return (0,external_node_net_.isIP)(hostname) !== 0 ? { type: 7, ip: hostname } : { type: 2, value: hostname };
}
/**
 * Points at the CA's own subject key identifier. Computing one instead could
 * differ from what another tool wrote into the CA, and then OpenSSL would not
 * find the issuer.
 */
function authorityKeyIdentifier(caCertificate) {
    const ski = caCertificate.getExtension('subjectKeyIdentifier');
    if (!ski?.subjectKeyIdentifier)
        return [];
    return [{ name: 'authorityKeyIdentifier', keyIdentifier: lib.util.hexToBytes(ski.subjectKeyIdentifier) }];
}

;// CONCATENATED MODULE: ./lib/providers/postgres/certificate.js










const CERTIFICATE_ADDRESS = 'postgres.certificate.server';
const CERTIFICATE_RULE_ID = 'certificate-expiry';
/**
 * dbfence's own files in the data directory, so a certificate the team
 * placed elsewhere (e.g. the distribution's snakeoil pair) is never overwritten.
 */
const CERTIFICATE_FILE_NAME = 'dbfence-server.crt';
const KEY_FILE_NAME = 'dbfence-server.key';
const DEFAULT_VALIDITY = '90d';
const DEFAULT_RENEW_BEFORE = '30d';
const PROTOCOLS = { '1.0': 'TLSv1', '1.1': 'TLSv1.1', '1.2': 'TLSv1.2', '1.3': 'TLSv1.3' };
const PROTOCOL_ORDER = Object.values(PROTOCOLS);
const DEFAULT_MIN_PROTOCOL = PROTOCOLS['1.2'];
const RELOAD_TIMEOUT_MS = 10_000;
/** A reload that worked is visible at once; this only absorbs a connection the postmaster accepted just before it. */
const SERVED_RETRY_MS = 1_000;
const SETTINGS = ['ssl', 'ssl_cert_file', 'ssl_key_file', 'ssl_min_protocol_version'];
// ---------------------------------------------------------------- the CA
/** The CA that signs server certificates, from provider.ca; a ToolError when it cannot sign. */
function resolvePostgresCa(settings, secrets, now = new Date()) {
    if (!settings.ca)
        throw new errors/* ToolError */.v(missingCaMessage());
    const ca = {
        certificatePem: pem_normalizePem(secrets.resolve(settings.ca.certificate, 'provider.ca.certificate')),
        keyPem: pem_normalizePem(secrets.resolve(settings.ca.key, 'provider.ca.key')),
    };
    const problem = caProblem(ca, now);
    if (problem)
        throw new errors/* ToolError */.v(`provider.ca: ${problem}`);
    return ca;
}
/** The CA certificate clients need for full verification (no key is read). */
function resolvePostgresCaCertificate(settings, secrets) {
    if (!settings.ca)
        throw new errors/* ToolError */.v(missingCaMessage());
    const pem = pem_normalizePem(secrets.resolve(settings.ca.certificate, 'provider.ca.certificate'));
    let cert;
    try {
        cert = new external_node_crypto_.X509Certificate(pem);
    }
    catch {
        throw new errors/* ToolError */.v('provider.ca.certificate is not a PEM certificate');
    }
    if (!cert.ca)
        throw new errors/* ToolError */.v('provider.ca.certificate is not a CA certificate (basicConstraints CA:TRUE is missing)');
    return pem;
}
function missingCaMessage() {
    return 'provider.ca is not set: dbfence signs the server certificate with a CA you keep; create one with `dbfence ca init`';
}
// ---------------------------------------------------------------- inspect
/**
 * Reads the TLS settings and the configured files (superuser or
 * pg_read_server_files), then asks the endpoint for its certificate the way
 * a client would. With `ca`, also tells whether that CA signed it.
 */
async function inspectCertificate(client, endpoints, ca) {
    const settings = await readSettings(client);
    const dataDirectory = settings.data_directory;
    const certFile = external_node_path_.posix.resolve(dataDirectory, settings.ssl_cert_file);
    const keyFile = external_node_path_.posix.resolve(dataDirectory, settings.ssl_key_file);
    const certText = await readServerFile(client, certFile);
    const keyText = await readServerFile(client, keyFile);
    const onDisk = certText === null ? undefined : tryReadCertificate(certText);
    const served = await servedCertificate(endpoints);
    return {
        ssl: settings.ssl === 'on',
        dataDirectory,
        certFile,
        keyFile,
        minProtocol: settings.ssl_min_protocol_version,
        served,
        onDisk,
        keyMatches: onDisk !== undefined && keyText !== null && keyMatchesCertificate(onDisk.pem, keyText),
        servedByCa: ca && served ? issuedBySafely(served.pem, ca.certificatePem) : undefined,
    };
}
async function readSettings(client) {
    const { rows } = await client.query('SELECT name, setting FROM pg_settings WHERE name = ANY($1)', [[...SETTINGS, 'data_directory']]);
    const settings = Object.fromEntries(rows.map((row) => [row.name, row.setting]));
    if (settings.data_directory === undefined) {
        throw new errors/* ToolError */.v('the server hides data_directory: reading the TLS configuration needs a superuser or pg_read_all_settings');
    }
    return settings;
}
/** A file's text, or null when it does not exist. */
async function readServerFile(client, path) {
    try {
        const { rows } = await client.query('SELECT pg_read_file($1, true) AS content', [path]);
        return rows[0]?.content ?? null;
    }
    catch (error) {
        throw new errors/* ToolError */.v(`cannot read ${path} on the server: ${error.message} (reading the TLS files needs a superuser or pg_read_server_files)`);
    }
}
function tryReadCertificate(pem) {
    try {
        return readCertificate(pem);
    }
    catch {
        return undefined;
    }
}
function issuedBySafely(pem, caPem) {
    try {
        return isIssuedBy(pem, caPem);
    }
    catch {
        return false;
    }
}
async function servedCertificate(endpoints) {
    if (endpoints.host.startsWith('/')) {
        throw new errors/* ToolError */.v(`the admin connection uses the socket ${endpoints.host}; checking the served certificate needs a TCP host in provider.adminUrl`);
    }
    try {
        return await fetchServedCertificate(endpoints.host, endpoints.port);
    }
    catch (error) {
        throw new errors/* ToolError */.v(`cannot check the certificate served at ${endpoints.host}:${endpoints.port}: ${error.message}`);
    }
}
// ---------------------------------------------------------------- plan
/** The change that makes the served certificate and TLS settings match the file; none when they do. */
function diffCertificate(desired, live, now) {
    const want = desiredCertificate(desired);
    if (!want.managed)
        return [];
    const certificate = certificateProblems(want, live, now);
    const settings = settingProblems(want, live);
    const problems = [...certificate, ...settings];
    if (problems.length === 0)
        return [];
    const reissue = certificate.length > 0;
    return [{
            address: CERTIFICATE_ADDRESS,
            resource: 'certificate',
            action: live.served === undefined ? 'create' : reissue ? 'replace' : 'update',
            reason: problems.map((problem) => problem.reason).join('; '),
            destructive: false,
            before: describeLive(live),
            after: reissue
                ? { names: want.hostnames.map((h) => h.name), validity: want.validityText, issuer: 'provider.ca', minProtocol: want.minProtocol }
                : { ...describeLive(live), minProtocol: want.minProtocol },
            path: problems.find((problem) => problem.path)?.path ?? ['provider', 'ca'],
        }];
}
/** `certificate-expiry`: the served certificate expires within renewBefore or misses an endpoint hostname. */
function certificateNotices(desired, live, now) {
    const served = live.served;
    if (!served)
        return [];
    const want = desiredCertificate(desired);
    const notices = [];
    const expiry = expiryProblem(served, want, now);
    if (expiry)
        notices.push({ ruleId: CERTIFICATE_RULE_ID, message: expiry, address: CERTIFICATE_ADDRESS, path: ['provider'] });
    for (const hostname of missingHostnames(served, want)) {
        notices.push({
            ruleId: CERTIFICATE_RULE_ID,
            message: `the served certificate (serial ${served.serial}) does not name ${hostname.name}: clients that verify the hostname are refused`,
            address: CERTIFICATE_ADDRESS,
            path: hostname.path,
        });
    }
    return notices;
}
function desiredCertificate(config) {
    const validityText = config.defaults?.certificates?.validity ?? DEFAULT_VALIDITY;
    const renewBeforeText = config.defaults?.certificates?.renewBefore ?? DEFAULT_RENEW_BEFORE;
    const validitySeconds = (0,duration/* parseDuration */.E)(validityText);
    const renewBeforeSeconds = (0,duration/* parseDuration */.E)(renewBeforeText);
    if (!validitySeconds)
        throw new errors/* ToolError */.v(`defaults.certificates.validity "${validityText}" is not a positive duration`);
    if (renewBeforeSeconds === undefined)
        throw new errors/* ToolError */.v(`defaults.certificates.renewBefore "${renewBeforeText}" is not a duration`);
    if (renewBeforeSeconds >= validitySeconds) {
        throw new errors/* ToolError */.v(`defaults.certificates.renewBefore (${renewBeforeText}) must be shorter than validity (${validityText}), or every apply would renew the certificate`);
    }
    const hostnames = [];
    let minProtocol = DEFAULT_MIN_PROTOCOL;
    let minProtocolPath;
    config.databases.forEach((database, d) => {
        database.endpoints?.forEach((endpoint, e) => {
            if (endpoint.hostname !== undefined && !hostnames.some((h) => h.name === endpoint.hostname)) {
                hostnames.push({ name: endpoint.hostname, path: ['databases', d, 'endpoints', e, 'hostname'] });
            }
            const version = endpoint.tls?.minVersion;
            // One server serves every endpoint: the strictest floor is the only one that honours them all.
            if (version !== undefined && (minProtocolPath === undefined || PROTOCOL_ORDER.indexOf(PROTOCOLS[version]) > PROTOCOL_ORDER.indexOf(minProtocol))) {
                minProtocol = PROTOCOLS[version];
                minProtocolPath = ['databases', d, 'endpoints', e, 'tls', 'minVersion'];
            }
        });
    });
    const managed = config.provider.kind === 'postgres' && config.provider.ca !== undefined && hostnames.length > 0;
    return { hostnames, validitySeconds, renewBeforeSeconds, renewBeforeText, validityText, minProtocol, minProtocolPath, managed };
}
/** Why the served certificate must be reissued; empty when it is fine. */
function certificateProblems(want, live, now) {
    const served = live.served;
    if (!served) {
        return [{ reason: live.ssl ? 'ssl is on but the server offers no TLS: it could not load its certificate' : 'the server offers no TLS' }];
    }
    const problems = [];
    if (live.servedByCa === false)
        problems.push({ reason: `the served certificate (serial ${served.serial}) is not signed by provider.ca` });
    for (const hostname of missingHostnames(served, want)) {
        problems.push({ reason: `the served certificate does not name ${hostname.name}`, path: hostname.path });
    }
    const expiry = expiryProblem(served, want, now);
    if (expiry)
        problems.push({ reason: expiry });
    if (live.onDisk?.serial !== served.serial) {
        problems.push({ reason: `the certificate file ${live.certFile} is not the certificate served, so a restart would change it` });
    }
    else if (!live.keyMatches) {
        problems.push({ reason: `the key file ${live.keyFile} does not belong to the certificate, so a restart would fail to load TLS` });
    }
    return problems;
}
function settingProblems(want, live) {
    if (live.minProtocol === want.minProtocol)
        return [];
    return [{
            reason: `ssl_min_protocol_version is ${live.minProtocol || 'unset'} but the endpoints ask for ${want.minProtocol}`,
            ...(want.minProtocolPath ? { path: want.minProtocolPath } : {}),
        }];
}
function missingHostnames(served, want) {
    return want.hostnames.filter((hostname) => !certificateNamesHost(served.pem, hostname.name));
}
function expiryProblem(served, want, now) {
    const remainingMs = served.notAfter.getTime() - now.getTime();
    const date = served.notAfter.toISOString();
    if (remainingMs <= 0)
        return `the served certificate (serial ${served.serial}) expired on ${date}`;
    if (remainingMs <= want.renewBeforeSeconds * 1000) {
        return `the served certificate (serial ${served.serial}) expires on ${date}, within renewBefore (${want.renewBeforeText})`;
    }
    return undefined;
}
function describeLive(live) {
    if (!live.served)
        return { tls: 'off', minProtocol: live.minProtocol };
    const { serial, notAfter, names } = live.served;
    return { serial, notAfter: notAfter.toISOString(), names, minProtocol: live.minProtocol };
}
// ---------------------------------------------------------------- apply
/**
 * Brings the server certificate and TLS settings to what the file asks,
 * without a restart: issues a certificate when needed, writes it and its key,
 * sets `ssl`, the file paths and `ssl_min_protocol_version`, reloads, and
 * proves by a handshake that the new certificate is served. On any failure
 * the previous files and settings are restored and a ToolError says what
 * happened. Needs a superuser connection outside any transaction (ALTER
 * SYSTEM cannot run in one).
 *
 * Files: the certificate is written over SQL (COPY TO), which creates files
 * world-readable; that is fine for a certificate and never done for a key.
 * The key file is overwritten in place (COPY keeps an existing file's mode),
 * so it must exist first: when the data directory is on this machine dbfence
 * creates it with mode 0600 for the server's user; otherwise it asks the
 * operator to create it.
 */
async function applyCertificate(client, desired, ca, endpoints) {
    const now = new Date();
    const want = desiredCertificate(desired);
    if (want.hostnames.length === 0)
        return;
    const caCertificate = checkCa(ca, want, now);
    await requireSuperuser(client);
    const live = await inspectCertificate(client, endpoints, ca);
    const reissue = certificateProblems(want, live, now).length > 0;
    const target = reissue
        ? { certFile: external_node_path_.posix.join(live.dataDirectory, CERTIFICATE_FILE_NAME), keyFile: external_node_path_.posix.join(live.dataDirectory, KEY_FILE_NAME) }
        : { certFile: live.certFile, keyFile: live.keyFile };
    const settings = changedSettings(live, {
        ssl: 'on', ssl_cert_file: target.certFile, ssl_key_file: target.keyFile, ssl_min_protocol_version: want.minProtocol,
    });
    if (!reissue && settings.length === 0)
        return;
    const local = await dataDirectoryIsLocal(client, live.dataDirectory);
    const backup = await takeBackup(client, reissue ? [target.certFile, target.keyFile] : [], settings.map(([name]) => name), live.dataDirectory);
    let expectedSerial = live.served?.serial;
    /** Files this apply may have changed: only those are put back. */
    const touched = new Set();
    try {
        if (reissue) {
            const issued = issueServerCertificate({
                ca,
                hostnames: want.hostnames.map((hostname) => hostname.name),
                notAfter: new Date(Math.min(now.getTime() + want.validitySeconds * 1000, caCertificate.notAfter.getTime())),
                now,
            });
            await prepareKeyFile(client, target.keyFile, live.dataDirectory, local);
            touched.add(target.keyFile).add(target.certFile);
            await writeServerFile(client, target.keyFile, issued.keyPem);
            await writeServerFile(client, target.certFile, issued.certificatePem);
            expectedSerial = issued.serial;
        }
        for (const [name, value] of settings)
            await alterSystem(client, name, value);
        await reloadConfiguration(client);
        await verifyApplied(client, endpoints, expectedSerial, {
            ssl: 'on', ssl_cert_file: target.certFile, ssl_key_file: target.keyFile, ssl_min_protocol_version: want.minProtocol,
        }, live.dataDirectory);
    }
    catch (error) {
        const restored = await restoreBackup(client, backup, touched, local, endpoints, live.served?.serial);
        throw new errors/* ToolError */.v(`${error.message}; ${restored}`);
    }
}
function checkCa(ca, want, now) {
    const problem = caProblem(ca, now);
    if (problem)
        throw new errors/* ToolError */.v(`provider.ca: ${problem}`);
    const info = readCertificate(ca.certificatePem);
    if (info.notAfter.getTime() - now.getTime() <= want.renewBeforeSeconds * 1000) {
        throw new errors/* ToolError */.v(`provider.ca expires on ${info.notAfter.toISOString()}, within renewBefore (${want.renewBeforeText}): every certificate it signs would be due for renewal at once; create a new CA with \`dbfence ca init\``);
    }
    return info;
}
async function requireSuperuser(client) {
    const { rows } = await client.query('SELECT rolsuper FROM pg_roles WHERE rolname = current_user');
    if (!rows[0]?.rolsuper)
        throw new errors/* ToolError */.v('managing the server certificate needs a superuser in provider.adminUrl (it writes server files and runs ALTER SYSTEM)');
}
function changedSettings(live, wanted) {
    const current = {
        ssl: live.ssl ? 'on' : 'off', ssl_cert_file: live.certFile, ssl_key_file: live.keyFile, ssl_min_protocol_version: live.minProtocol,
    };
    return SETTINGS.filter((name) => current[name] !== wanted[name]).map((name) => [name, wanted[name]]);
}
/**
 * The server runs on this machine when its postmaster.pid, read here and
 * over SQL, agree on the process id, data directory, start time and port.
 */
async function dataDirectoryIsLocal(client, dataDirectory) {
    let here;
    try {
        here = (0,external_node_fs_.readFileSync)(external_node_path_.posix.join(dataDirectory, 'postmaster.pid'), 'utf8');
    }
    catch {
        return false;
    }
    const { rows } = await client.query("SELECT pg_read_file('postmaster.pid') AS pid");
    const head = (text) => text.split('\n').slice(0, 4).join('\n');
    return head(here) === head(rows[0]?.pid ?? '');
}
async function prepareKeyFile(client, path, dataDirectory, local) {
    if (local) {
        let mode;
        try {
            mode = (0,external_node_fs_.statSync)(path);
        }
        catch {
            createPrivateFile(path, dataDirectory);
            return;
        }
        // PostgreSQL's own rule: no group or other access, or group read when root owns the file.
        if ((mode.mode & 0o077) !== 0 && !(mode.uid === 0 && (mode.mode & 0o037) === 0)) {
            throw new Error(`the key file ${path} is readable by others (mode ${(mode.mode & 0o777).toString(8)}); make it 0600`);
        }
        return;
    }
    const { rows } = await client.query('SELECT (pg_stat_file($1, true)).size IS NOT NULL AS exists', [path]);
    if (!rows[0]?.exists) {
        throw new Error(`the data directory is not on this machine and COPY would create the key file world-readable; on the database host run \`install -m 600 -o <server user> /dev/null ${path}\`, then apply again`);
    }
}
/** An empty file only the server's user can read, ready for COPY to fill. */
function createPrivateFile(path, dataDirectory) {
    const owner = (0,external_node_fs_.statSync)(dataDirectory);
    const fd = (0,external_node_fs_.openSync)(path, 'wx', 0o600);
    try {
        (0,external_node_fs_.fchownSync)(fd, owner.uid, owner.gid);
    }
    catch (error) {
        (0,external_node_fs_.rmSync)(path, { force: true });
        throw error;
    }
    finally {
        (0,external_node_fs_.closeSync)(fd);
    }
}
/**
 * Writes a text file on the server with COPY TO, one line per row. The text
 * travels as a bind parameter into a transaction-local setting, with
 * parameter logging off, so it reaches neither the statement text nor the
 * server log.
 */
async function writeServerFile(client, path, text) {
    const content = text.replace(/\r/g, '').replace(/\n$/, '');
    // COPY's text format would escape these, and PEM never contains them.
    if (/[\\\t]/.test(content))
        throw new Error(`refusing to write ${path}: the content holds a backslash or a tab`);
    await client.query('BEGIN');
    try {
        await client.query('SET LOCAL log_parameter_max_length = 0');
        await client.query('SET LOCAL log_parameter_max_length_on_error = 0');
        await client.query("SELECT set_config('dbfence.file_content', $1, true)", [content]);
        await client.query(`COPY (SELECT unnest(string_to_array(current_setting('dbfence.file_content'), E'\\n'))) TO ${client.escapeLiteral(path)}`);
        await client.query('COMMIT');
    }
    catch (error) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw new Error(`cannot write ${path} on the server: ${error.message}`);
    }
}
async function alterSystem(client, name, value) {
    await client.query(value === undefined ? `ALTER SYSTEM RESET ${name}` : `ALTER SYSTEM SET ${name} = ${client.escapeLiteral(value)}`);
}
/**
 * Sends SIGHUP and waits until this session has re-read the configuration.
 * The postmaster signals sessions from the same step that reloads TLS, and
 * accepts no new connection before finishing it, so a handshake started
 * afterwards sees the result.
 */
async function reloadConfiguration(client) {
    const { rows } = await client.query('SELECT pg_conf_load_time()::text AS loaded, pg_reload_conf()');
    const before = rows[0].loaded;
    const deadline = Date.now() + RELOAD_TIMEOUT_MS;
    for (;;) {
        const check = await client.query('SELECT pg_conf_load_time() > $1::timestamptz AS reloaded', [before]);
        if (check.rows[0]?.reloaded)
            return;
        if (Date.now() > deadline)
            throw new Error(`the server did not reload its configuration within ${RELOAD_TIMEOUT_MS / 1000} s`);
        await sleep(25);
    }
}
async function verifyApplied(client, endpoints, expectedSerial, wanted, dataDirectory) {
    const settings = await readSettings(client);
    for (const name of SETTINGS) {
        const value = name === 'ssl_cert_file' || name === 'ssl_key_file' ? external_node_path_.posix.resolve(dataDirectory, settings[name]) : settings[name];
        if (value !== wanted[name])
            throw new Error(`the server kept ${name} = ${settings[name]} after the reload`);
    }
    const deadline = Date.now() + SERVED_RETRY_MS;
    for (;;) {
        const served = await fetchServedCertificate(endpoints.host, endpoints.port);
        if (served?.serial === expectedSerial)
            return;
        if (Date.now() > deadline) {
            const now = served ? `it still serves serial ${served.serial}` : 'it offers no TLS';
            throw new Error(`the server did not load the new certificate (serial ${expectedSerial}): ${now}; its log says why ("SSL configuration was not reloaded")`);
        }
        await sleep(100);
    }
}
async function takeBackup(client, paths, names, dataDirectory) {
    const files = [];
    for (const path of paths)
        files.push({ path, content: await readServerFile(client, path) });
    const { rows } = await client.query('SELECT name, setting FROM pg_file_settings WHERE sourcefile = $1 AND name = ANY($2) ORDER BY seqno', [external_node_path_.posix.join(dataDirectory, 'postgresql.auto.conf'), names]);
    const settings = new Map(names.map((name) => [name, undefined]));
    for (const row of rows)
        settings.set(row.name, row.setting);
    return { files, settings };
}
/** Puts files and settings back and reloads; says how that went, in words for the error message. */
async function restoreBackup(client, backup, touched, local, endpoints, previousSerial) {
    try {
        for (const file of backup.files) {
            if (!touched.has(file.path))
                continue;
            if (file.content !== null)
                await writeServerFile(client, file.path, file.content);
            else if (local)
                (0,external_node_fs_.rmSync)(file.path, { force: true });
            // Remote and new: COPY cannot delete, so leave the file empty rather than holding a key.
            else
                await writeServerFile(client, file.path, '');
        }
        for (const [name, value] of backup.settings)
            await alterSystem(client, name, value);
        await reloadConfiguration(client);
    }
    catch (error) {
        return `restoring the previous files and settings failed too: ${error.message}`;
    }
    if (previousSerial === undefined)
        return 'the previous files and settings were restored';
    const served = await fetchServedCertificate(endpoints.host, endpoints.port).catch((error) => error);
    if (served instanceof Error)
        return `the previous files and settings were restored, but the served certificate could not be checked: ${served.message}`;
    return served?.serial === previousSerial
        ? `the previous files and settings were restored and serial ${previousSerial} is still served`
        : `the previous files and settings were restored, but the server now serves ${served ? `serial ${served.serial}` : 'no TLS'}`;
}
function sleep(ms) {
    return new Promise((resolve) => setTimeout(resolve, ms));
}

// EXTERNAL MODULE: ./node_modules/pg/esm/index.mjs
var esm = __webpack_require__(3849);
;// CONCATENATED MODULE: ./lib/providers/postgres/connect.js


const CONNECT_TIMEOUT_MS = 10_000;
/** One line about a failure, for reports: the server's message, never the URL. */
function errorMessage(error) {
    return error instanceof Error ? error.message : String(error);
}
/**
 * The connections of one provider operation: one per database, all made from
 * the admin URL, and a count of the statements sent so a benchmark can show
 * that reads do not grow with the number of integrations.
 */
class Session {
    url;
    server;
    statements = 0;
    clients = new Map();
    constructor(url, server) {
        this.url = url;
        this.server = server;
    }
    static open(settings, secrets) {
        const text = secrets.resolve(settings.adminUrl, 'provider.adminUrl');
        let url;
        try {
            url = new URL(text);
        }
        catch {
            throw new errors/* ToolError */.v('provider.adminUrl: the secret is not a postgres:// connection URL');
        }
        if (url.protocol !== 'postgres:' && url.protocol !== 'postgresql:') {
            throw new errors/* ToolError */.v('provider.adminUrl: the secret is not a postgres:// connection URL');
        }
        const resolved = new esm/* default.Client */.Ay.Client({ connectionString: text });
        const database = resolved.database ?? resolved.user ?? 'postgres';
        return new Session(url, { host: resolved.host, port: resolved.port, user: resolved.user ?? '', database });
    }
    /** The connection to the admin URL's own database: cluster-wide reads, the apply lock, server files. */
    admin() {
        return this.database(this.server.database);
    }
    /** A shared connection to one database, opened on first use. */
    database(name) {
        let client = this.clients.get(name);
        if (!client) {
            client = this.connect(name);
            this.clients.set(name, client);
            client.catch(() => this.clients.delete(name));
        }
        return client;
    }
    /** A new connection of its own, closed by the caller: proves the server still admits the admin. */
    async connect(database) {
        const url = new URL(this.url);
        url.pathname = `/${encodeURIComponent(database)}`;
        const client = new esm/* default.Client */.Ay.Client({
            connectionString: url.toString(),
            application_name: 'dbfence',
            connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
        });
        // A connection the server ends while idle reports it here; the next query
        // on it fails and is handled there, so this must only keep Node from crashing.
        client.on('error', () => { });
        try {
            await client.connect();
        }
        catch (error) {
            await client.end().catch(() => { });
            const { host, port, user } = this.server;
            throw new errors/* ToolError */.v(`postgres: cannot connect to ${host}:${port} (database ${database}) as ${user}: ${errorMessage(error)}`);
        }
        return client;
    }
    async query(client, text, params) {
        this.statements += 1;
        const result = await client.query(text, params);
        return result.rows;
    }
    /** The client as code outside this module uses it, its statements counted too. */
    counted(client) {
        const query = client.query.bind(client);
        return new Proxy(client, {
            get: (target, property, receiver) => {
                if (property !== 'query')
                    return Reflect.get(target, property, receiver);
                return (...args) => {
                    this.statements += 1;
                    return query(...args);
                };
            },
        });
    }
    /** Sends several statements in one round trip (simple protocol), counting each. */
    async exec(client, statements) {
        this.statements += statements.length;
        await client.query(statements.join(';\n'));
    }
    /** Forgets a connection that failed mid-operation, so later steps open a new one. */
    discard(name) {
        const client = this.clients.get(name);
        this.clients.delete(name);
        client?.then((c) => c.end()).catch(() => { });
    }
    async close() {
        const clients = [...this.clients.values()];
        this.clients.clear();
        await Promise.all(clients.map((c) => c.then((client) => client.end()).catch(() => { })));
    }
}

// EXTERNAL MODULE: ./lib/model/path.js
var model_path = __webpack_require__(3070);
// EXTERNAL MODULE: ./lib/net/cidr.js
var cidr = __webpack_require__(249);
;// CONCATENATED MODULE: ./lib/providers/postgres/desired.js



/** Every role dbfence manages carries a comment starting with this; no other role is ever touched. */
const MARKER = 'managed by dbfence';
function markerComment(integration, database) {
    return `${MARKER}: integration ${integration} of database ${database}`;
}
/**
 * What one endpoints.yaml asks of the server. Refuses what this provider
 * cannot carry out (another engine, one user for two integrations) with a
 * ToolError naming the place in the file.
 */
function desiredState(config) {
    if (config.provider.kind !== 'postgres') {
        throw new errors/* ToolError */.v(`provider.kind: ${config.provider.kind} is not handled by the postgres provider`);
    }
    const databases = [];
    const roles = [];
    const byUser = new Map();
    config.databases.forEach((database, d) => {
        const databasePath = ['databases', d];
        if (database.engine !== 'postgresql') {
            throw new errors/* ToolError */.v(`${(0,model_path/* formatPath */.jV)([...databasePath, 'engine'])}: database ${database.name} is ${database.engine}; the postgres provider manages only postgresql databases`);
        }
        databases.push({ name: database.name, sensitive: new Set(database.sensitive ?? []), path: databasePath });
        (database.integrations ?? []).forEach((integration, i) => {
            const path = [...databasePath, 'integrations', i];
            const existing = byUser.get(integration.user);
            if (existing) {
                throw new errors/* ToolError */.v(`${(0,model_path/* formatPath */.jV)([...path, 'user'])}: user ${integration.user} is also the user of integration ${existing.integration}; each integration needs its own user`);
            }
            const role = {
                user: integration.user,
                integration: integration.name,
                database: database.name,
                comment: markerComment(integration.name, database.name),
                password: integration.credentials?.password === undefined
                    ? undefined
                    : { ref: integration.credentials.password, path: [...path, 'credentials', 'password'] },
                sources: (integration.from ?? []).map((text, f) => {
                    const parsed = (0,cidr/* parseCidr */.GN)(text);
                    if (!parsed.ok)
                        throw new errors/* ToolError */.v(`${(0,model_path/* formatPath */.jV)([...path, 'from', f])}: ${text} is not a CIDR: ${parsed.reason}`);
                    return { cidr: parsed.network.canonical, path: [...path, 'from', f] };
                }),
                grants: (integration.grants ?? []).map((grant, g) => {
                    const dot = grant.table.indexOf('.');
                    return {
                        schema: grant.table.slice(0, dot),
                        table: grant.table.slice(dot + 1),
                        privileges: grant.privileges,
                        path: [...path, 'grants', g],
                    };
                }),
                path,
            };
            byUser.set(role.user, role);
            roles.push(role);
        });
    });
    return { config, settings: config.provider, databases, roles };
}
/** The schemas each database's grants name, for the catalog reads. */
function referencedSchemas(state) {
    const schemas = new Map(state.databases.map((d) => [d.name, new Set()]));
    for (const role of state.roles) {
        for (const grant of role.grants)
            schemas.get(role.database)?.add(grant.schema);
    }
    return schemas;
}

;// CONCATENATED MODULE: ./lib/providers/postgres/hba.js

/**
 * The marked block of pg_hba.conf that dbfence owns. PostgreSQL uses the
 * first line that matches a connection, so the block sits ahead of every other
 * rule: a managed role may connect over TLS from its `from` addresses to its
 * own database, and is rejected everywhere else whatever the rules below say.
 */
const BLOCK_BEGIN = '# BEGIN dbfence: managed block, rewritten by `dbfence apply`; do not edit';
const BLOCK_END = '# END dbfence';
const BEGIN_PREFIX = '# BEGIN dbfence';
const END_PREFIX = '# END dbfence';
/** Words pg_hba.conf gives a meaning of their own in the database and user columns. */
const KEYWORDS = new Set(['all', 'sameuser', 'samerole', 'samegroup', 'replication']);
/** A database or role name as a pg_hba.conf token: quoted unless it is a plain lowercase name. */
function hbaToken(name) {
    return /^[a-z_][a-z0-9_]*$/.test(name) && !KEYWORDS.has(name) ? name : `"${name}"`;
}
function unquote(token) {
    return token.startsWith('"') && token.endsWith('"') ? token.slice(1, -1) : token;
}
function allowLine(database, user, cidr) {
    return `hostssl ${hbaToken(database)} ${hbaToken(user)} ${cidr} scram-sha-256`;
}
function rejectLines(user) {
    return [`host all ${hbaToken(user)} all reject`, `local all ${hbaToken(user)} reject`];
}
/** The rule lines of the block, in order: per integration its allowed sources, then the rejection of everything else. */
function desiredHbaLines(roles) {
    const lines = [];
    for (const role of roles) {
        for (const source of role.sources) {
            const line = allowLine(role.database, role.user, source.cidr);
            lines.push({ line, rule: describeLine(line), path: source.path });
        }
        for (const line of rejectLines(role.user))
            lines.push({ line, rule: describeLine(line), path: role.path });
    }
    return lines;
}
/** The block's text: the markers, a comment per integration, and the rules. */
function renderBlock(roles) {
    if (roles.length === 0)
        return [];
    const lines = [BLOCK_BEGIN];
    for (const role of roles) {
        lines.push(`# integration ${role.integration} (database ${role.database})`);
        for (const source of role.sources)
            lines.push(allowLine(role.database, role.user, source.cidr));
        lines.push(...rejectLines(role.user));
    }
    lines.push(BLOCK_END);
    return lines;
}
/** A rule line with comments and spacing removed, so hand-aligned columns compare equal; undefined for blank or comment lines. */
function normalizeLine(line) {
    const hash = line.indexOf('#');
    const tokens = (hash === -1 ? line : line.slice(0, hash)).trim().split(/\s+/).filter((t) => t !== '');
    return tokens.length === 0 ? undefined : tokens.join(' ');
}
function describeLine(line) {
    const tokens = line.split(' ');
    const [type, database, user, address, method] = tokens;
    if (type === 'hostssl' && tokens.length === 5 && database && user && address && method === 'scram-sha-256') {
        const role = unquote(user);
        return {
            address: `postgres.hba.${role}.${address}`,
            description: `${role} may connect to ${unquote(database)} from ${address} over TLS`,
        };
    }
    const rejected = type === 'host' && tokens.length === 5 && method === 'reject' ? user
        : type === 'local' && tokens.length === 4 && tokens[3] === 'reject' ? user : undefined;
    if (rejected !== undefined && database === 'all') {
        const role = unquote(rejected);
        return { address: `postgres.hba.${role}.reject`, description: `${role} is rejected from every other source and database` };
    }
    return { address: 'postgres.hba.line', description: `the line "${line}"` };
}
/** Finds the block in the file; a half or doubled block is a ToolError, since rewriting it could drop a rule. */
function findBlock(text) {
    const lines = text.split('\n');
    const begins = lines.flatMap((line, i) => (line.trim().startsWith(BEGIN_PREFIX) ? [i] : []));
    const ends = lines.flatMap((line, i) => (line.trim().startsWith(END_PREFIX) ? [i] : []));
    if (begins.length === 0 && ends.length === 0)
        return undefined;
    const [start] = begins;
    const [end] = ends;
    if (begins.length !== 1 || ends.length !== 1 || start === undefined || end === undefined || end < start) {
        throw new errors/* ToolError */.v('pg_hba.conf: the dbfence block is damaged (its BEGIN and END lines do not pair up); fix the file by hand');
    }
    const rules = lines.slice(start + 1, end).map(normalizeLine).filter((l) => l !== undefined);
    const aheadOfRules = lines.slice(0, start).every((line) => normalizeLine(line) === undefined);
    return { start, end, rules, aheadOfRules };
}
/**
 * The file with the block replaced by `block`: the old block removed, the new
 * one placed ahead of the first rule and the comments right above it, every
 * other line kept as it was.
 */
function spliceBlock(text, block) {
    const lines = text.split('\n');
    const found = findBlock(text);
    // The blank line written after the block goes with it, so rewrites do not pile up blank lines.
    if (found)
        lines.splice(found.start, found.end - found.start + 1 + (lines[found.end + 1] === '' ? 1 : 0));
    if (block.length === 0)
        return lines.join('\n');
    let at = lines.findIndex((line) => normalizeLine(line) !== undefined);
    if (at === -1)
        at = lines.length > 0 && lines[lines.length - 1] === '' ? lines.length - 1 : lines.length;
    // Comments right above the first rule describe that rule: the block goes above them.
    while (at > 0 && lines[at - 1].trim().startsWith('#'))
        at -= 1;
    lines.splice(at, 0, ...block, '');
    return lines.join('\n');
}

;// CONCATENATED MODULE: ./lib/providers/postgres/live.js
/** The role options dbfence sets, and the value every managed role must have. */
const ROLE_OPTIONS = {
    login: { keyword: 'LOGIN', desired: true },
    superuser: { keyword: 'SUPERUSER', desired: false },
    createdb: { keyword: 'CREATEDB', desired: false },
    createrole: { keyword: 'CREATEROLE', desired: false },
    replication: { keyword: 'REPLICATION', desired: false },
    bypassrls: { keyword: 'BYPASSRLS', desired: false },
};

;// CONCATENATED MODULE: ./lib/providers/postgres/diff.js






const TABLE_PRIVILEGES = ['SELECT', 'INSERT', 'UPDATE', 'DELETE', 'TRUNCATE', 'REFERENCES', 'TRIGGER'];
/** What `ALL` on a table means on this server: PostgreSQL 17 added MAINTAIN. */
function tablePrivileges(version) {
    return version >= 170000 ? [...TABLE_PRIVILEGES, 'MAINTAIN'] : TABLE_PRIVILEGES;
}
function list(items) {
    return items.join(', ');
}
function isAre(items) {
    return items.length === 1 ? 'is' : 'are';
}
/** One grant compared: what to add and take away, and the words for it. */
function compare(object, wanted, live, why) {
    const want = [...(wanted?.privileges ?? [])].sort();
    const have = live?.privileges ?? [];
    const grant = want.filter((p) => !have.includes(p));
    const revoke = have.filter((p) => !want.includes(p));
    const grantOption = live?.grantable ?? false;
    if (grant.length === 0 && revoke.length === 0 && !grantOption)
        return undefined;
    const reasons = [];
    if (grant.length > 0)
        reasons.push(`${list(grant)} on ${object} ${isAre(grant)} ${why} but not granted`);
    if (revoke.length > 0)
        reasons.push(`${list(revoke)} on ${object} ${isAre(revoke)} granted but not declared`);
    if (grantOption)
        reasons.push(`the grant on ${object} carries WITH GRANT OPTION, which dbfence never gives`);
    const action = have.length === 0 ? 'create' : want.length === 0 ? 'delete' : 'update';
    return {
        action, grant, revoke, grantOption,
        reason: reasons.join('; '),
        before: have, after: want,
        ...(wanted && want.length > 0 ? { path: wanted.path } : {}),
    };
}
class Planner {
    desired;
    live;
    passwords;
    now;
    changes = [];
    errors = [];
    wanted;
    managed;
    constructor(desired, live, passwords, now) {
        this.desired = desired;
        this.live = live;
        this.passwords = passwords;
        this.now = now;
        this.wanted = new Map(desired.roles.map((role) => [role.user, role]));
        this.managed = [...live.roles.values()].filter((role) => role.managed).sort((a, b) => a.name.localeCompare(b.name));
    }
    run() {
        if (this.live.certificate) {
            for (const change of diffCertificate(this.desired.config, this.live.certificate, this.now))
                this.changes.push({ change, action: { type: 'certificate' } });
        }
        this.checkDatabases();
        for (const role of this.desired.roles)
            this.role(role);
        this.throwErrors();
        for (const role of this.desired.roles)
            this.memberships(role);
        this.databaseGrants();
        this.objectGrants();
        this.throwErrors();
        this.hba();
        this.drops();
        return this.changes;
    }
    add(change, action) {
        this.changes.push({ change: { destructive: false, ...change }, action });
    }
    throwErrors() {
        if (this.errors.length === 0)
            return;
        const shown = this.errors.slice(0, 5).join('; ');
        const more = this.errors.length > 5 ? ` (and ${this.errors.length - 5} more)` : '';
        throw new errors/* ToolError */.v(`postgres: ${shown}${more}`);
    }
    checkDatabases() {
        for (const database of this.desired.databases) {
            if (!this.live.databaseNames.has(database.name)) {
                this.errors.push(`${(0,model_path/* formatPath */.jV)([...database.path, 'name'])}: database ${database.name} does not exist on the server (dbfence does not create databases)`);
            }
            else if (!this.live.databases.has(database.name)) {
                this.errors.push(`${(0,model_path/* formatPath */.jV)([...database.path, 'name'])}: database ${database.name} does not accept connections (datallowconn is false)`);
            }
        }
    }
    role(role) {
        const live = this.live.roles.get(role.user);
        const address = `postgres.role.${role.user}`;
        if (live && !live.managed) {
            this.errors.push(`${(0,model_path/* formatPath */.jV)([...role.path, 'user'])}: role ${role.user} exists but dbfence does not manage it (it lacks the "${MARKER}" comment, or it is the admin or a built-in role); use another user, or mark the role with COMMENT ON ROLE if dbfence should take it over`);
            return;
        }
        const password = this.passwords.read(role);
        if (!live) {
            const after = Object.fromEntries(Object.entries(ROLE_OPTIONS).map(([name, option]) => [name, option.desired]));
            this.add({
                address, resource: 'role', action: 'create',
                reason: `integration ${role.integration} needs its login role ${role.user}${password === undefined ? ' (no password declared: it cannot log in yet)' : ''}`,
                after: { ...after, password: password === undefined ? 'none' : 'from the secret' },
                path: role.path,
            }, { type: 'create-role', user: role.user, comment: role.comment, password });
            return;
        }
        const options = {};
        const reasons = [];
        const before = {};
        const after = {};
        for (const [name, option] of Object.entries(ROLE_OPTIONS)) {
            if (live.options[name] === option.desired)
                continue;
            options[name] = option.desired;
            before[name] = live.options[name];
            after[name] = option.desired;
            reasons.push(option.desired ? `${option.keyword} is missing` : `${option.keyword} is set but dbfence roles never have it`);
        }
        const comment = live.comment === role.comment ? undefined : role.comment;
        if (comment !== undefined) {
            reasons.push('its comment does not name its integration');
            before.comment = live.comment;
            after.comment = comment;
        }
        const rotate = password !== undefined && !this.passwords.matches(live.verifier, password);
        if (rotate) {
            reasons.push('the password secret does not match the stored verifier');
            before.password = live.verifier === null ? 'none' : 'stored verifier';
            after.password = 'from the secret';
        }
        if (reasons.length === 0)
            return;
        this.add({
            address, resource: 'role', action: 'update', reason: reasons.join('; '), before, after, path: role.path,
        }, { type: 'alter-role', user: role.user, options, comment, password: rotate ? password : undefined });
    }
    memberships(role) {
        const grantors = new Map();
        for (const { group, grantor } of this.live.roles.get(role.user)?.memberOf ?? []) {
            grantors.set(group, [...(grantors.get(group) ?? []), grantor]);
        }
        for (const [group, by] of grantors) {
            this.add({
                address: `postgres.membership.${role.user}.${group}`, resource: 'membership', action: 'delete',
                reason: `${role.user} is a member of ${group}, which the file does not declare`,
                before: group,
            }, { type: 'revoke-membership', user: role.user, group, grantors: this.live.version >= 160000 ? by : [] });
        }
    }
    databaseGrants() {
        const live = new Map(this.live.databaseGrants.filter((g) => this.wanted.has(g.role)).map((g) => [`${g.role}\0${g.database}`, g]));
        for (const role of this.desired.roles) {
            const key = `${role.user}\0${role.database}`;
            this.databaseGrant(role.user, role.database, { privileges: new Set(['CONNECT']), path: role.path }, live.get(key));
            live.delete(key);
        }
        for (const grant of live.values())
            this.databaseGrant(grant.role, grant.database, undefined, grant);
    }
    databaseGrant(user, database, wanted, live) {
        const delta = compare(`database ${database}`, wanted, live, 'declared');
        if (!delta)
            return;
        const { grant, revoke, grantOption, ...change } = delta;
        this.add({ address: `postgres.grant.${user}.${database}.database`, resource: 'grant', ...change }, { type: 'database', user, database, grant, revoke, grantOption });
    }
    /** Schema and table privileges the file asks for, per database, keyed `user\0schema[\0table]`. */
    wantedObjects() {
        const all = tablePrivileges(this.live.version);
        const byDatabase = new Map();
        const sensitive = new Map(this.desired.databases.map((d) => [d.name, d.sensitive]));
        for (const role of this.desired.roles) {
            const database = this.live.databases.get(role.database);
            if (!database)
                continue;
            let wanted = byDatabase.get(role.database);
            if (!wanted)
                byDatabase.set(role.database, (wanted = { schemas: new Map(), relations: new Map() }));
            const hidden = sensitive.get(role.database) ?? new Set();
            for (const grant of role.grants) {
                const tables = database.relations.get(grant.schema);
                const where = (0,model_path/* formatPath */.jV)([...grant.path, 'table']);
                if (!tables) {
                    this.errors.push(`${where}: schema ${grant.schema} does not exist in database ${role.database}`);
                    continue;
                }
                let names;
                if (grant.table === '*') {
                    names = [...tables].filter((name) => !hidden.has(`${grant.schema}.${name}`)).sort();
                }
                else if (!tables.has(grant.table)) {
                    this.errors.push(`${where}: table ${grant.schema}.${grant.table} does not exist in database ${role.database}`);
                    continue;
                }
                else if (hidden.has(`${grant.schema}.${grant.table}`)) {
                    this.errors.push(`${where}: ${grant.schema}.${grant.table} is listed as sensitive; dbfence never grants it`);
                    continue;
                }
                else {
                    names = [grant.table];
                }
                const schemaKey = `${role.user}\0${grant.schema}`;
                if (!wanted.schemas.has(schemaKey))
                    wanted.schemas.set(schemaKey, { privileges: new Set(['USAGE']), path: grant.path });
                const privileges = grant.privileges.flatMap((p) => (p === 'ALL' ? all : p === 'USAGE' ? [] : [p]));
                for (const name of names) {
                    const key = `${schemaKey}\0${name}`;
                    const entry = wanted.relations.get(key);
                    if (entry)
                        privileges.forEach((p) => entry.privileges.add(p));
                    else
                        wanted.relations.set(key, { privileges: new Set(privileges), path: grant.path });
                }
            }
        }
        return byDatabase;
    }
    objectGrants() {
        const wanted = this.wantedObjects();
        const names = [...this.live.databases.keys()].sort();
        for (const databaseName of names) {
            const database = this.live.databases.get(databaseName);
            const want = wanted.get(databaseName) ?? { schemas: new Map(), relations: new Map() };
            const liveSchemas = new Map(database.schemaGrants.filter((g) => this.wanted.has(g.role)).map((g) => [`${g.role}\0${g.schema}`, g]));
            const liveRelations = new Map(database.relationGrants.filter((g) => this.wanted.has(g.role)).map((g) => [`${g.role}\0${g.schema}\0${g.name}`, g]));
            for (const key of new Set([...want.schemas.keys(), ...liveSchemas.keys()])) {
                const [user, schema] = key.split('\0');
                const delta = compare(`schema ${schema}`, want.schemas.get(key), liveSchemas.get(key), 'needed by the declared grants');
                if (!delta)
                    continue;
                const { grant, revoke, grantOption, ...change } = delta;
                this.add({ address: `postgres.grant.${user}.${databaseName}.schema.${schema}`, resource: 'grant', ...change }, { type: 'schema', user, database: databaseName, schema, grant, revoke, grantOption });
            }
            for (const key of new Set([...want.relations.keys(), ...liveRelations.keys()])) {
                const [user, schema, name] = key.split('\0');
                const live = liveRelations.get(key);
                const sequence = live?.sequence ?? false;
                const delta = compare(`${sequence ? 'sequence' : 'table'} ${schema}.${name}`, want.relations.get(key), live, 'declared');
                if (!delta)
                    continue;
                const { grant, revoke, grantOption, ...change } = delta;
                this.add({ address: `postgres.grant.${user}.${databaseName}.${sequence ? 'sequence' : 'table'}.${schema}.${name}`, resource: 'grant', ...change }, { type: 'relation', user, database: databaseName, schema, name, sequence, grant, revoke, grantOption });
            }
            for (const grant of database.otherGrants) {
                if (!this.wanted.has(grant.role))
                    continue;
                if (grant.type === 'unsupported') {
                    this.errors.push(`role ${grant.role} holds privileges on ${grant.kind} ${grant.identity} in database ${databaseName}, which dbfence cannot revoke; revoke them by hand`);
                    continue;
                }
                this.add({
                    address: `postgres.grant.${grant.role}.${databaseName}.${grant.kind.replace(/ /g, '-')}.${grant.identity}`,
                    resource: 'grant', action: 'delete',
                    reason: `${grant.role} holds privileges on ${grant.kind} ${grant.identity}, which the file does not declare`,
                    before: grant.identity,
                }, { type: 'other', user: grant.role, database: databaseName, grant });
            }
        }
    }
    hba() {
        const desired = desiredHbaLines(this.desired.roles);
        const block = findBlock(this.live.hba.text);
        const liveLines = block?.rules ?? [];
        const desiredSet = new Set(desired.map((d) => d.line));
        const liveSet = new Set(liveLines);
        const byAddress = new Map();
        const entry = (address, description) => {
            let found = byAddress.get(address);
            if (!found)
                byAddress.set(address, (found = { add: [], remove: [], description, path: undefined }));
            return found;
        };
        for (const line of desired) {
            if (liveSet.has(line.line))
                continue;
            const found = entry(line.rule.address, line.rule.description);
            found.add.push(line);
            found.path ??= line.path;
        }
        for (const line of liveLines) {
            if (desiredSet.has(line))
                continue;
            const rule = describeLine(line);
            entry(rule.address, rule.description).remove.push(line);
        }
        const action = { type: 'hba', block: renderBlock(this.desired.roles) };
        for (const [address, found] of byAddress) {
            const kind = found.add.length === 0 ? 'delete' : found.remove.length === 0 ? 'create' : 'update';
            const reason = kind === 'create' ? `declared but not in pg_hba.conf: ${found.description}`
                : kind === 'delete' ? `in pg_hba.conf but not declared: ${found.description}`
                    : `pg_hba.conf differs from the file: ${found.description}`;
            this.add({
                address, resource: 'hba-rule', action: kind, reason,
                ...(found.remove.length > 0 ? { before: found.remove } : {}),
                ...(found.add.length > 0 ? { after: found.add.map((l) => l.line) } : {}),
                ...(found.path ? { path: found.path } : {}),
            }, action);
        }
        if (byAddress.size > 0 || desired.length === 0)
            return;
        if (block && !block.aheadOfRules) {
            this.add({
                address: 'postgres.hba.block', resource: 'hba-rule', action: 'update',
                reason: 'the dbfence block of pg_hba.conf is not ahead of the other rules, so they could match first',
            }, action);
        }
        else if (liveLines.join('\n') !== desired.map((d) => d.line).join('\n')) {
            this.add({
                address: 'postgres.hba.block', resource: 'hba-rule', action: 'update',
                reason: 'the lines of the dbfence block of pg_hba.conf are out of order',
            }, action);
        }
    }
    drops() {
        for (const role of this.managed) {
            if (this.wanted.has(role.name))
                continue;
            this.add({
                address: `postgres.role.${role.name}`, resource: 'role', action: 'delete', destructive: true,
                reason: `role ${role.name} is managed by dbfence but no integration declares it: it is dropped, its sessions are ended, its privileges revoked and anything it owns is given to ${this.live.adminUser}`,
                before: role.comment,
            }, { type: 'drop-role', user: role.name, oid: role.oid, databases: role.dependentDatabases });
        }
    }
}
/**
 * The changes that make the server match `desired`, each with the action that
 * carries it out. Pure: reads passwords through `passwords` but changes nothing.
 * A grant on a table or schema that does not exist, or a user that exists
 * without dbfence's marker, is a ToolError: never a half-applied plan.
 */
function planChanges(desired, live, passwords, now) {
    return new Planner(desired, live, passwords, now).run();
}

;// CONCATENATED MODULE: ./lib/providers/postgres/hba-file.js


const RELOAD_WAIT_MS = 10_000;
const RELOAD_POLL_MS = 50;
/** pg_hba.conf could not be changed; the file on disk is as it was. */
class HbaError extends Error {
}
/**
 * Writes a server-side file byte for byte. COPY would escape tabs and
 * backslashes of the lines it does not own; a large object exported with
 * lo_export writes exactly the bytes given, and the transaction it lives in
 * is rolled back so it leaves nothing behind. An existing file keeps its mode.
 */
async function hba_file_writeServerFile(session, client, path, text) {
    await session.query(client, 'BEGIN');
    try {
        const [row] = await session.query(client, 'SELECT lo_from_bytea(0, $1::bytea) AS oid', [Buffer.from(text, 'utf8')]);
        await session.query(client, 'SELECT lo_export($1::oid, $2)', [row.oid, path]);
    }
    finally {
        await session.query(client, 'ROLLBACK');
    }
}
async function reload(session, client) {
    const [row] = await session.query(client, 'SELECT pg_conf_load_time()::text AS before, pg_reload_conf()');
    return row.before;
}
/**
 * `pg_reload_conf()` only sends a signal. A new connection inherits the
 * configuration time of the postmaster, so one that sees a later time proves
 * the reload happened, and that the server still admits the admin.
 */
async function waitForReload(session, before) {
    const deadline = Date.now() + RELOAD_WAIT_MS;
    for (;;) {
        const client = await session.connect(session.server.database);
        try {
            const [row] = await session.query(client, 'SELECT pg_conf_load_time() > $1::timestamptz AS loaded', [before]);
            if (row?.loaded)
                return;
        }
        finally {
            await client.end().catch(() => { });
        }
        if (Date.now() > deadline)
            throw new HbaError('the server did not reload its configuration within 10 s');
        await new Promise((resolve) => setTimeout(resolve, RELOAD_POLL_MS));
    }
}
function lineErrors(text, errors) {
    const lines = text.split('\n');
    return errors.slice(0, 3).map(({ line, error }) => `line ${line} "${lines[line - 1]?.trim() ?? ''}": ${error}`).join('; ');
}
/**
 * Replaces the dbfence block: writes the new file, has PostgreSQL check every
 * line through pg_hba_file_rules, and only then reloads and waits for the
 * reload. Any failure puts the old file back before it returns.
 */
async function swapHba(session, hba, block) {
    if (hba.errors.length > 0) {
        throw new HbaError(`pg_hba.conf already has errors (${lineErrors(hba.text, hba.errors)}); fix them before dbfence changes the file`);
    }
    const next = spliceBlock(hba.text, block);
    const restore = async () => {
        const client = await session.connect(session.server.database);
        try {
            await hba_file_writeServerFile(session, client, hba.path, hba.text);
            await reload(session, client);
        }
        finally {
            await client.end().catch(() => { });
        }
    };
    // A connection of its own: the apply's transaction may be open on the admin one.
    const client = await session.connect(session.server.database);
    try {
        await hba_file_writeServerFile(session, client, hba.path, next);
        const errors = await session.query(client, 'SELECT line_number AS line, error FROM pg_hba_file_rules WHERE error IS NOT NULL ORDER BY line_number');
        if (errors.length > 0)
            throw new HbaError(`PostgreSQL rejects the new pg_hba.conf (${lineErrors(next, errors)})`);
        await waitForReload(session, await reload(session, client));
    }
    catch (error) {
        try {
            await restore();
        }
        catch (restoreError) {
            throw new HbaError(`${errorMessage(error)}; restoring the previous pg_hba.conf failed too: ${errorMessage(restoreError)}`);
        }
        throw new HbaError(`${errorMessage(error)}; the previous pg_hba.conf was put back`);
    }
    finally {
        await client.end().catch(() => { });
    }
    return { restore };
}

;// CONCATENATED MODULE: ./lib/providers/postgres/sql.js

/** A quoted SQL identifier: `orders`, `"Orders"`. */
function ident(name) {
    return (0,esm/* escapeIdentifier */.F)(name);
}
/** A schema-qualified relation name, each part quoted. */
function qualified(schema, name) {
    return `${ident(schema)}.${ident(name)}`;
}
/** A quoted SQL string literal, for the statements that take no bind parameters (ALTER ROLE, COMMENT). */
function literal(text) {
    return (0,esm/* escapeLiteral */.NO)(text);
}
/** Quoted identifiers separated by commas, e.g. grantees of one GRANT. */
function identList(names) {
    return names.map(ident).join(', ');
}

;// CONCATENATED MODULE: ./lib/providers/postgres/inspect.js





const MINIMUM_VERSION = 130000;
/**
 * The roles dbfence manages: those carrying its marker comment, never the
 * admin itself, the bootstrap superuser or a predefined `pg_*` role. Every
 * read joins it, so grants to other roles are never even seen. MATERIALIZED:
 * with stale catalog statistics the planner would otherwise re-run the ACL
 * expansion once per managed role (20 s instead of 20 ms for 1,000 roles).
 */
const MANAGED = `managed AS MATERIALIZED (
  SELECT r.oid, r.rolname::text AS rolname
  FROM pg_roles r
  JOIN pg_shdescription d ON d.objoid = r.oid AND d.classoid = 'pg_authid'::regclass
  WHERE starts_with(d.description, ${literal(MARKER)})
    AND r.rolname <> current_user AND r.oid <> 10 AND r.rolname !~ '^pg_'
)`;
const SESSION_SQL = `
SELECT current_setting('server_version_num')::int AS version, current_user::text AS admin, r.rolsuper AS superuser
FROM pg_roles r WHERE r.rolname = current_user`;
const ROLES_SQL = `
WITH ${MANAGED}
SELECT a.oid, a.rolname::text AS name, d.description AS comment, m.oid IS NOT NULL AS managed,
       a.rolcanlogin AS login, a.rolsuper AS superuser, a.rolcreatedb AS createdb,
       a.rolcreaterole AS createrole, a.rolreplication AS replication, a.rolbypassrls AS bypassrls,
       a.rolpassword AS verifier,
       ARRAY(SELECT json_build_object('group', g.rolname, 'grantor', gr.rolname)
             FROM pg_auth_members am JOIN pg_roles g ON g.oid = am.roleid JOIN pg_roles gr ON gr.oid = am.grantor
             WHERE am.member = a.oid ORDER BY g.rolname, gr.rolname) AS member_of,
       ARRAY(SELECT DISTINCT db.datname::text FROM pg_shdepend s JOIN pg_database db ON db.oid = s.dbid
             WHERE s.refclassid = 'pg_authid'::regclass AND s.refobjid = a.oid ORDER BY 1) AS dependent_databases
FROM pg_authid a
LEFT JOIN pg_shdescription d ON d.objoid = a.oid AND d.classoid = 'pg_authid'::regclass
LEFT JOIN managed m ON m.oid = a.oid
WHERE m.oid IS NOT NULL OR a.rolname = ANY($1::text[])`;
const DATABASE_GRANTS_SQL = `
WITH ${MANAGED}
SELECT db.datname::text AS database, m.rolname AS role,
       array_agg(a.privilege_type ORDER BY a.privilege_type) AS privileges, bool_or(a.is_grantable) AS grantable
FROM pg_database db CROSS JOIN LATERAL aclexplode(db.datacl) a JOIN managed m ON m.oid = a.grantee
GROUP BY 1, 2
ORDER BY 1, 2`;
const DATABASES_SQL = `SELECT datname::text AS name, datallowconn AS connectable FROM pg_database`;
const HBA_SQL = `
SELECT current_setting('hba_file') AS path, pg_read_file(current_setting('hba_file')) AS text,
       ARRAY(SELECT json_build_object('line', line_number, 'error', error) FROM pg_hba_file_rules
             WHERE error IS NOT NULL ORDER BY line_number) AS errors`;
const RELATION_GRANTS_SQL = `
WITH ${MANAGED}
SELECT m.rolname AS role, n.nspname::text AS schema, c.relname::text AS name, c.relkind = 'S' AS sequence,
       array_agg(a.privilege_type ORDER BY a.privilege_type) AS privileges, bool_or(a.is_grantable) AS grantable
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
CROSS JOIN LATERAL aclexplode(c.relacl) a JOIN managed m ON m.oid = a.grantee
WHERE c.relacl IS NOT NULL
GROUP BY m.rolname, n.nspname, c.relname, c.relkind
ORDER BY 1, 2, 3`;
const SCHEMA_GRANTS_SQL = `
WITH ${MANAGED}
SELECT m.rolname AS role, n.nspname::text AS schema,
       array_agg(a.privilege_type ORDER BY a.privilege_type) AS privileges, bool_or(a.is_grantable) AS grantable
FROM pg_namespace n CROSS JOIN LATERAL aclexplode(n.nspacl) a JOIN managed m ON m.oid = a.grantee
WHERE n.nspacl IS NOT NULL
GROUP BY m.rolname, n.nspname
ORDER BY 1, 2`;
/** Privileges on everything else (columns, routines, types, default privileges…), found through pg_shdepend. */
const OTHER_GRANTS_SQL = `
WITH ${MANAGED}
SELECT m.rolname AS role, s.classid::regclass::text AS catalog, s.objid::text AS objid, o.type AS kind, o.identity,
       CASE WHEN s.classid = 'pg_class'::regclass THEN format('%I.%I', cn.nspname, c.relname) END AS relation,
       CASE WHEN s.classid = 'pg_class'::regclass THEN
         (SELECT attname::text FROM pg_attribute WHERE attrelid = s.objid AND attnum = s.objsubid) END AS column,
       da.defaclrole::regrole::text AS default_owner,
       CASE WHEN da.defaclnamespace <> 0 THEN da.defaclnamespace::regnamespace::text END AS default_schema,
       da.defaclobjtype::text AS default_kind
FROM pg_shdepend s
JOIN managed m ON m.oid = s.refobjid
CROSS JOIN LATERAL pg_identify_object(s.classid, s.objid, s.objsubid) o
LEFT JOIN pg_class c ON s.classid = 'pg_class'::regclass AND c.oid = s.objid
LEFT JOIN pg_namespace cn ON cn.oid = c.relnamespace
LEFT JOIN pg_default_acl da ON s.classid = 'pg_default_acl'::regclass AND da.oid = s.objid
WHERE s.dbid = (SELECT oid FROM pg_database WHERE datname = current_database())
  AND s.refclassid = 'pg_authid'::regclass AND s.deptype = 'a'
  AND NOT (s.classid IN ('pg_class'::regclass, 'pg_namespace'::regclass) AND s.objsubid = 0)
ORDER BY 1, 4, 5`;
const RELATIONS_SQL = `
SELECT n.nspname::text AS schema, c.relname::text AS name
FROM pg_namespace n
LEFT JOIN pg_class c ON c.relnamespace = n.oid AND c.relkind IN ('r', 'p', 'v', 'm', 'f') AND NOT c.relispartition
WHERE n.nspname = ANY($1::text[])`;
const GRANT_KEYWORDS = {
    pg_proc: 'ROUTINE',
    pg_type: 'TYPE',
    pg_language: 'LANGUAGE',
    pg_foreign_data_wrapper: 'FOREIGN DATA WRAPPER',
    pg_foreign_server: 'FOREIGN SERVER',
    pg_largeobject: 'LARGE OBJECT',
    pg_largeobject_metadata: 'LARGE OBJECT',
};
const DEFAULT_OBJECTS = { r: 'TABLES', S: 'SEQUENCES', f: 'FUNCTIONS', T: 'TYPES', n: 'SCHEMAS' };
function otherGrant(row) {
    const base = { role: row.role, kind: row.kind, identity: row.identity };
    if (row.catalog === 'pg_class' && row.relation !== null && row.column !== null) {
        return { ...base, type: 'column', relation: row.relation, column: row.column };
    }
    if (row.catalog === 'pg_default_acl' && row.default_owner !== null && row.default_kind !== null) {
        const objects = DEFAULT_OBJECTS[row.default_kind];
        if (objects)
            return { ...base, type: 'default', owner: row.default_owner, schema: row.default_schema, objects };
    }
    const keyword = row.kind === 'domain' ? 'DOMAIN' : GRANT_KEYWORDS[row.catalog];
    if (keyword)
        return { ...base, type: 'object', keyword, target: keyword === 'LARGE OBJECT' ? row.objid : row.identity };
    return { ...base, type: 'unsupported' };
}
/** How many databases are read at once. */
const PARALLEL_DATABASE_READS = 8;
async function inspectDatabase(session, name, schemas) {
    const client = await session.database(name);
    // One connection runs one query at a time; databases are read in parallel instead.
    const relationGrants = await session.query(client, RELATION_GRANTS_SQL);
    const schemaGrants = await session.query(client, SCHEMA_GRANTS_SQL);
    const otherRows = await session.query(client, OTHER_GRANTS_SQL);
    const relationRows = schemas.length === 0 ? [] : await session.query(client, RELATIONS_SQL, [schemas]);
    const relations = new Map();
    for (const row of relationRows) {
        let tables = relations.get(row.schema);
        if (!tables)
            relations.set(row.schema, (tables = new Set()));
        if (row.name !== null)
            tables.add(row.name);
    }
    return { name, relationGrants, schemaGrants, otherGrants: otherRows.map(otherGrant), relations };
}
async function readSession(session, admin) {
    const [row] = await session.query(admin, SESSION_SQL);
    if (!row)
        throw new errors/* ToolError */.v('postgres: the admin role is not visible in pg_roles');
    if (row.version < MINIMUM_VERSION) {
        throw new errors/* ToolError */.v(`postgres: the server runs PostgreSQL ${Math.floor(row.version / 10000)}; dbfence needs 13 or later`);
    }
    if (!row.superuser) {
        throw new errors/* ToolError */.v(`postgres: the admin user ${row.admin} is not a superuser; dbfence needs one to read password verifiers and to write pg_hba.conf`);
    }
    return row;
}
/**
 * Reads everything the given files manage in a fixed number of bulk catalog
 * queries: a handful for the cluster, four per database. A read that fails is
 * a ToolError, never an empty state that would look like "no drift".
 */
async function inspect(session, scope, options = {}) {
    const startCount = session.statements;
    try {
        const admin = await session.admin();
        const about = await readSession(session, admin);
        const users = [...new Set(scope.flatMap((state) => state.roles.map((role) => role.user)))];
        const roleRows = await session.query(admin, ROLES_SQL, [users]);
        const databaseGrants = await session.query(admin, DATABASE_GRANTS_SQL);
        const databaseRows = await session.query(admin, DATABASES_SQL);
        const [hba] = await session.query(admin, HBA_SQL);
        if (!hba)
            throw new errors/* ToolError */.v('postgres: could not read pg_hba.conf');
        const roles = new Map(roleRows.map((row) => [row.name, {
                oid: row.oid, name: row.name, managed: row.managed, comment: row.comment,
                options: {
                    login: row.login, superuser: row.superuser, createdb: row.createdb,
                    createrole: row.createrole, replication: row.replication, bypassrls: row.bypassrls,
                },
                verifier: row.verifier, memberOf: row.member_of, dependentDatabases: row.dependent_databases,
            }]));
        const databaseNames = new Set(databaseRows.map((row) => row.name));
        const schemas = new Map();
        for (const state of scope) {
            for (const [database, names] of referencedSchemas(state)) {
                const set = schemas.get(database) ?? new Set();
                names.forEach((name) => set.add(name));
                schemas.set(database, set);
            }
        }
        for (const role of roles.values()) {
            if (role.managed)
                role.dependentDatabases.forEach((name) => schemas.has(name) || schemas.set(name, new Set()));
        }
        const connectable = new Set(databaseRows.filter((row) => row.connectable).map((row) => row.name));
        const toRead = [...schemas.entries()].filter(([name]) => connectable.has(name));
        const databases = new Map();
        // A few databases at a time, each connection closed once read: a server with
        // many databases must not run out of connections (max_connections) for a read.
        for (let i = 0; i < toRead.length; i += PARALLEL_DATABASE_READS) {
            const batch = await Promise.all(toRead.slice(i, i + PARALLEL_DATABASE_READS).map(async ([name, names]) => {
                const database = await inspectDatabase(session, name, [...names].sort());
                if (name !== session.server.database)
                    session.discard(name);
                return database;
            }));
            for (const database of batch)
                databases.set(database.name, database);
        }
        const servesEndpoints = scope.some((state) => state.config.databases.some((d) => d.endpoints?.some((e) => e.hostname !== undefined)));
        const { host, port } = session.server;
        const certificate = servesEndpoints ? await inspectCertificate(session.counted(admin), { host, port }, options.ca) : undefined;
        return {
            server: session.server,
            version: about.version,
            adminUser: about.admin,
            roles,
            databaseGrants,
            databaseNames,
            databases,
            hba,
            certificate,
            statementCount: session.statements - startCount,
        };
    }
    catch (error) {
        if (error instanceof errors/* ToolError */.v)
            throw error;
        throw new errors/* ToolError */.v(`postgres: reading the live state failed: ${errorMessage(error)}`);
    }
}

// EXTERNAL MODULE: external "node:util"
var external_node_util_ = __webpack_require__(7975);
;// CONCATENATED MODULE: ./lib/providers/postgres/scram.js


/** PostgreSQL's default `scram_iterations` and salt length. */
const ITERATIONS = 4096;
const SALT_BYTES = 16;
const VERIFIER = /^SCRAM-SHA-256\$(\d+):([A-Za-z0-9+/=]+)\$([A-Za-z0-9+/=]+):([A-Za-z0-9+/=]+)$/;
/**
 * SASLprep the way PostgreSQL and the `pg` client apply it, so a verifier made
 * here accepts the password those clients send: ASCII is used as it is; other
 * text has non-ASCII spaces mapped to a space, the "mapped to nothing"
 * characters removed, and NFKC normalisation.
 */
function saslprep(password) {
    if (/^[\x00-\x7f]*$/.test(password))
        return password;
    return password
        .replace(/[\u00A0\u1680\u2000-\u200B\u202F\u205F\u3000]/g, ' ')
        .replace(/[\u00AD\u034F\u1806\u180B\u180C\u180D\u200C\u200D\u2060\uFE00-\uFE0F\uFEFF]/g, '')
        .normalize('NFKC');
}
const pbkdf2Async = (0,external_node_util_.promisify)(external_node_crypto_.pbkdf2);
function keys(password, salt, iterations) {
    return keysFromSalted((0,external_node_crypto_.pbkdf2Sync)(saslprep(password), salt, iterations, 32, 'sha256'));
}
function keysFromSalted(salted) {
    const clientKey = (0,external_node_crypto_.createHmac)('sha256', salted).update('Client Key').digest();
    return {
        storedKey: (0,external_node_crypto_.createHash)('sha256').update(clientKey).digest(),
        serverKey: (0,external_node_crypto_.createHmac)('sha256', salted).update('Server Key').digest(),
    };
}
/**
 * A SCRAM-SHA-256 verifier (RFC 5803 form, as `pg_authid.rolpassword` stores
 * it). PostgreSQL stores a verifier given in `PASSWORD '…'` as it is, so the
 * password itself never reaches the server or its logs.
 */
function scramVerifier(password, salt = (0,external_node_crypto_.randomBytes)(SALT_BYTES), iterations = ITERATIONS) {
    const { storedKey, serverKey } = keys(password, salt, iterations);
    return `SCRAM-SHA-256$${iterations}:${salt.toString('base64')}$${storedKey.toString('base64')}:${serverKey.toString('base64')}`;
}
/**
 * True when `verifier` (a stored `rolpassword`) was made from `password`; false
 * for any other form (md5, none). Its PBKDF2 runs on libuv's thread pool, so
 * many checks run on every core.
 */
async function verifierMatches(verifier, password) {
    const parsed = parseVerifier(verifier);
    if (!parsed)
        return false;
    const salted = await pbkdf2Async(saslprep(password), parsed.salt, parsed.iterations, 32, 'sha256');
    return sameKeys(parsed, keysFromSalted(salted));
}
/** `verifierMatches` on the calling thread. */
function verifierMatchesSync(verifier, password) {
    const parsed = parseVerifier(verifier);
    return parsed !== undefined && sameKeys(parsed, keys(password, parsed.salt, parsed.iterations));
}
function parseVerifier(verifier) {
    const match = verifier === null ? null : VERIFIER.exec(verifier);
    if (!match)
        return undefined;
    const [, iterations, salt, storedKey, serverKey] = match;
    return { iterations: Number(iterations), salt: Buffer.from(salt, 'base64'), storedKey: Buffer.from(storedKey, 'base64'), serverKey: Buffer.from(serverKey, 'base64') };
}
function sameKeys(stored, expected) {
    return stored.storedKey.length === 32 && stored.serverKey.length === 32
        && (0,external_node_crypto_.timingSafeEqual)(stored.storedKey, expected.storedKey) && (0,external_node_crypto_.timingSafeEqual)(stored.serverKey, expected.serverKey);
}

;// CONCATENATED MODULE: ./lib/providers/postgres/statements.js



/** Statement order inside one transaction: create before grant, grant before revoke, drops last. */
var Stage;
(function (Stage) {
    Stage[Stage["Roles"] = 0] = "Roles";
    Stage[Stage["Memberships"] = 1] = "Memberships";
    Stage[Stage["Databases"] = 2] = "Databases";
    Stage[Stage["SchemaGrants"] = 3] = "SchemaGrants";
    Stage[Stage["RelationGrants"] = 4] = "RelationGrants";
    Stage[Stage["RelationRevokes"] = 5] = "RelationRevokes";
    Stage[Stage["SchemaRevokes"] = 6] = "SchemaRevokes";
    Stage[Stage["OtherRevokes"] = 7] = "OtherRevokes";
    Stage[Stage["Nologin"] = 8] = "Nologin";
    Stage[Stage["Owned"] = 9] = "Owned";
    Stage[Stage["Drop"] = 10] = "Drop";
})(Stage || (Stage = {}));
const BATCH = 500;
function chunks(items, size) {
    const out = [];
    for (let i = 0; i < items.length; i += size)
        out.push(items.slice(i, i + size));
    return out;
}
function roleOptions(options) {
    return Object.entries(options)
        .map(([name, on]) => `${on ? '' : 'NO'}${ROLE_OPTIONS[name].keyword}`).join(' ');
}
/** The verifier, never the password, goes into the statement: it is what server logs would show. */
function passwordClause(password) {
    return password === undefined ? '' : `PASSWORD ${literal(scramVerifier(password))}`;
}
function withClause(...parts) {
    return parts.filter((part) => part !== '').join(' ');
}
class Builder {
    home;
    stages = new Map();
    /** Grants that share a database, grantee set and privilege set become one statement over many objects. */
    batches = new Map();
    constructor(home) {
        this.home = home;
    }
    add(database, stage, sql, change) {
        let byStage = this.stages.get(database);
        if (!byStage)
            this.stages.set(database, (byStage = new Map()));
        let statements = byStage.get(stage);
        if (!statements)
            byStage.set(stage, (statements = []));
        statements.push({ sql, changes: [change] });
    }
    batch(database, stage, head, object, tail, change) {
        const key = `${database}\0${stage}\0${head}\0${tail}`;
        let batch = this.batches.get(key);
        if (!batch)
            this.batches.set(key, (batch = { database, stage, head, objects: [], tail, changes: [] }));
        batch.objects.push(object);
        batch.changes.push(change);
    }
    /** Grants of one privilege set on one object to many roles: `GRANT CONNECT ON DATABASE d TO a, b`. */
    grantees = new Map();
    grantTo(database, stage, head, user, change) {
        const key = `${database}\0${stage}\0${head}`;
        let entry = this.grantees.get(key);
        if (!entry)
            this.grantees.set(key, (entry = { database, stage, head, users: [], changes: [] }));
        entry.users.push(user);
        entry.changes.push(change);
    }
    transaction(database) {
        for (const batch of this.batches.values()) {
            if (batch.database !== database)
                continue;
            chunks(batch.objects.map((o, i) => [o, batch.changes[i]]), BATCH).forEach((chunk) => {
                const statements = this.bucket(database, batch.stage);
                statements.push({ sql: `${batch.head} ${chunk.map(([o]) => o).join(', ')} ${batch.tail}`, changes: chunk.map(([, c]) => c) });
            });
        }
        for (const entry of this.grantees.values()) {
            if (entry.database !== database)
                continue;
            chunks(entry.users.map((u, i) => [u, entry.changes[i]]), BATCH).forEach((chunk) => {
                this.bucket(database, entry.stage).push({ sql: `${entry.head} TO ${identList(chunk.map(([u]) => u))}`, changes: chunk.map(([, c]) => c) });
            });
        }
        const byStage = this.stages.get(database) ?? new Map();
        const statements = [...byStage.entries()].sort(([a], [b]) => a - b).flatMap(([, list]) => list);
        return { database, statements };
    }
    bucket(database, stage) {
        let byStage = this.stages.get(database);
        if (!byStage)
            this.stages.set(database, (byStage = new Map()));
        let statements = byStage.get(stage);
        if (!statements)
            byStage.set(stage, (statements = []));
        return statements;
    }
    databases() {
        const names = new Set([...this.stages.keys(), ...[...this.batches.values()].map((b) => b.database), ...[...this.grantees.values()].map((g) => g.database)]);
        names.delete(this.home);
        return [...names].sort();
    }
}
function relationStatements(builder, action, change) {
    const kind = action.sequence ? 'SEQUENCE' : 'TABLE';
    const object = qualified(action.schema, action.name);
    const user = ident(action.user);
    if (action.grant.length > 0) {
        builder.batch(action.database, Stage.RelationGrants, `GRANT ${action.grant.join(', ')} ON ${kind}`, object, `TO ${user}`, change);
    }
    if (action.grantOption)
        builder.add(action.database, Stage.RelationRevokes, `REVOKE GRANT OPTION FOR ALL ON ${kind} ${object} FROM ${user}`, change);
    if (action.revoke.length > 0) {
        builder.batch(action.database, Stage.RelationRevokes, `REVOKE ${action.revoke.join(', ')} ON ${kind}`, object, `FROM ${user}`, change);
    }
}
function otherRevoke(action) {
    const user = ident(action.user);
    const grant = action.grant;
    switch (grant.type) {
        case 'column': return `REVOKE ALL (${ident(grant.column)}) ON TABLE ${grant.relation} FROM ${user}`;
        case 'object': return `REVOKE ALL ON ${grant.keyword} ${grant.target} FROM ${user}`;
        case 'default': return `ALTER DEFAULT PRIVILEGES FOR ROLE ${grant.owner}${grant.schema === null ? '' : ` IN SCHEMA ${grant.schema}`} REVOKE ALL ON ${grant.objects} FROM ${user}`;
        case 'unsupported': throw new Error(`no revoke for ${grant.kind}`);
    }
}
/** Turns planned changes into the statements of each transaction. `home` is the database the cluster-wide work runs in. */
function buildSteps(planned, home) {
    const builder = new Builder(home);
    let hba;
    const terminate = { oids: [], changes: [] };
    const finalDrops = [];
    planned.forEach(({ action }, change) => {
        switch (action.type) {
            case 'create-role': {
                const options = roleOptions(Object.fromEntries(Object.entries(ROLE_OPTIONS).map(([name, o]) => [name, o.desired])));
                builder.add(home, Stage.Roles, `CREATE ROLE ${ident(action.user)} WITH ${withClause(options, passwordClause(action.password))}`, change);
                builder.add(home, Stage.Roles, `COMMENT ON ROLE ${ident(action.user)} IS ${literal(action.comment)}`, change);
                break;
            }
            case 'alter-role': {
                const clause = withClause(roleOptions(action.options), passwordClause(action.password));
                if (clause !== '')
                    builder.add(home, Stage.Roles, `ALTER ROLE ${ident(action.user)} WITH ${clause}`, change);
                if (action.comment !== undefined)
                    builder.add(home, Stage.Roles, `COMMENT ON ROLE ${ident(action.user)} IS ${literal(action.comment)}`, change);
                break;
            }
            case 'revoke-membership': {
                // From PostgreSQL 16 each grantor's membership is its own; a plain REVOKE only removes the revoker's.
                const revoke = `REVOKE ${ident(action.group)} FROM ${ident(action.user)}`;
                if (action.grantors.length === 0)
                    builder.add(home, Stage.Memberships, revoke, change);
                for (const grantor of action.grantors)
                    builder.add(home, Stage.Memberships, `${revoke} GRANTED BY ${ident(grantor)}`, change);
                break;
            }
            case 'database': {
                const database = ident(action.database);
                if (action.grant.length > 0)
                    builder.grantTo(home, Stage.Databases, `GRANT ${action.grant.join(', ')} ON DATABASE ${database}`, action.user, change);
                if (action.grantOption)
                    builder.add(home, Stage.Databases, `REVOKE GRANT OPTION FOR ALL ON DATABASE ${database} FROM ${ident(action.user)}`, change);
                if (action.revoke.length > 0)
                    builder.add(home, Stage.Databases, `REVOKE ${action.revoke.join(', ')} ON DATABASE ${database} FROM ${ident(action.user)}`, change);
                break;
            }
            case 'schema': {
                const schema = ident(action.schema);
                if (action.grant.length > 0)
                    builder.grantTo(action.database, Stage.SchemaGrants, `GRANT ${action.grant.join(', ')} ON SCHEMA ${schema}`, action.user, change);
                if (action.grantOption)
                    builder.add(action.database, Stage.SchemaRevokes, `REVOKE GRANT OPTION FOR ALL ON SCHEMA ${schema} FROM ${ident(action.user)}`, change);
                if (action.revoke.length > 0)
                    builder.add(action.database, Stage.SchemaRevokes, `REVOKE ${action.revoke.join(', ')} ON SCHEMA ${schema} FROM ${ident(action.user)}`, change);
                break;
            }
            case 'relation':
                relationStatements(builder, action, change);
                break;
            case 'other':
                builder.add(action.database, Stage.OtherRevokes, otherRevoke(action), change);
                break;
            case 'certificate':
                break;
            case 'hba':
                hba ??= { block: action.block, changes: [] };
                hba.changes.push(change);
                break;
            case 'drop-role': {
                const user = ident(action.user);
                // NOLOGIN first, and the marker stays until DROP ROLE: a drop that
                // stops halfway leaves a role that cannot log in and is still managed.
                builder.add(home, Stage.Nologin, `ALTER ROLE ${user} WITH NOLOGIN`, change);
                for (const database of new Set([home, ...action.databases])) {
                    builder.add(database, Stage.Owned, `REASSIGN OWNED BY ${user} TO CURRENT_USER`, change);
                    builder.add(database, Stage.Owned, `DROP OWNED BY ${user}`, change);
                }
                if (action.databases.every((database) => database === home))
                    builder.add(home, Stage.Drop, `DROP ROLE ${user}`, change);
                else
                    finalDrops.push({ sql: `DROP ROLE ${user}`, changes: [change] });
                terminate.oids.push(action.oid);
                terminate.changes.push(change);
                break;
            }
        }
    });
    return {
        main: builder.transaction(home),
        others: builder.databases().map((database) => builder.transaction(database)),
        final: finalDrops.length > 0 ? { database: home, statements: finalDrops } : undefined,
        hba,
        terminate,
    };
}

;// CONCATENATED MODULE: ./lib/providers/postgres/apply.js







/** 'dbfence' in ASCII as a bigint: the advisory lock every apply on this database takes. */
const APPLY_LOCK = '28254913226794853';
const LOCK_WAIT = '5min';
const STATEMENTS_PER_ROUND_TRIP = 100;
/** A statement failed: the changes it carried, and the server's words. */
class StepFailure extends Error {
    changes;
    constructor(changes, cause) {
        super(errorMessage(cause));
        this.changes = changes;
    }
}
/**
 * The outcome of each change across the transactions it spans (a drop
 * touches several databases): applied only once every part committed.
 */
class Outcomes {
    planned;
    parts;
    committed;
    failures = new Map();
    constructor(planned) {
        this.planned = planned;
        this.parts = planned.map(() => 0);
        this.committed = planned.map(() => 0);
    }
    expect(changes) {
        for (const change of new Set(changes))
            this.parts[change] += 1;
    }
    commit(changes) {
        for (const change of new Set(changes))
            this.committed[change] += 1;
    }
    fail(changes, status, error) {
        for (const change of changes)
            if (!this.failures.has(change))
                this.failures.set(change, { status, error });
    }
    result() {
        const outcomes = this.planned.map(({ change }, i) => {
            const failure = this.failures.get(i);
            const partly = this.committed[i] > 0;
            if (failure) {
                return partly
                    ? { change, status: 'failed', error: `partly applied: ${failure.error}` }
                    : { change, status: failure.status, error: failure.error };
            }
            if (this.parts[i] > 0 && this.committed[i] === this.parts[i])
                return { change, status: 'applied' };
            return partly
                ? { change, status: 'failed', error: 'partly applied: the apply stopped before this change was finished' }
                : { change, status: 'skipped', error: 'not attempted: an earlier step failed' };
        });
        return { outcomes, ok: outcomes.every((o) => o.status === 'applied') };
    }
}
async function lock(session, admin, log) {
    const [row] = await session.query(admin, 'SELECT pg_try_advisory_lock($1::bigint) AS locked', [APPLY_LOCK]);
    if (row?.locked)
        return;
    log('postgres: another dbfence apply is running; waiting for it to finish');
    await session.query(admin, `SET lock_timeout = '${LOCK_WAIT}'`);
    try {
        await session.query(admin, 'SELECT pg_advisory_lock($1::bigint)', [APPLY_LOCK]);
    }
    catch (error) {
        if (error.code === '55P03') {
            throw new errors/* ToolError */.v(`postgres: another dbfence apply has held the apply lock for ${LOCK_WAIT}; try again once it has finished`);
        }
        throw new errors/* ToolError */.v(`postgres: could not take the apply lock: ${errorMessage(error)}`);
    }
    finally {
        await session.query(admin, 'RESET lock_timeout').catch(() => { });
    }
}
/** Runs one transaction; `beforeCommit` runs inside it, so its failure rolls the SQL back. */
async function runTransaction(session, transaction, beforeCommit) {
    const client = await session.database(transaction.database);
    await session.query(client, 'BEGIN');
    try {
        await session.query(client, "SET LOCAL lock_timeout = '60s'");
        for (let i = 0; i < transaction.statements.length; i += STATEMENTS_PER_ROUND_TRIP) {
            const chunk = transaction.statements.slice(i, i + STATEMENTS_PER_ROUND_TRIP);
            try {
                await session.exec(client, chunk.map((s) => s.sql));
            }
            catch (error) {
                throw new StepFailure(chunk.flatMap((s) => s.changes), error);
            }
        }
        await beforeCommit?.();
        await session.query(client, 'COMMIT');
        // One open connection per database touched would exhaust max_connections on a server with many.
        if (transaction.database !== session.server.database)
            session.discard(transaction.database);
    }
    catch (error) {
        // On a connection the server ended, ROLLBACK fails too: the server has rolled back already.
        await session.query(client, 'ROLLBACK').catch(() => session.discard(transaction.database));
        throw error;
    }
}
function changesOf(transaction) {
    return transaction ? transaction.statements.flatMap((s) => s.changes) : [];
}
function mainChanges(steps) {
    return [...changesOf(steps.main), ...(steps.hba?.changes ?? [])];
}
function laterTransactions(steps) {
    return [...steps.others, ...(steps.final ? [steps.final] : [])];
}
/** First, as the hostssl lines need TLS: the certificate part issues, writes, reloads and verifies, or restores. */
async function certificateStep(session, desired, context, planned, outcomes) {
    const changes = planned.flatMap((p, i) => (p.action.type === 'certificate' ? [i] : []));
    if (changes.length === 0)
        return true;
    try {
        const ca = resolvePostgresCa(desired.settings, context.secrets, context.now());
        const { host, port } = session.server;
        await applyCertificate(await session.admin(), desired.config, ca, { host, port });
    }
    catch (error) {
        outcomes.fail(changes, 'failed', errorMessage(error));
        return false;
    }
    outcomes.commit(changes);
    context.log('postgres: server certificate issued, written and reloaded');
    return true;
}
/** Roles, database grants, the home database's grants and the pg_hba.conf swap: all or nothing. */
async function mainStep(session, live, steps, outcomes, log) {
    const changes = mainChanges(steps);
    if (changes.length === 0)
        return true;
    let swap;
    try {
        await runTransaction(session, steps.main, steps.hba && (async () => {
            swap = await swapHba(session, live.hba, steps.hba.block);
            log('postgres: pg_hba.conf checked, written and reloaded');
        }));
    }
    catch (error) {
        // The block was swapped but the transaction did not commit: put the file back.
        if (swap)
            await swap.restore().catch((restoreError) => log(`postgres: restoring pg_hba.conf failed: ${errorMessage(restoreError)}`));
        const failed = error instanceof StepFailure ? error.changes : steps.hba && !swap ? steps.hba.changes : changes;
        outcomes.fail(failed, 'failed', errorMessage(error));
        outcomes.fail(changes, 'rolled-back', `rolled back: ${errorMessage(error)}`);
        return false;
    }
    outcomes.commit(changes);
    return true;
}
/** The other databases' grants and drop clean-ups, then the DROP ROLE that needed them: one transaction each. */
async function databaseSteps(session, steps, outcomes) {
    for (const transaction of laterTransactions(steps)) {
        const changes = changesOf(transaction);
        try {
            await runTransaction(session, transaction);
        }
        catch (error) {
            outcomes.fail(error instanceof StepFailure ? error.changes : changes, 'failed', errorMessage(error));
            outcomes.fail(changes, 'rolled-back', `rolled back: ${errorMessage(error)}`);
            return false;
        }
        outcomes.commit(changes);
    }
    return true;
}
/**
 * Apply under the advisory lock: read the live state again, plan again,
 * refuse unacknowledged destructive changes, then carry the plan out so that
 * what cannot finish is rolled back and reported. The certificate goes first
 * (the hostssl lines need TLS), then the SQL and pg_hba.conf together.
 */
async function applyDesired(session, desired, context) {
    const { options, log } = context;
    const admin = await session.admin();
    await lock(session, admin, log);
    try {
        const live = await inspect(session, [desired], context.caCertificate ? { ca: context.caCertificate } : {});
        await context.passwords.check(desired.roles, live.roles);
        const planned = planChanges(desired, live, context.passwords, context.now());
        if (planned.length === 0) {
            log('postgres: nothing to change');
            return { outcomes: [], ok: true };
        }
        const refused = planned.filter((p) => (p.change.destructive || p.change.disruptive) && !options.allowDestructive);
        if (refused.length > 0) {
            return {
                ok: false,
                outcomes: planned.map(({ change }) => ({
                    change, status: 'skipped',
                    error: refused.some((p) => p.change === change)
                        ? 'destructive: not applied without --allow-destructive'
                        : 'not applied: the plan has destructive changes that were not acknowledged',
                })),
            };
        }
        const outcomes = new Outcomes(planned);
        const steps = buildSteps(planned, desired.databases.find((d) => live.databases.has(d.name))?.name ?? session.server.database);
        outcomes.expect(planned.flatMap((p, i) => (p.action.type === 'certificate' ? [i] : [])));
        outcomes.expect(mainChanges(steps));
        laterTransactions(steps).forEach((transaction) => outcomes.expect(changesOf(transaction)));
        log(`postgres: applying ${planned.length} change${planned.length === 1 ? '' : 's'}`);
        const done = await certificateStep(session, desired, context, planned, outcomes)
            && await mainStep(session, live, steps, outcomes, log)
            && await databaseSteps(session, steps, outcomes);
        if (done && steps.terminate.oids.length > 0) {
            await session.query(admin, 'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usesysid = ANY($1::oid[])', [steps.terminate.oids])
                .catch((error) => log(`postgres: ending the sessions of dropped roles failed: ${errorMessage(error)}`));
        }
        return outcomes.result();
    }
    finally {
        await session.query(admin, 'SELECT pg_advisory_unlock($1::bigint)', [APPLY_LOCK]).catch(() => { });
    }
}

;// CONCATENATED MODULE: ./lib/providers/postgres/passwords.js




/**
 * Reads integration passwords and checks them against stored verifiers. A
 * check costs one PBKDF2 (about a millisecond): `check` runs them all at once
 * on the thread pool after each read of the live state, so the pure diff only
 * looks answers up. Answers are kept for the life of the provider, keyed by
 * the verifier and a hash of the password, never the password itself.
 */
class Passwords {
    secrets;
    answers = new Map();
    constructor(secrets) {
        this.secrets = secrets;
    }
    /** The role's password, or undefined when the file leaves it unmanaged. */
    read(role) {
        if (!role.password)
            return undefined;
        const { ref, path } = role.password;
        if (typeof ref === 'string') {
            throw new errors/* ToolError */.v(`${(0,model_path/* formatPath */.jV)(path)}: a password must be a reference ({ fromEnv } or { fromFile }), never written in the file`);
        }
        return this.secrets.resolve(ref, (0,model_path/* formatPath */.jV)(path));
    }
    /** Checks every declared password against the live verifier of its role, in parallel. */
    async check(roles, verifiers) {
        await Promise.all(roles.map(async (role) => {
            const verifier = verifiers.get(role.user)?.verifier ?? null;
            const password = this.read(role);
            if (verifier === null || password === undefined)
                return;
            const key = answerKey(verifier, password);
            if (!this.answers.has(key))
                this.answers.set(key, await verifierMatches(verifier, password));
        }));
    }
    /** Whether `password` made `verifier`: the answer `check` found, or (for a live state it did not see) computed now. */
    matches(verifier, password) {
        if (verifier === null)
            return false;
        const key = answerKey(verifier, password);
        let answer = this.answers.get(key);
        if (answer === undefined) {
            answer = verifierMatchesSync(verifier, password);
            this.answers.set(key, answer);
        }
        return answer;
    }
}
function answerKey(verifier, password) {
    return `${verifier}\0${(0,external_node_crypto_.createHash)('sha256').update(password).digest('base64')}`;
}

;// CONCATENATED MODULE: ./lib/providers/postgres/index.js








/**
 * The `postgres` provider: a self-managed PostgreSQL reached over SQL with a
 * superuser admin URL. Per integration it manages a login role (marked by a
 * comment), exactly the declared privileges, and the role's lines in
 * pg_hba.conf. Every operation opens its own connections and closes them.
 */
const createPostgresProvider = (config, context) => {
    if (config.provider.kind !== 'postgres')
        throw new errors/* ToolError */.v(`provider.kind: ${config.provider.kind} is not postgres`);
    const settings = config.provider;
    const passwords = new Passwords(context.secrets);
    /** With provider.ca, inspect also tells whether that CA signed the served certificate. */
    function caOption() {
        return settings.ca ? { ca: { certificatePem: resolvePostgresCaCertificate(settings, context.secrets) } } : {};
    }
    async function withSession(use) {
        const session = Session.open(settings, context.secrets);
        try {
            return await use(session);
        }
        finally {
            await session.close();
        }
    }
    const provider = {
        kind: 'postgres',
        async inspect(scope) {
            const states = scope.map(desiredState);
            const live = await withSession((session) => inspect(session, states, caOption()));
            await passwords.check(states.flatMap((state) => state.roles), live.roles);
            return live;
        },
        diff(desired, live) {
            return planChanges(desiredState(desired), live, passwords, context.now()).map((planned) => planned.change);
        },
        notices(desired, live) {
            return live.certificate ? certificateNotices(desired, live.certificate, context.now()) : [];
        },
        async apply(desired, options) {
            const state = desiredState(desired);
            return withSession((session) => applyDesired(session, state, {
                passwords, secrets: context.secrets, options, log: context.log, now: context.now, caCertificate: caOption().ca,
            }));
        },
        async caCertificate() {
            return resolvePostgresCaCertificate(settings, context.secrets);
        },
        async close() { },
    };
    return provider;
};


/***/ })

};
