export const id = 804;
export const ids = [804];
export const modules = {

/***/ 3804:
/***/ ((__unused_webpack___webpack_module__, __webpack_exports__, __webpack_require__) => {

// ESM COMPAT FLAG
__webpack_require__.r(__webpack_exports__);

// EXPORTS
__webpack_require__.d(__webpack_exports__, {
  DEFAULT_API_URL: () => (/* binding */ DEFAULT_API_URL),
  aptibleProvider: () => (/* binding */ aptibleProvider),
  createAptibleProvider: () => (/* binding */ createAptibleProvider)
});

// EXTERNAL MODULE: ./lib/errors.js
var errors = __webpack_require__(452);
// EXTERNAL MODULE: ./lib/package-info.js
var package_info = __webpack_require__(8224);
;// CONCATENATED MODULE: ./lib/providers/aptible/hal.js

function malformed(what, detail) {
    return new errors/* ToolError */.v(`Aptible API: unexpected response for ${what}: ${detail}`);
}
function optionalLink(resource, rel) {
    const href = resource._links?.[rel]?.href;
    return typeof href === 'string' && href !== '' ? href : undefined;
}
function hal_link(resource, rel, what) {
    const href = optionalLink(resource, rel);
    if (href === undefined)
        throw malformed(what, `no _links.${rel}`);
    return href;
}
/** The items of one page of a list response (`_embedded.<collection>`). */
function embeddedList(page, collection, what) {
    const items = page._embedded?.[collection];
    if (!Array.isArray(items))
        throw malformed(what, `no _embedded.${collection}`);
    return items.filter((item) => item !== null && typeof item === 'object');
}
function stringField(resource, name, what) {
    const value = resource[name];
    if (typeof value !== 'string')
        throw malformed(what, `${name} is not a string`);
    return value;
}
function optionalString(resource, name) {
    const value = resource[name];
    return typeof value === 'string' && value !== '' ? value : undefined;
}
function numberField(resource, name, what) {
    const value = resource[name];
    if (typeof value !== 'number')
        throw malformed(what, `${name} is not a number`);
    return value;
}
function stringList(resource, name, what) {
    const value = resource[name] ?? [];
    if (!Array.isArray(value) || !value.every((item) => typeof item === 'string')) {
        throw malformed(what, `${name} is not a list of strings`);
    }
    return value;
}

// EXTERNAL MODULE: ./lib/net/cidr.js
var cidr = __webpack_require__(249);
;// CONCATENATED MODULE: ./lib/providers/aptible/ip-filter.js

/**
 * One filter entry written canonically, so `1.2.3.4` and `1.2.3.4/32` are the
 * same source. Text the strict parser refuses is compared as written.
 */
function canonical(entry) {
    const parsed = (0,cidr/* parseCidr */.GN)(entry.trim());
    return parsed.ok ? parsed.network.canonical : entry.trim();
}
/** What the file asks Aptible to store: the allow entries as written. */
function declaredFilter(endpoint) {
    return (endpoint.allow ?? []).map((entry) => entry.cidr.trim());
}
/** The sources `desired` admits that `live` does not, and the other way round; order and spelling aside. */
function filterDelta(live, desired) {
    const liveSet = new Set(live.map(canonical));
    const desiredSet = new Set(desired.map(canonical));
    return {
        added: [...desiredSet].filter((entry) => !liveSet.has(entry)),
        removed: [...liveSet].filter((entry) => !desiredSet.has(entry)),
    };
}
function sameFilter(live, desired) {
    const delta = filterDelta(live, desired);
    return delta.added.length === 0 && delta.removed.length === 0;
}

;// CONCATENATED MODULE: ./lib/providers/aptible/live.js

function toLiveEndpoint(vhost) {
    const what = `vhost ${String(vhost.id)}`;
    return {
        id: numberField(vhost, 'id', what),
        href: hal_link(vhost, 'self', what),
        operationsHref: hal_link(vhost, 'operations', what),
        serviceHref: hal_link(vhost, 'service', what),
        type: stringField(vhost, 'type', what),
        internal: vhost.internal === true,
        hostname: optionalString(vhost, 'external_host'),
        status: stringField(vhost, 'status', what),
        ipWhitelist: stringList(vhost, 'ip_whitelist', what),
    };
}
function toLiveDatabase(database, endpoints) {
    const what = `database ${String(database.handle ?? database.id)}`;
    return {
        id: numberField(database, 'id', what),
        handle: stringField(database, 'handle', what),
        type: stringField(database, 'type', what),
        status: stringField(database, 'status', what),
        href: hal_link(database, 'self', what),
        operationsHref: hal_link(database, 'operations', what),
        serviceHref: optionalLink(database, 'service'),
        endpoints,
    };
}
/** Endpoints on their way out are neither kept nor removed by a plan. */
const GOING = new Set(['deprovisioning', 'deprovisioned']);
/** The endpoints dbfence manages: reachable from outside the stack and not being torn down. */
function managedEndpoints(database) {
    return database.endpoints.filter((endpoint) => !endpoint.internal && !GOING.has(endpoint.status));
}

;// CONCATENATED MODULE: ./lib/providers/aptible/pairing.js

/**
 * Aptible endpoints carry no name, so a declared endpoint is matched by its
 * hostname when the file gives one; the rest are matched to the remaining
 * endpoints whose IP filter they already equal, then in order (oldest first).
 * A file that pins every hostname is never ambiguous.
 */
function pairEndpoints(declared, live) {
    const pairing = { matched: [], missing: [], undeclared: [] };
    const free = [...live].sort((a, b) => a.id - b.id);
    const take = (predicate) => {
        const at = free.findIndex(predicate);
        return at === -1 ? undefined : free.splice(at, 1)[0];
    };
    let waiting = [];
    declared.forEach((endpoint, index) => {
        const hostname = endpoint.hostname?.toLowerCase();
        const byHost = hostname === undefined ? undefined : take((candidate) => candidate.hostname?.toLowerCase() === hostname);
        if (byHost)
            pairing.matched.push({ declared: { endpoint, index }, live: byHost });
        else
            waiting.push({ endpoint, index });
    });
    for (const pass of [
        (item) => (candidate) => sameFilter(candidate.ipWhitelist, declaredFilter(item.endpoint)),
        () => () => true,
    ]) {
        waiting = waiting.filter((item) => {
            const found = take(pass(item));
            if (found)
                pairing.matched.push({ declared: item, live: found });
            return !found;
        });
    }
    pairing.missing = waiting;
    pairing.undeclared = free;
    pairing.matched.sort((a, b) => a.declared.index - b.declared.index);
    return pairing;
}

;// CONCATENATED MODULE: ./lib/providers/aptible/steps.js




/** Endpoints that exist but never finished provisioning: a run that stopped half-way left them so. */
const UNPROVISIONED = new Set(['pending', 'provision_failed']);
/**
 * Aptible signs MySQL and PostgreSQL certificates with the environment's CA and
 * names endpoint hostnames in them only from the next restart; other types
 * serve a public certificate.
 */
const CERTIFICATE_NAMES_ENDPOINTS = new Set(['postgresql', 'mysql']);
function endpointLabel(endpoint) {
    return endpoint.hostname ?? `#${endpoint.id}`;
}
/**
 * The steps that make the live environment match `desired`, database by
 * database in file order: IP filter changes, new endpoints, the restart that
 * puts their hostnames in the certificate, then removals. Pure.
 */
function planSteps(desired, live) {
    return desired.databases.flatMap((database, d) => databaseSteps(database, d, live));
}
function databaseSteps(database, d, live) {
    const path = ['databases', d];
    const declaredEndpoints = database.endpoints ?? [];
    const current = live.databases[database.name];
    if (current === undefined || current.serviceHref === undefined) {
        if (declaredEndpoints.length === 0)
            return [];
        throw new errors/* ToolError */.v(current === undefined
            ? `database ${database.name} does not exist in the Aptible environment ${live.environment.handle}: dbfence manages the endpoints of existing databases`
            : `database ${database.name} is not provisioned on Aptible (status ${current.status}): it cannot have endpoints yet`);
    }
    const pairing = pairEndpoints(declaredEndpoints, managedEndpoints(current));
    const updates = [];
    const creates = [];
    let newHostnames = false;
    for (const { declared, live: liveEndpoint } of pairing.matched) {
        const step = matchedStep(database, d, current, declared.endpoint, declared.index, liveEndpoint);
        if (step === undefined)
            continue;
        updates.push(step);
        // An endpoint that was never provisioned gets its hostname now.
        if (liveEndpoint.hostname === undefined)
            newHostnames = true;
    }
    for (const { endpoint, index } of pairing.missing) {
        const desiredFilter = declaredFilter(endpoint);
        newHostnames = true;
        creates.push({
            change: {
                address: `aptible.endpoint.${database.name}/${endpoint.name}`,
                resource: 'endpoint', action: 'create', destructive: false,
                reason: `${endpoint.name} is declared but ${database.name} has no matching endpoint on Aptible; Aptible assigns its hostname`,
                after: { exposure: 'public', allow: desiredFilter },
                path: [...path, 'endpoints', index],
            },
            action: { kind: 'create-endpoint', database: current, serviceHref: current.serviceHref, name: endpoint.name, ipWhitelist: desiredFilter },
        });
    }
    const restart = newHostnames && CERTIFICATE_NAMES_ENDPOINTS.has(current.type)
        ? [{
                change: {
                    address: `aptible.database.${database.name}`,
                    resource: 'restart', action: 'update', destructive: false, disruptive: true,
                    reason: `the certificate of ${database.name} names a new endpoint hostname only after the database restarts; the restart interrupts its connections`,
                    path: [...path],
                },
                action: { kind: 'restart-database', database: current },
            }]
        : [];
    const removals = pairing.undeclared.map((endpoint) => ({
        change: {
            address: `aptible.endpoint.${database.name}/${endpointLabel(endpoint)}`,
            resource: 'endpoint', action: 'delete', destructive: true,
            reason: `endpoint ${endpointLabel(endpoint)} of ${database.name} is not declared: deprovisioning it cuts every connection through it`,
            before: { hostname: endpoint.hostname ?? null, allow: endpoint.ipWhitelist },
        },
        action: { kind: 'deprovision-endpoint', database: current, endpoint },
    }));
    return [...updates, ...creates, ...restart, ...removals];
}
function matchedStep(database, d, current, endpoint, index, liveEndpoint) {
    const { name } = endpoint;
    const address = `aptible.endpoint.${database.name}/${name}`;
    const endpointPath = ['databases', d, 'endpoints', index];
    const desiredFilter = declaredFilter(endpoint);
    const delta = filterDelta(liveEndpoint.ipWhitelist, desiredFilter);
    if (delta.added.length > 0 || delta.removed.length > 0) {
        const words = [
            delta.added.length > 0 ? `admits ${delta.added.join(', ')}` : '',
            delta.removed.length > 0 ? `no longer admits ${delta.removed.join(', ')}` : '',
        ].filter(Boolean);
        return {
            change: {
                address, resource: 'ip-filter', action: 'update', destructive: false,
                reason: `the IP filter of ${name} (${endpointLabel(liveEndpoint)}) ${words.join(' and ')}`,
                before: liveEndpoint.ipWhitelist, after: desiredFilter,
                path: endpoint.allow === undefined ? endpointPath : [...endpointPath, 'allow'],
            },
            action: { kind: 'set-ip-filter', database: current, endpoint: liveEndpoint, name, ipWhitelist: desiredFilter },
        };
    }
    if (UNPROVISIONED.has(liveEndpoint.status)) {
        return {
            change: {
                address, resource: 'endpoint', action: 'update', destructive: false,
                reason: `${name} (${endpointLabel(liveEndpoint)}) exists on Aptible but is ${liveEndpoint.status}: provision it`,
                before: { status: liveEndpoint.status }, after: { status: 'provisioned' },
                path: endpointPath,
            },
            action: { kind: 'provision-endpoint', database: current, endpoint: liveEndpoint, name },
        };
    }
    return undefined;
}

;// CONCATENATED MODULE: ./lib/providers/aptible/apply.js



/** Refuses the whole plan, before any change, when it holds a change that needs acknowledgement. */
function checkAcknowledged(steps, allowDestructive) {
    if (allowDestructive)
        return;
    const needing = steps.filter(({ change }) => change.destructive || change.disruptive);
    if (needing.length === 0)
        return;
    const list = needing
        .map(({ change }) => `${change.address} (${change.destructive ? 'destructive' : 'disruptive'}: ${change.reason})`)
        .join('; ');
    throw new errors/* ToolError */.v(`apply refused: ${needing.length} change${needing.length === 1 ? ' needs' : 's need'} acknowledgement (--allow-destructive): ${list}`);
}
/**
 * Carries out the steps in order, each to the end of its Aptible operation.
 * The first failure stops the run: what follows is reported as skipped.
 */
async function runSteps(steps, deps) {
    const outcomes = [];
    let failure;
    for (const step of steps) {
        if (failure !== undefined) {
            outcomes.push({ change: step.change, status: 'skipped', error: skippedBecause(step.action, failure) });
            continue;
        }
        try {
            await runAction(step.action, deps);
            outcomes.push({ change: step.change, status: 'applied' });
        }
        catch (error) {
            if (!(error instanceof errors/* ToolError */.v))
                throw error;
            failure = step.change.address;
            outcomes.push({ change: step.change, status: 'failed', error: error.message });
        }
    }
    return { outcomes, ok: failure === undefined };
}
function skippedBecause(action, failed) {
    const base = `not run: ${failed} failed first`;
    if (action.kind !== 'restart-database')
        return base;
    // The next plan cannot tell that this restart is still owed, so say it now.
    const { handle } = action.database;
    return `${base}; until ${handle} restarts, its certificate does not name endpoints created in this run (\`aptible db:restart ${handle}\`)`;
}
async function runAction(action, { client, operations, log }) {
    switch (action.kind) {
        case 'create-endpoint': {
            const what = `creating endpoint ${action.database.handle}/${action.name}`;
            const service = await client.get(action.serviceHref);
            const vhost = await client.post(hal_link(service, 'vhosts', `the service of ${action.database.handle}`), {
                type: 'tcp',
                internal: false,
                ip_whitelist: action.ipWhitelist,
            });
            await operations.run(hal_link(vhost, 'operations', what), 'provision', what);
            const provisioned = await client.get(hal_link(vhost, 'self', what));
            const hostname = optionalString(provisioned, 'external_host');
            if (hostname !== undefined) {
                log(`${action.database.handle}/${action.name} is ${hostname}: write \`hostname: ${hostname}\` under it in the file to pin it`);
            }
            return;
        }
        case 'set-ip-filter': {
            const what = `changing the IP filter of ${action.database.handle}/${action.name}`;
            await client.put(action.endpoint.href, { ip_whitelist: action.ipWhitelist });
            // The stored filter reaches the load balancer only through a provision operation.
            await operations.run(action.endpoint.operationsHref, 'provision', what);
            return;
        }
        case 'provision-endpoint':
            await operations.run(action.endpoint.operationsHref, 'provision', `provisioning endpoint ${action.database.handle}/${action.name}`);
            return;
        case 'deprovision-endpoint':
            await operations.run(action.endpoint.operationsHref, 'deprovision', `deprovisioning endpoint ${action.database.handle}/${endpointLabel(action.endpoint)}`);
            return;
        case 'restart-database':
            await operations.run(action.database.operationsHref, 'restart', `restarting database ${action.database.handle}`);
            return;
    }
}

;// CONCATENATED MODULE: ./lib/providers/aptible/retry.js
/**
 * How long to wait before trying a request again: what the API's Retry-After
 * says (seconds or an HTTP date), else an exponential back-off.
 */
function retryDelayMs(attempt, retryAfter, now, baseMs) {
    if (retryAfter !== null) {
        const text = retryAfter.trim();
        if (/^\d+$/.test(text))
            return Number(text) * 1_000;
        const at = Date.parse(text);
        if (!Number.isNaN(at))
            return Math.max(0, at - now.getTime());
    }
    return baseMs * 2 ** (attempt - 1);
}
/** 429 is safe to repeat for any method: the API did not act on the request. */
function isRetryableStatus(status, idempotent) {
    return status === 429 || (idempotent && status >= 500);
}

;// CONCATENATED MODULE: ./lib/providers/aptible/timings.js
const DEFAULT_TIMINGS = {
    requestTimeoutMs: 30_000,
    maxAttempts: 5,
    retryBaseMs: 1_000,
    maxRetryWaitMs: 60_000,
    // Between the CLI's 1 s and Terraform's 5 s.
    pollIntervalMs: 2_000,
    // Provisioning a load balancer or restarting a large database takes minutes.
    operationTimeoutMs: 30 * 60_000,
};
const realSleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
/** `90000` → `1m 30s`, for messages. */
function formatDuration(ms) {
    if (ms < 1_000)
        return `${ms}ms`;
    const seconds = Math.round(ms / 1_000);
    const minutes = Math.floor(seconds / 60);
    if (minutes === 0)
        return `${seconds}s`;
    return seconds % 60 === 0 ? `${minutes}m` : `${minutes}m ${seconds % 60}s`;
}

;// CONCATENATED MODULE: ./lib/providers/aptible/http.js




/** An error answer of the API; `status` lets callers treat a 404 as "gone". */
class AptibleApiError extends errors/* ToolError */.v {
    status;
    constructor(message, status) {
        super(message);
        this.status = status;
    }
}
// Large pages keep an environment to a few requests; the server may cap it and
// the `next` links are followed either way.
const PAGE_SIZE = 100;
const MESSAGE_LIMIT = 300;
/**
 * The Deploy API over fetch: bearer auth, HAL links kept on the API's own
 * origin, bounded retries, and errors that name the request but never the token.
 */
class AptibleClient {
    options;
    base;
    token;
    constructor(options) {
        this.options = options;
        this.base = new URL(options.apiUrl.endsWith('/') ? options.apiUrl : `${options.apiUrl}/`);
    }
    get(target) {
        return this.request('GET', target);
    }
    post(target, body) {
        return this.request('POST', target, body);
    }
    put(target, body) {
        return this.request('PUT', target, body);
    }
    /** Every item of a list, following `_links.next` from page to page. */
    async list(target, collection, query = {}) {
        const first = this.resolve(target);
        first.searchParams.set('per_page', String(PAGE_SIZE));
        for (const [key, value] of Object.entries(query))
            first.searchParams.set(key, value);
        const items = [];
        const seen = new Set();
        let next = first.href;
        while (next !== undefined) {
            const url = this.resolve(next);
            if (seen.has(url.href))
                throw new errors/* ToolError */.v(`Aptible API: the pages of ${url.pathname} loop back to ${url.search}`);
            seen.add(url.href);
            const page = await this.get(url.href);
            items.push(...embeddedList(page, collection, `GET ${url.pathname}`));
            next = optionalLink(page, 'next');
        }
        return items;
    }
    /**
     * A path of the API, or an href it returned. An href on another origin is
     * refused: following it would send the token there.
     */
    resolve(target) {
        let url;
        try {
            url = new URL(target.replace(/^\//, ''), this.base);
        }
        catch {
            throw new errors/* ToolError */.v(`Aptible API: cannot read the link ${JSON.stringify(target)}`);
        }
        if (url.origin !== this.base.origin) {
            throw new errors/* ToolError */.v(`Aptible API: a link points to ${url.origin}, outside ${this.base.origin}; refusing to send the token there`);
        }
        return url;
    }
    async request(method, target, body) {
        const url = this.resolve(target);
        const label = `${method} ${url.pathname}`;
        const idempotent = method !== 'POST';
        const { maxAttempts } = this.options.timings;
        const headers = this.headers(body !== undefined);
        for (let attempt = 1;; attempt++) {
            let response;
            try {
                response = await fetch(url, {
                    method,
                    headers,
                    body: body === undefined ? undefined : JSON.stringify(body),
                    redirect: 'manual',
                    signal: AbortSignal.timeout(this.options.timings.requestTimeoutMs),
                });
            }
            catch (error) {
                const reason = this.describeFailure(error);
                // A POST that got no answer may have been carried out: repeating it could create a second endpoint.
                if (!idempotent || attempt >= maxAttempts) {
                    throw new errors/* ToolError */.v(`Aptible API: ${label} failed: ${reason}${attempt > 1 ? ` (${attempt} attempts)` : ''}`);
                }
                await this.backOff(label, reason, attempt, null);
                continue;
            }
            if (isRetryableStatus(response.status, idempotent)) {
                await response.body?.cancel();
                const reason = response.status === 429 ? 'rate limited (429)' : `server error (${response.status})`;
                if (attempt >= maxAttempts) {
                    throw new AptibleApiError(`Aptible API: ${label} still ${reason} after ${attempt} attempts`, response.status);
                }
                await this.backOff(label, reason, attempt, response.headers.get('retry-after'));
                continue;
            }
            return this.read(response, label);
        }
    }
    headers(hasBody) {
        this.token ??= this.options.token();
        return {
            Authorization: `Bearer ${this.token}`,
            Accept: 'application/hal+json',
            // dbfence never needs credentials or connection URLs; asking for them would also log "show" activity.
            Prefer: 'no_sensitive_extras=true',
            'User-Agent': this.options.userAgent,
            ...(hasBody ? { 'Content-Type': 'application/json' } : {}),
        };
    }
    async backOff(label, reason, attempt, retryAfter) {
        const { timings } = this.options;
        const delay = retryDelayMs(attempt, retryAfter, this.options.now(), timings.retryBaseMs);
        if (delay > timings.maxRetryWaitMs) {
            throw new errors/* ToolError */.v(`Aptible API: ${label} ${reason}; the API asks to wait ${formatDuration(delay)}, longer than dbfence waits (${formatDuration(timings.maxRetryWaitMs)})`);
        }
        this.options.log(`Aptible API: ${label} ${reason}; trying again in ${formatDuration(delay)} (attempt ${attempt + 1} of ${timings.maxAttempts})`);
        await this.options.sleep(delay);
    }
    async read(response, label) {
        let text;
        try {
            text = await response.text();
        }
        catch (error) {
            throw new errors/* ToolError */.v(`Aptible API: ${label}: the answer was cut off: ${this.describeFailure(error)}`);
        }
        if (response.status >= 200 && response.status < 300) {
            if (text.trim() === '')
                return {};
            try {
                const parsed = JSON.parse(text);
                if (parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed))
                    return parsed;
            }
            catch {
                // reported below
            }
            throw new errors/* ToolError */.v(`Aptible API: ${label} answered ${response.status} with a body that is not a JSON object`);
        }
        throw new AptibleApiError(this.errorMessage(response, label, text), response.status);
    }
    errorMessage(response, label, text) {
        const { status } = response;
        if (status >= 300 && status < 400) {
            return `Aptible API: ${label} was redirected (${status}); set provider.apiUrl to the API's own address`;
        }
        const detail = this.serverDetail(text);
        if (status === 401) {
            return `Aptible rejected the token from ${this.options.tokenSource} (401 on ${label}): it is invalid or expired; make a new one with \`aptible login\``;
        }
        if (status === 403) {
            return `Aptible refused ${label} (403): the token's user lacks the permission in this environment${detail ? `: ${detail}` : ''}`;
        }
        return `Aptible API: ${label} failed with ${status}${detail ? `: ${detail}` : ''}`;
    }
    /** The `{code, error, message}` body, shortened, with the token masked should a server ever echo it. */
    serverDetail(text) {
        let detail = '';
        try {
            const body = JSON.parse(text);
            const slug = typeof body.error === 'string' ? body.error : '';
            const message = typeof body.message === 'string' ? body.message : '';
            detail = slug && message ? `${slug}: ${message}` : slug || message;
        }
        catch {
            detail = '';
        }
        if (detail.length > MESSAGE_LIMIT)
            detail = `${detail.slice(0, MESSAGE_LIMIT)}…`;
        return this.token ? detail.split(this.token).join('***') : detail;
    }
    describeFailure(error) {
        if (error instanceof DOMException && error.name === 'TimeoutError') {
            return `no answer within ${formatDuration(this.options.timings.requestTimeoutMs)}`;
        }
        const cause = error.cause;
        if (typeof cause?.code === 'string')
            return `cannot reach ${this.base.origin} (${cause.code})`;
        return `cannot reach ${this.base.origin}`;
    }
}

;// CONCATENATED MODULE: ./lib/providers/aptible/inspect.js



/** The environment (an Aptible "account") with this handle, from the list of those the token sees. */
async function findEnvironment(client, handle) {
    const accounts = await client.list('accounts', 'accounts');
    const account = accounts.find((candidate) => candidate.handle === handle);
    if (account === undefined) {
        const seen = accounts.map((candidate) => String(candidate.handle)).slice(0, 10);
        throw new errors/* ToolError */.v(`Aptible environment ${handle} not found: the token sees ${seen.length === 0 ? 'no environment' : seen.join(', ')}`);
    }
    return account;
}
/**
 * Reads the named databases of the environment and their endpoints in three
 * list walks, whatever the number of databases: environments, the
 * environment's databases, the environment's endpoints (matched to a database
 * through its service link, so no service is read one by one).
 */
async function inspectEnvironment(client, environmentHandle, databaseHandles) {
    const account = await findEnvironment(client, environmentHandle);
    const what = `environment ${environmentHandle}`;
    const [databases, vhosts] = await Promise.all([
        client.list(hal_link(account, 'databases', what), 'databases', { no_embed: 'true' }),
        client.list(hal_link(account, 'vhosts', what), 'vhosts'),
    ]);
    const endpointsByService = new Map();
    for (const vhost of vhosts) {
        const endpoint = toLiveEndpoint(vhost);
        const key = client.resolve(endpoint.serviceHref).href;
        endpointsByService.set(key, [...(endpointsByService.get(key) ?? []), endpoint]);
    }
    const live = {
        environment: { id: numberField(account, 'id', what), handle: stringField(account, 'handle', what) },
        databases: {},
    };
    for (const database of databases) {
        if (typeof database.handle !== 'string' || !databaseHandles.has(database.handle))
            continue;
        const service = optionalLink(database, 'service');
        const endpoints = service === undefined ? [] : endpointsByService.get(client.resolve(service).href) ?? [];
        live.databases[database.handle] = toLiveDatabase(database, endpoints.sort((a, b) => a.id - b.id));
    }
    return live;
}

;// CONCATENATED MODULE: ./lib/providers/aptible/notices.js


/**
 * An endpoint whose declared hostname is not the one Aptible assigned: the
 * database certificate names Aptible's hostname, so clients verifying the
 * declared one fail (the `certificate-expiry` check: a hostname the
 * certificate does not name).
 */
function hostnameNotices(desired, live) {
    const notices = [];
    desired.databases.forEach((database, d) => {
        const current = live.databases[database.name];
        if (current === undefined)
            return;
        for (const { declared, live: endpoint } of pairEndpoints(database.endpoints ?? [], managedEndpoints(current)).matched) {
            const declaredHost = declared.endpoint.hostname;
            if (declaredHost === undefined || endpoint.hostname === undefined)
                continue;
            if (declaredHost.toLowerCase() === endpoint.hostname.toLowerCase())
                continue;
            notices.push({
                ruleId: 'certificate-expiry',
                message: `${database.name}/${declared.endpoint.name} declares hostname ${declaredHost}, but its Aptible endpoint is ${endpoint.hostname} and the certificate names only that: write hostname: ${endpoint.hostname}`,
                address: `aptible.endpoint.${database.name}/${declared.endpoint.name}`,
                path: ['databases', d, 'endpoints', declared.index, 'hostname'],
            });
        }
    });
    return notices;
}

;// CONCATENATED MODULE: ./lib/providers/aptible/operations.js




function statusOf(operation) {
    return typeof operation.status === 'string' ? operation.status : 'unknown';
}
function operationRunner(options) {
    const { client, timings, sleep, now, log } = options;
    return {
        async run(operationsHref, type, what) {
            let operation = await client.post(operationsHref, { type });
            const id = numberField(operation, 'id', `the ${type} operation`);
            const self = hal_link(operation, 'self', `operation ${id}`);
            const deadline = now().getTime() + timings.operationTimeoutMs;
            const logsHint = `see \`aptible operation:logs ${id}\``;
            let status = statusOf(operation);
            log(`${what}: operation ${id} ${status}`);
            for (;;) {
                if (status === 'succeeded')
                    return;
                if (status === 'failed')
                    throw new errors/* ToolError */.v(`${what} failed: Aptible operation ${id} (${type}) failed; ${logsHint}`);
                if (now().getTime() >= deadline) {
                    throw new errors/* ToolError */.v(`${what} did not finish within ${formatDuration(timings.operationTimeoutMs)}: Aptible operation ${id} (${type}) is still ${status} and may yet finish; ${logsHint}, then plan again`);
                }
                await sleep(timings.pollIntervalMs);
                try {
                    operation = await client.get(self);
                }
                catch (error) {
                    // Aptible removes some operations once they are done (the CLI and go-deploy read a 404 as finished).
                    if (error instanceof AptibleApiError && error.status === 404)
                        return;
                    throw error;
                }
                const next = statusOf(operation);
                if (next !== status)
                    log(`${what}: operation ${id} ${next}`);
                status = next;
            }
        },
    };
}

;// CONCATENATED MODULE: ./lib/providers/aptible/index.js










const DEFAULT_API_URL = 'https://api.aptible.com';
function describeSource(ref) {
    return 'fromEnv' in ref ? `the environment variable ${ref.fromEnv}` : `the file ${ref.fromFile}`;
}
function databaseHandles(configs) {
    return new Set(configs.flatMap((config) => config.databases.map((database) => database.name)));
}
/**
 * Aptible Database Endpoints through the Deploy API. The token is an Aptible
 * access token used as is (bearer): dbfence never exchanges credentials.
 */
function aptibleProvider(config, context, options = {}) {
    const settings = config.provider;
    if (settings.kind !== 'aptible')
        throw new errors/* ToolError */.v(`the aptible provider cannot run a ${settings.kind} file`);
    const timings = { ...DEFAULT_TIMINGS, ...options.timings };
    const sleep = options.sleep ?? realSleep;
    const client = new AptibleClient({
        apiUrl: settings.apiUrl ?? DEFAULT_API_URL,
        token: () => context.secrets.resolve(settings.token, 'the Aptible token (provider.token)'),
        tokenSource: describeSource(settings.token),
        userAgent: `dbfence/${(0,package_info/* packageVersion */.T)()}`,
        timings,
        sleep,
        now: () => context.now(),
        log: (message) => context.log(message),
    });
    const operations = operationRunner({ client, timings, sleep, now: () => context.now(), log: (message) => context.log(message) });
    return {
        kind: 'aptible',
        inspect: (scope) => inspectEnvironment(client, settings.environment, databaseHandles(scope)),
        diff: (desired, live) => planSteps(desired, live).map((step) => step.change),
        notices: hostnameNotices,
        async apply(desired, { allowDestructive }) {
            const live = await inspectEnvironment(client, settings.environment, databaseHandles([desired]));
            const steps = planSteps(desired, live);
            checkAcknowledged(steps, allowDestructive);
            return runSteps(steps, { client, operations, log: (message) => context.log(message) });
        },
        async caCertificate() {
            const account = await findEnvironment(client, settings.environment);
            const pem = optionalString(account, 'ca_body');
            if (pem === undefined)
                throw new errors/* ToolError */.v(`Aptible environment ${settings.environment} has no CA certificate (ca_body is empty)`);
            return pem;
        },
        async close() {
            // fetch keeps no connection dbfence owns.
        },
    };
}
const createAptibleProvider = (config, context) => aptibleProvider(config, context);


/***/ })

};
