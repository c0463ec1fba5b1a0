export const id = 404;
export const ids = [404];
export const modules = {

/***/ 23:
/***/ ((__unused_webpack___webpack_module__, __webpack_exports__, __webpack_require__) => {

// ESM COMPAT FLAG
__webpack_require__.r(__webpack_exports__);

// EXPORTS
__webpack_require__.d(__webpack_exports__, {
  DEFAULT_API_URL: () => (/* binding */ DEFAULT_API_URL),
  createSkysqlProvider: () => (/* binding */ createSkysqlProvider),
  skysqlProviderFactory: () => (/* binding */ skysqlProviderFactory)
});

// EXTERNAL MODULE: ./lib/errors.js
var lib_errors = __webpack_require__(452);
;// CONCATENATED MODULE: ./lib/providers/skysql/api.js

const SERVICES = '/provisioning/v1/services';
const NEXT_PAGE = 'X-SkySQL-Page-Token-Next';
/** The few SkySQL operations dbfence uses, over the transport. */
class SkysqlApi {
    http;
    pageSize;
    constructor(http, pageSize) {
        this.http = http;
        this.pageSize = pageSize;
    }
    /** Every service of the account, following the paging tokens. */
    async listServices() {
        const services = [];
        const seen = new Set();
        let token;
        do {
            const { body, headers } = await this.http.request('GET', SERVICES, {
                query: { page_size: String(this.pageSize), page_token: token },
            });
            if (!Array.isArray(body))
                throw new lib_errors/* ToolError */.v(`SkySQL GET ${SERVICES}: expected a list of services`);
            services.push(...body.map((raw) => readService(raw, `GET ${SERVICES}`)));
            token = headers.get(NEXT_PAGE) || undefined;
            // A token handed out twice would page forever.
            if (token !== undefined) {
                if (seen.has(token))
                    throw new lib_errors/* ToolError */.v(`SkySQL GET ${SERVICES}: the API returned the same page token twice`);
                seen.add(token);
            }
        } while (token !== undefined);
        return services;
    }
    async getService(id) {
        const path = `${SERVICES}/${encodeURIComponent(id)}`;
        const { body } = await this.http.request('GET', path);
        return readService(body, `GET ${path}`);
    }
    /** Replaces the whole allowlist of the service's primary endpoint in one call. */
    async replaceAllowlist(id, items) {
        await this.http.request('PUT', `${SERVICES}/${encodeURIComponent(id)}/security/allowlist`, { body: items });
    }
    /** Changes the mechanism or the allowed accounts of the service's primary endpoint. */
    async modifyPrimaryEndpoint(id, endpoint) {
        await this.http.request('PATCH', `${SERVICES}/${encodeURIComponent(id)}/endpoints`, { body: [endpoint] });
    }
}
function readService(raw, where) {
    const service = raw;
    if (typeof service !== 'object' || service === null || typeof service.id !== 'string' || typeof service.name !== 'string' || typeof service.status !== 'string') {
        throw new lib_errors/* ToolError */.v(`SkySQL ${where}: a service without id, name or status in the answer`);
    }
    return service;
}

// EXTERNAL MODULE: ./lib/model/path.js
var model_path = __webpack_require__(3070);
// EXTERNAL MODULE: ./lib/net/cidr.js
var net_cidr = __webpack_require__(249);
;// CONCATENATED MODULE: ./lib/providers/skysql/allowlist.js



/** "IPv4 addresses and IPv4 netblocks", at most 30 per service, 200 on GCP (SkySQL firewall docs). */
function maxAllowlistEntries(cloud) {
    return cloud === 'gcp' ? 200 : 30;
}
/** A live entry; a bare address reads as its /32, anything unparsable stays as written. */
function liveAllowlistEntry(item) {
    const parsed = (0,net_cidr/* parseCidr */.GN)(item.ip);
    const cidr = parsed.ok && !parsed.network.hostBitsSet ? parsed.network.canonical : item.ip;
    return { cidr, comment: item.comment ?? '' };
}
/**
 * The file's allow entries as SkySQL takes them, or a ToolError naming the
 * entry SkySQL would refuse. The lint rule `provider-limits` reports the same
 * problems earlier; here the limit follows the cloud the service really runs on.
 */
function desiredAllowlist(entries, path, service, cloud) {
    const max = maxAllowlistEntries(cloud);
    if (entries.length > max) {
        throw new lib_errors/* ToolError */.v(`${(0,model_path/* formatPath */.jV)(path)}: SkySQL${cloud ? ` on ${cloud.toUpperCase()}` : ''} takes at most ${max} allowlist entries; ${service} has ${entries.length}`);
    }
    return entries.map((entry, index) => {
        const where = (0,model_path/* formatPath */.jV)([...path, index, 'cidr']);
        const parsed = (0,net_cidr/* parseCidr */.GN)(entry.cidr);
        if (!parsed.ok)
            throw new lib_errors/* ToolError */.v(`${where}: ${entry.cidr} is not a CIDR: ${parsed.reason}`);
        if (parsed.network.family !== 'ipv4')
            throw new lib_errors/* ToolError */.v(`${where}: SkySQL filters IPv4 only; ${entry.cidr} is IPv6`);
        if (parsed.network.hostBitsSet)
            throw new lib_errors/* ToolError */.v(`${where}: SkySQL requires the network address: write ${parsed.network.canonical}`);
        return { cidr: parsed.network.canonical, comment: entry.description ?? '' };
    });
}
function toAllowListItems(entries) {
    return entries.map((entry) => ({ ip: entry.cidr, comment: entry.comment }));
}
function sameAllowlist(a, b) {
    return describeAllowlistChange(a, b) === undefined;
}
/** "add 1.2.3.4/32 (office); remove 5.6.7.0/24; comment of 9.9.9.9/32 "a" → "b"", or undefined when equal. Order does not matter. */
function describeAllowlistChange(before, after) {
    const was = new Map(before.map((entry) => [entry.cidr, entry.comment]));
    const will = new Map(after.map((entry) => [entry.cidr, entry.comment]));
    const added = [...will].filter(([cidr]) => !was.has(cidr)).map(([cidr, comment]) => (comment ? `${cidr} (${comment})` : cidr));
    const removed = [...was.keys()].filter((cidr) => !will.has(cidr));
    const recommented = [...will]
        .filter(([cidr, comment]) => was.has(cidr) && was.get(cidr) !== comment)
        .map(([cidr, comment]) => `${cidr} ${JSON.stringify(was.get(cidr))} → ${JSON.stringify(comment)}`);
    const parts = [
        added.length > 0 ? `add ${added.join(', ')}` : undefined,
        removed.length > 0 ? `remove ${removed.join(', ')}` : undefined,
        recommented.length > 0 ? `change the comment of ${recommented.join(', ')}` : undefined,
    ].filter((part) => part !== undefined);
    return parts.length > 0 ? parts.join('; ') : undefined;
}

;// CONCATENATED MODULE: ./lib/providers/skysql/live.js

/**
 * One paged listing of the account's services: the list carries every
 * service's endpoints, allowlist and allowed accounts, so no service needs a
 * request of its own.
 */
async function inspectServices(api, scope) {
    const names = new Set(scope.flatMap((config) => config.databases.map((database) => database.name)));
    if (names.size === 0)
        return { services: [], listed: 0 };
    const all = await api.listServices();
    return { services: all.filter((service) => names.has(service.name)).map(toLiveService), listed: all.length };
}
function toLiveService(service) {
    const primary = service.endpoints?.[0];
    return {
        id: service.id,
        name: service.name,
        status: service.status,
        ...(service.provider ? { cloud: service.provider } : {}),
        ...(primary
            ? {
                endpoint: {
                    mechanism: primary.mechanism === 'privatelink' ? 'privateconnect' : primary.mechanism ?? 'nlb',
                    allowlist: (primary.allow_list ?? []).map(liveAllowlistEntry),
                    allowedAccounts: [...(primary.allowed_accounts ?? [])],
                },
            }
            : {}),
    };
}

;// CONCATENATED MODULE: ./lib/providers/skysql/options.js
const MINUTE = 60_000;
const DEFAULT_OPTIONS = {
    // The official Terraform provider retries a busy service every 10 s for up to 30 min.
    pollIntervalMs: 10_000,
    readyTimeoutMs: 30 * MINUTE,
    pendingRetryMs: 10_000,
    pendingTimeoutMs: 30 * MINUTE,
    requestTimeoutMs: 30_000,
    maxRetries: 5,
    retryDelayMs: 2_000,
    maxRetryAfterMs: 2 * MINUTE,
    pageSize: 100,
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};
function formatDuration(ms) {
    if (ms < 1_000)
        return `${ms}ms`;
    const seconds = Math.round(ms / 1_000);
    if (seconds < 60)
        return `${seconds}s`;
    return seconds % 60 === 0 ? `${seconds / 60}m` : `${Math.floor(seconds / 60)}m${seconds % 60}s`;
}

;// CONCATENATED MODULE: ./lib/providers/skysql/wait.js



/**
 * Polls the service until it has settled after a change: `ready` (or
 * `stopped`, for a service that was stopped before, as the official Terraform
 * provider reads it) and showing what `shows` expects, so an answer read
 * before the API started the change does not count. `failed` is final.
 */
async function waitUntilSettled(deps, service, shows) {
    const { api, options } = deps;
    const label = `SkySQL service ${service.name} (${service.id})`;
    const started = deps.now().getTime();
    let lastState = '';
    for (;;) {
        const raw = await api.getService(service.id);
        if (raw.status === 'failed') {
            const errors = (raw.errors ?? []).filter((error) => typeof error === 'string' && error !== '');
            throw new lib_errors/* ToolError */.v(`${label} failed after the change${errors.length > 0 ? `: ${errors.join('; ')}` : ''}`);
        }
        const current = toLiveService(raw);
        const settled = current.status === 'ready' || current.status === 'stopped';
        if (settled && shows.test(current))
            return;
        const state = settled ? `${current.status} but not yet showing ${shows.what}` : current.status;
        const waited = deps.now().getTime() - started;
        if (waited + options.pollIntervalMs > options.readyTimeoutMs) {
            throw new lib_errors/* ToolError */.v(`${label} is still ${state} after ${formatDuration(waited)}: the change was sent but did not settle within ${formatDuration(options.readyTimeoutMs)}; check the service in the SkySQL portal`);
        }
        if (state !== lastState)
            deps.log(`skysql: waiting for ${service.name} to be ready (${state})`);
        lastState = state;
        await options.sleep(options.pollIntervalMs);
    }
}

;// CONCATENATED MODULE: ./lib/providers/skysql/apply.js



/**
 * Runs the steps in order, one request each (the allowlist as one PUT of the
 * whole list), waiting for the service to settle after each. Destructive
 * steps are refused up front unless allowed, so a refusal applies nothing.
 * The first failure stops the run; the steps after it are reported skipped.
 */
async function applySteps(steps, deps, allowDestructive) {
    const destructive = steps.filter((step) => step.change.destructive || step.change.disruptive);
    if (destructive.length > 0 && !allowDestructive) {
        const list = destructive.map((step) => `${step.change.address}: ${step.change.reason}`).join('; ');
        throw new lib_errors/* ToolError */.v(`nothing was applied: the plan has destructive changes that were not allowed (${list}); review them and apply again allowing destructive changes`);
    }
    const outcomes = [];
    let failed = false;
    for (const step of steps) {
        if (failed) {
            outcomes.push({ change: step.change, status: 'skipped' });
            continue;
        }
        try {
            await run(step.operation, deps);
            outcomes.push({ change: step.change, status: 'applied' });
            deps.log(`skysql: applied ${step.change.address}`);
        }
        catch (error) {
            if (!(error instanceof lib_errors/* ToolError */.v))
                throw error;
            failed = true;
            outcomes.push({ change: step.change, status: 'failed', error: error.message });
        }
    }
    return { outcomes, ok: !failed };
}
async function run(operation, deps) {
    const { service } = operation;
    if (operation.kind === 'allowlist') {
        deps.log(`skysql: replacing the allowlist of ${service.name} (${operation.items.length} ${operation.items.length === 1 ? 'entry' : 'entries'})`);
        await deps.api.replaceAllowlist(service.id, operation.items);
        const expected = operation.items.map(liveAllowlistEntry);
        await waitUntilSettled(deps, service, {
            what: 'the new allowlist',
            test: (current) => sameAllowlist(current.endpoint?.allowlist ?? [], expected),
        });
        return;
    }
    const { mechanism, allowed_accounts: accounts = [] } = operation.endpoint;
    deps.log(mechanism === service.endpoint?.mechanism
        ? `skysql: setting the allowed accounts of ${service.name}`
        : `skysql: switching ${service.name} to ${mechanism === 'nlb' ? 'public (nlb)' : 'private connect'}; its open connections drop`);
    await deps.api.modifyPrimaryEndpoint(service.id, operation.endpoint);
    await waitUntilSettled(deps, service, {
        what: mechanism === 'nlb' ? 'the public endpoint' : 'the private endpoint with its allowed accounts',
        test: (current) => current.endpoint?.mechanism === mechanism &&
            (mechanism === 'nlb' || sameSet(current.endpoint.allowedAccounts, accounts)),
    });
}
function sameSet(a, b) {
    const left = new Set(a);
    const right = new Set(b);
    return left.size === right.size && [...left].every((item) => right.has(item));
}

;// CONCATENATED MODULE: ./lib/providers/skysql/certificate.js

/**
 * SkySQL has no CA of its own to hand out: "SSL/TLS certificates and
 * encryption settings are not customer-configurable", and clients verify with
 * --ssl-verify-server-cert and no CA bundle (MariaDB Cloud encryption and
 * connection docs), i.e. the certificates chain to a public CA.
 */
function caCertificate() {
    return Promise.reject(new lib_errors/* ToolError */.v('SkySQL serves certificates signed by a public certificate authority: clients verify them against the system trust store (e.g. mariadb --ssl-verify-server-cert), so there is no SkySQL CA certificate to fetch'));
}

;// CONCATENATED MODULE: ./lib/providers/skysql/desired.js


/**
 * The live service a database of the file names. `databases[].name` is the
 * SkySQL service name; dbfence manages existing services and never creates one.
 */
function serviceOf(database, databasePath, live) {
    const matches = live.services.filter((service) => service.name === database.name);
    const where = (0,model_path/* formatPath */.jV)([...databasePath, 'name']);
    if (matches.length === 0) {
        throw new lib_errors/* ToolError */.v(`${where}: no SkySQL service is named ${database.name} (the API key sees ${live.listed} services); dbfence manages existing services and does not create them`);
    }
    if (matches.length > 1) {
        throw new lib_errors/* ToolError */.v(`${where}: ${matches.length} SkySQL services are named ${database.name} (${matches.map((service) => service.id).join(', ')}); dbfence cannot tell which one the file means`);
    }
    return matches[0];
}
/**
 * The one endpoint the file declares for a service, or undefined when it
 * declares none (the service's endpoint is then left alone). A SkySQL service
 * has one endpoint mechanism: public (nlb) or private (privateconnect); the
 * paid second public endpoint is not managed in v1.
 */
function declaredEndpoint(database, databasePath) {
    const endpoints = database.endpoints ?? [];
    if (endpoints.length > 1) {
        throw new lib_errors/* ToolError */.v(`${(0,model_path/* formatPath */.jV)([...databasePath, 'endpoints'])}: a SkySQL service has one endpoint, public (nlb) or private (privateconnect); ${database.name} declares ${endpoints.length}`);
    }
    const endpoint = endpoints[0];
    return endpoint ? { endpoint, path: [...databasePath, 'endpoints', 0] } : undefined;
}
/** The accounts of a private endpoint, without repeats; SkySQL requires at least one. */
function declaredAccounts(endpoint, path) {
    const accounts = [...new Set(endpoint.allowedAccounts ?? [])];
    if (accounts.length === 0) {
        throw new lib_errors/* ToolError */.v(`${(0,model_path/* formatPath */.jV)(path)}: SkySQL private connect requires allowed accounts; ${endpoint.name} names none`);
    }
    return accounts;
}

;// CONCATENATED MODULE: ./lib/providers/skysql/diff.js




/**
 * The steps that make the live services match the file, in the order they must
 * run: a switch to public comes before the allowlist the new endpoint needs.
 * Pure: no request, no clock.
 */
function planSteps(config, live) {
    return config.databases.flatMap((database, index) => stepsFor(database, ['databases', index], live));
}
function stepsFor(database, databasePath, live) {
    const service = serviceOf(database, databasePath, live);
    const declared = declaredEndpoint(database, databasePath);
    if (!declared)
        return [];
    const { endpoint, path } = declared;
    const current = service.endpoint;
    if (!current) {
        throw new lib_errors/* ToolError */.v(`${(0,model_path/* formatPath */.jV)(path)}: SkySQL service ${service.name} has no endpoint yet (status ${service.status}); plan again once it is ready`);
    }
    if (current.mechanism !== 'nlb' && current.mechanism !== 'privateconnect') {
        throw new lib_errors/* ToolError */.v(`${(0,model_path/* formatPath */.jV)(path)}: SkySQL service ${service.name} uses the endpoint mechanism ${current.mechanism}, which dbfence does not manage`);
    }
    const address = `${database.name}/${endpoint.name}`;
    if (endpoint.exposure === 'private') {
        const accounts = declaredAccounts(endpoint, path);
        const operation = { kind: 'endpoint', service, endpoint: { mechanism: 'privateconnect', allowed_accounts: accounts, visibility: 'private' } };
        if (current.mechanism === 'nlb') {
            const cleared = current.allowlist.length;
            return [{
                    operation,
                    change: {
                        address: `skysql.endpoint.${address}`,
                        resource: 'endpoint',
                        action: 'replace',
                        reason: `switches ${service.name} from public (nlb) to private connect for ${accounts.join(', ')}: SkySQL recreates the endpoint, open connections drop, and the IP allowlist (${cleared} ${cleared === 1 ? 'entry' : 'entries'}) is cleared`,
                        destructive: true,
                        before: { mechanism: 'nlb', allowlist: current.allowlist },
                        after: { mechanism: 'privateconnect', allowedAccounts: accounts },
                        path: [...path, 'exposure'],
                    },
                }];
        }
        const accountsChange = describeSetChange(current.allowedAccounts, accounts);
        if (accountsChange === undefined)
            return [];
        return [{
                operation,
                change: {
                    address: `skysql.allowed-accounts.${address}`,
                    resource: 'allowed-accounts',
                    action: 'update',
                    reason: `allowed accounts of ${service.name}: ${accountsChange}`,
                    destructive: false,
                    before: current.allowedAccounts,
                    after: accounts,
                    path: [...path, 'allowedAccounts'],
                },
            }];
    }
    const allowPath = [...path, 'allow'];
    const allowlist = desiredAllowlist(endpoint.allow ?? [], allowPath, service.name, service.cloud);
    const steps = [];
    let before = current.allowlist;
    if (current.mechanism === 'privateconnect') {
        steps.push({
            operation: { kind: 'endpoint', service, endpoint: { mechanism: 'nlb', visibility: 'public' } },
            change: {
                address: `skysql.endpoint.${address}`,
                resource: 'endpoint',
                action: 'replace',
                reason: `switches ${service.name} from private connect to public (nlb): SkySQL recreates the endpoint, open connections drop, the allowed accounts (${current.allowedAccounts.join(', ') || 'none'}) lose access, and the new endpoint starts with an empty allowlist`,
                destructive: true,
                before: { mechanism: 'privateconnect', allowedAccounts: current.allowedAccounts },
                after: { mechanism: 'nlb' },
                path: [...path, 'exposure'],
            },
        });
        // SkySQL cleared the allowlist when private connect was enabled and does not restore it.
        before = [];
    }
    const allowlistChange = describeAllowlistChange(before, allowlist);
    if (allowlistChange !== undefined) {
        steps.push({
            operation: { kind: 'allowlist', service, items: toAllowListItems(allowlist) },
            change: {
                address: `skysql.allowlist.${address}`,
                resource: 'allowlist',
                action: 'update',
                reason: `allowlist of ${service.name}: ${allowlistChange}`,
                destructive: false,
                before,
                after: allowlist,
                path: endpoint.allow ? allowPath : path,
            },
        });
    }
    return steps;
}
function describeSetChange(before, after) {
    const added = after.filter((item) => !before.includes(item));
    const removed = before.filter((item) => !after.includes(item));
    const parts = [
        added.length > 0 ? `add ${added.join(', ')}` : undefined,
        removed.length > 0 ? `remove ${removed.join(', ')}` : undefined,
    ].filter((part) => part !== undefined);
    return parts.length > 0 ? parts.join('; ') : undefined;
}

;// CONCATENATED MODULE: ./lib/providers/skysql/api-error.js
/** The human part of an `errr.ErrorResponse` body, or undefined when the body is not one. */
function errorMessageOf(text) {
    let body;
    try {
        body = JSON.parse(text);
    }
    catch {
        return undefined;
    }
    if (typeof body !== 'object' || body === null)
        return undefined;
    const first = Array.isArray(body.errors) ? body.errors[0] : undefined;
    const message = first?.message ?? first?.error ?? body.exception;
    if (typeof message !== 'string' || message.trim() === '')
        return undefined;
    return typeof first?.solution === 'string' && first.solution !== '' ? `${message} (${first.solution})` : message;
}
/**
 * A mutation refused because the service is busy with an earlier one: today a
 * 400 "service modification not allowed while service is in a pending state",
 * a 409 Conflict on newer builds (as the official Terraform provider reads it).
 */
function isPendingRejection(status, message) {
    return status === 409 || (status === 400 && message !== undefined && /pending state/i.test(message));
}

;// CONCATENATED MODULE: ./lib/providers/skysql/http.js



const TRANSIENT_STATUSES = new Set([429, 502, 503, 504]);
/**
 * The transport: `X-API-Key` auth, a timeout per request, bounded retries of
 * rate limits and transient failures (honouring Retry-After), retries of a
 * busy service until a deadline, and one-line ToolErrors naming the request.
 * Every message passes through `redact`, so not even an API echoing the key
 * back can put it in a log or an error.
 */
class SkysqlHttp {
    config;
    base;
    key;
    constructor(config) {
        this.config = config;
        try {
            // A trailing slash makes request paths resolve under any path prefix of the URL.
            this.base = new URL(config.baseUrl.endsWith('/') ? config.baseUrl : `${config.baseUrl}/`);
        }
        catch {
            throw new lib_errors/* ToolError */.v(`provider.apiUrl: ${config.baseUrl} is not a URL`);
        }
    }
    async request(method, path, init = {}) {
        const label = `SkySQL ${method} ${path}`;
        const { options } = this.config;
        const started = this.config.now().getTime();
        let retries = 0;
        for (;;) {
            const attempt = await this.attempt(method, path, init, label);
            switch (attempt.kind) {
                case 'ok':
                    return { body: parseBody(attempt.text, label), headers: attempt.response.headers };
                case 'fatal':
                    throw new lib_errors/* ToolError */.v(this.redact(attempt.message));
                case 'busy': {
                    const waited = this.config.now().getTime() - started;
                    if (waited + options.pendingRetryMs > options.pendingTimeoutMs) {
                        throw new lib_errors/* ToolError */.v(this.redact(`${label}: the service stayed busy with an earlier change for ${formatDuration(waited)} (${attempt.detail}); try again once it is ready`));
                    }
                    this.config.log(this.redact(`skysql: the service is busy with an earlier change; retrying ${method} ${path} in ${formatDuration(options.pendingRetryMs)}`));
                    await options.sleep(options.pendingRetryMs);
                    break;
                }
                case 'transient': {
                    if (retries >= options.maxRetries) {
                        throw new lib_errors/* ToolError */.v(this.redact(`${label}: ${attempt.what}, still after ${options.maxRetries} retries`));
                    }
                    const wait = attempt.retryAfterMs ?? options.retryDelayMs * 2 ** retries;
                    if (wait > options.maxRetryAfterMs) {
                        throw new lib_errors/* ToolError */.v(this.redact(`${label}: ${attempt.what}, and the API asks to wait ${formatDuration(wait)}, longer than the ${formatDuration(options.maxRetryAfterMs)} dbfence waits`));
                    }
                    retries += 1;
                    this.config.log(this.redact(`skysql: ${attempt.what} on ${method} ${path}; retry ${retries} of ${options.maxRetries} in ${formatDuration(wait)}`));
                    await options.sleep(wait);
                    break;
                }
            }
        }
    }
    async attempt(method, path, init, label) {
        const url = new URL(path.replace(/^\//, ''), this.base);
        for (const [name, value] of Object.entries(init.query ?? {})) {
            if (value !== undefined)
                url.searchParams.set(name, value);
        }
        const headers = { 'X-API-Key': this.apiKey(), Accept: 'application/json' };
        if (init.body !== undefined)
            headers['Content-Type'] = 'application/json';
        let response;
        let text;
        try {
            response = await fetch(url, {
                method,
                headers,
                body: init.body === undefined ? undefined : JSON.stringify(init.body),
                signal: AbortSignal.timeout(this.config.options.requestTimeoutMs),
            });
            text = await response.text();
        }
        catch (error) {
            return { kind: 'transient', what: describeFetchFailure(error, this.config.options.requestTimeoutMs) };
        }
        if (response.ok)
            return { kind: 'ok', response, text };
        const message = errorMessageOf(text);
        const status = `${response.status}${response.statusText ? ` ${response.statusText}` : ''}`;
        if (TRANSIENT_STATUSES.has(response.status)) {
            return {
                kind: 'transient',
                what: `${status}${message ? ` (${message})` : ''}`,
                retryAfterMs: retryAfterMs(response.headers.get('retry-after'), this.config.now().getTime()),
            };
        }
        if (isPendingRejection(response.status, message))
            return { kind: 'busy', detail: `${status}${message ? `: ${message}` : ''}` };
        const detail = message ? `: ${message}` : '';
        switch (response.status) {
            case 401:
                return { kind: 'fatal', message: `SkySQL rejected the API key from ${this.config.keySource} (${status} on ${method} ${path})${detail}; check that the key is valid and not expired` };
            case 403:
                return { kind: 'fatal', message: `the API key from ${this.config.keySource} may not ${method} ${path} (${status})${detail}` };
            default:
                return { kind: 'fatal', message: `${label} failed: ${status}${detail}` };
        }
    }
    apiKey() {
        this.key ??= this.config.apiKey();
        return this.key;
    }
    redact(message) {
        return this.key ? message.split(this.key).join('[redacted]') : message;
    }
}
function parseBody(text, label) {
    if (text.trim() === '')
        return null;
    try {
        return JSON.parse(text);
    }
    catch {
        throw new lib_errors/* ToolError */.v(`${label}: the answer is not JSON`);
    }
}
/** Retry-After is delay-seconds or an HTTP date. */
function retryAfterMs(value, now) {
    if (value === null)
        return undefined;
    const trimmed = value.trim();
    if (/^\d+$/.test(trimmed))
        return Number(trimmed) * 1_000;
    const at = Date.parse(trimmed);
    return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}
function describeFetchFailure(error, timeoutMs) {
    if (error instanceof Error && error.name === 'TimeoutError')
        return `no answer within ${formatDuration(timeoutMs)}`;
    const cause = error instanceof Error ? error.cause : undefined;
    return `network error (${cause?.code ?? cause?.message ?? (error instanceof Error ? error.message : String(error))})`;
}

;// CONCATENATED MODULE: ./lib/providers/skysql/index.js








const DEFAULT_API_URL = 'https://api.skysql.com';
/** A SkySQL provider factory with other timings and bounds (tests run the slow paths in milliseconds). */
function skysqlProviderFactory(overrides = {}) {
    const options = { ...DEFAULT_OPTIONS, ...overrides };
    return (config, context) => {
        const settings = config.provider;
        if (settings.kind !== 'skysql')
            throw new lib_errors/* ToolError */.v(`the skysql provider cannot manage a ${settings.kind} file`);
        const http = new SkysqlHttp({
            baseUrl: settings.apiUrl ?? DEFAULT_API_URL,
            apiKey: () => context.secrets.resolve(settings.apiKey, 'provider.apiKey'),
            keySource: describeSecretRef(settings.apiKey),
            options,
            now: () => context.now(),
            log: (message) => context.log(message),
        });
        const api = new SkysqlApi(http, options.pageSize);
        const deps = { api, options, now: () => context.now(), log: (message) => context.log(message) };
        return {
            kind: 'skysql',
            inspect: (scope) => inspectServices(api, scope),
            diff: (desired, live) => planSteps(desired, live).map((step) => step.change),
            notices: () => [],
            async apply(desired, { allowDestructive }) {
                const live = await inspectServices(api, [desired]);
                return applySteps(planSteps(desired, live), deps, allowDestructive);
            },
            caCertificate: caCertificate,
            close: async () => { },
        };
    };
}
const createSkysqlProvider = skysqlProviderFactory();
function describeSecretRef(ref) {
    return 'fromEnv' in ref ? `the environment variable ${ref.fromEnv}` : `the file ${ref.fromFile}`;
}


/***/ })

};
