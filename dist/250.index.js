export const id = 250;
export const ids = [250];
export const modules = {

/***/ 5250:
/***/ ((__unused_webpack___webpack_module__, __webpack_exports__, __webpack_require__) => {

// ESM COMPAT FLAG
__webpack_require__.r(__webpack_exports__);

// EXPORTS
__webpack_require__.d(__webpack_exports__, {
  createPostgresProvider: () => (/* binding */ createPostgresProvider)
});

// EXTERNAL MODULE: ./lib/errors.js
var errors = __webpack_require__(452);
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
    return { databases, roles };
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
    changes = [];
    errors = [];
    wanted;
    managed;
    constructor(desired, live, passwords) {
        this.desired = desired;
        this.live = live;
        this.passwords = passwords;
        this.wanted = new Map(desired.roles.map((role) => [role.user, role]));
        this.managed = [...live.roles.values()].filter((role) => role.managed).sort((a, b) => a.name.localeCompare(b.name));
    }
    run() {
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
                this.errors.push(`${(0,model_path/* formatPath */.jV)([...database.path, 'name'])}: database ${database.name} was not read from the server`);
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
        for (const group of this.live.roles.get(role.user)?.memberOf ?? []) {
            this.add({
                address: `postgres.membership.${role.user}.${group}`, resource: 'membership', action: 'delete',
                reason: `${role.user} is a member of ${group}, which the file does not declare`,
                before: group,
            }, { type: 'revoke-membership', user: role.user, group });
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
                this.add({ address: `postgres.grant.${user}.${databaseName}.table.${schema}.${name}`, resource: 'grant', ...change }, { type: 'relation', user, database: databaseName, schema, name, sequence, grant, revoke, grantOption });
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
function planChanges(desired, live, passwords) {
    return new Planner(desired, live, passwords).run();
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
async function writeServerFile(session, client, path, text) {
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
            await writeServerFile(session, client, hba.path, hba.text);
            await reload(session, client);
        }
        finally {
            await client.end().catch(() => { });
        }
    };
    // A connection of its own: the apply's transaction may be open on the admin one.
    const client = await session.connect(session.server.database);
    try {
        await writeServerFile(session, client, hba.path, next);
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
 * read joins it, so grants to other roles are never even seen.
 */
const MANAGED = `managed AS (
  SELECT r.oid, r.rolname::text AS rolname
  FROM pg_roles r
  JOIN pg_shdescription d ON d.objoid = r.oid AND d.classoid = 'pg_authid'::regclass
  WHERE starts_with(d.description, ${literal(MARKER)})
    AND r.rolname <> current_user AND r.oid <> 10 AND r.rolname !~ '^pg_'
)`;
const SESSION_SQL = `
SELECT current_setting('server_version_num')::int AS version, current_user::text AS admin,
       r.rolsuper AS superuser, current_setting('ssl') = 'on' AS ssl
FROM pg_roles r WHERE r.rolname = current_user`;
const ROLES_SQL = `
WITH ${MANAGED}
SELECT a.oid, a.rolname::text AS name, d.description AS comment, m.oid IS NOT NULL AS managed,
       a.rolcanlogin AS login, a.rolsuper AS superuser, a.rolcreatedb AS createdb,
       a.rolcreaterole AS createrole, a.rolreplication AS replication, a.rolbypassrls AS bypassrls,
       a.rolpassword AS verifier,
       ARRAY(SELECT g.rolname::text FROM pg_auth_members am JOIN pg_roles g ON g.oid = am.roleid
             WHERE am.member = a.oid ORDER BY 1) AS member_of,
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
GROUP BY 1, 2`;
const DATABASES_SQL = `SELECT datname::text AS name FROM pg_database WHERE datallowconn`;
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
GROUP BY m.rolname, n.nspname, c.relname, c.relkind`;
const SCHEMA_GRANTS_SQL = `
WITH ${MANAGED}
SELECT m.rolname AS role, n.nspname::text AS schema,
       array_agg(a.privilege_type ORDER BY a.privilege_type) AS privileges, bool_or(a.is_grantable) AS grantable
FROM pg_namespace n CROSS JOIN LATERAL aclexplode(n.nspacl) a JOIN managed m ON m.oid = a.grantee
WHERE n.nspacl IS NOT NULL
GROUP BY m.rolname, n.nspname`;
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
  AND NOT (s.classid IN ('pg_class'::regclass, 'pg_namespace'::regclass) AND s.objsubid = 0)`;
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
async function inspect(session, scope) {
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
        const toRead = [...schemas.entries()].filter(([name]) => databaseNames.has(name));
        const databases = new Map((await Promise.all(toRead.map(([name, names]) => inspectDatabase(session, name, [...names].sort())))).map((database) => [database.name, database]));
        return {
            server: session.server,
            version: about.version,
            adminUser: about.admin,
            ssl: about.ssl,
            roles,
            databaseGrants,
            databaseNames,
            databases,
            hba,
            statementCount: session.statements - startCount,
        };
    }
    catch (error) {
        if (error instanceof errors/* ToolError */.v)
            throw error;
        throw new errors/* ToolError */.v(`postgres: reading the live state failed: ${errorMessage(error)}`);
    }
}

// EXTERNAL MODULE: external "node:crypto"
var external_node_crypto_ = __webpack_require__(7598);
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
function keys(password, salt, iterations) {
    const salted = (0,external_node_crypto_.pbkdf2Sync)(saslprep(password), salt, iterations, 32, 'sha256');
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
/** True when `verifier` (a stored `rolpassword`) was made from `password`; false for any other form (md5, none). */
function verifierMatches(verifier, password) {
    const match = verifier === null ? null : VERIFIER.exec(verifier);
    if (!match)
        return false;
    const [, iterations, salt, storedKey, serverKey] = match;
    const expected = keys(password, Buffer.from(salt, 'base64'), Number(iterations));
    const stored = Buffer.from(storedKey, 'base64');
    const server = Buffer.from(serverKey, 'base64');
    return stored.length === 32 && server.length === 32
        && (0,external_node_crypto_.timingSafeEqual)(stored, expected.storedKey) && (0,external_node_crypto_.timingSafeEqual)(server, expected.serverKey);
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
    return password === undefined ? '' : ` PASSWORD ${literal(scramVerifier(password))}`;
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
                builder.add(home, Stage.Roles, `CREATE ROLE ${ident(action.user)} WITH ${options}${passwordClause(action.password)}`, change);
                builder.add(home, Stage.Roles, `COMMENT ON ROLE ${ident(action.user)} IS ${literal(action.comment)}`, change);
                break;
            }
            case 'alter-role': {
                const options = roleOptions(action.options);
                if (options !== '' || action.password !== undefined) {
                    builder.add(home, Stage.Roles, `ALTER ROLE ${ident(action.user)} WITH ${options}${passwordClause(action.password)}`, change);
                }
                if (action.comment !== undefined)
                    builder.add(home, Stage.Roles, `COMMENT ON ROLE ${ident(action.user)} IS ${literal(action.comment)}`, change);
                break;
            }
            case 'revoke-membership':
                builder.add(home, Stage.Memberships, `REVOKE ${ident(action.group)} FROM ${ident(action.user)}`, change);
                break;
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
            if (this.committed[i] === this.parts[i])
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
/**
 * Apply under the advisory lock: read the live state again, plan again,
 * refuse unacknowledged destructive changes, then carry the plan out so that
 * what cannot finish is rolled back and reported.
 */
async function applyDesired(session, desired, passwords, options, log) {
    const admin = await session.admin();
    await lock(session, admin, log);
    try {
        const live = await inspect(session, [desired]);
        const planned = planChanges(desired, live, passwords);
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
        const homeName = desired.databases.find((d) => live.databases.has(d.name))?.name ?? session.server.database;
        const steps = buildSteps(planned, homeName);
        const outcomes = new Outcomes(planned);
        const mainChanges = [...changesOf(steps.main), ...(steps.hba?.changes ?? [])];
        outcomes.expect(mainChanges);
        steps.others.forEach((t) => outcomes.expect(changesOf(t)));
        outcomes.expect(changesOf(steps.final));
        log(`postgres: applying ${planned.length} change${planned.length === 1 ? '' : 's'}`);
        let swap;
        try {
            await runTransaction(session, steps.main, steps.hba && (async () => {
                swap = await swapHba(session, live.hba, steps.hba.block);
                log('postgres: pg_hba.conf checked, written and reloaded');
            }));
            outcomes.commit(mainChanges);
        }
        catch (error) {
            // The block was swapped but the transaction did not commit: put the file back.
            if (swap)
                await swap.restore().catch((restoreError) => log(`postgres: restoring pg_hba.conf failed: ${errorMessage(restoreError)}`));
            const failed = error instanceof StepFailure ? error.changes : steps.hba && !swap ? steps.hba.changes : mainChanges;
            outcomes.fail(failed, 'failed', errorMessage(error));
            outcomes.fail(mainChanges, 'rolled-back', `rolled back: ${errorMessage(error)}`);
            return outcomes.result();
        }
        for (const transaction of [...steps.others, ...(steps.final ? [steps.final] : [])]) {
            try {
                await runTransaction(session, transaction);
                outcomes.commit(changesOf(transaction));
            }
            catch (error) {
                const changes = changesOf(transaction);
                outcomes.fail(error instanceof StepFailure ? error.changes : changes, 'failed', errorMessage(error));
                outcomes.fail(changes, 'rolled-back', `rolled back: ${errorMessage(error)}`);
                return outcomes.result();
            }
        }
        if (steps.terminate.oids.length > 0) {
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
 * check costs one PBKDF2 (about a millisecond), and plan, drift and apply ask
 * the same questions, so answers are kept for the life of the provider, keyed
 * by the verifier and a hash of the password, never the password itself.
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
    matches(verifier, password) {
        if (verifier === null)
            return false;
        const key = `${verifier}\0${(0,external_node_crypto_.createHash)('sha256').update(password).digest('base64')}`;
        let answer = this.answers.get(key);
        if (answer === undefined) {
            answer = verifierMatches(verifier, password);
            this.answers.set(key, answer);
        }
        return answer;
    }
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
        inspect(scope) {
            const states = scope.map(desiredState);
            return withSession((session) => inspect(session, states));
        },
        diff(desired, live) {
            return planChanges(desiredState(desired), live, passwords).map((planned) => planned.change);
        },
        notices() {
            return [];
        },
        apply(desired, options) {
            const state = desiredState(desired);
            return withSession((session) => applyDesired(session, state, passwords, options, context.log));
        },
        async caCertificate() {
            if (!settings.ca)
                throw new errors/* ToolError */.v('provider.ca: no CA is configured, so there is no CA certificate to give clients');
            return context.secrets.resolve(settings.ca.certificate, 'provider.ca.certificate');
        },
        async close() { },
    };
    return provider;
};


/***/ })

};
