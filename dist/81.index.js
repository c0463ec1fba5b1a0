export const id = 81;
export const ids = [81];
export const modules = {

/***/ 8081:
/***/ ((__unused_webpack___webpack_module__, __webpack_exports__, __webpack_require__) => {


// EXPORTS
__webpack_require__.d(__webpack_exports__, {
  compilePolicyFiles: () => (/* binding */ compilePolicyFiles)
});

// EXTERNAL MODULE: ./node_modules/ajv/dist/2020.js
var _2020 = __webpack_require__(2210);
// EXTERNAL MODULE: ./node_modules/yaml/dist/index.js
var dist = __webpack_require__(8815);
// EXTERNAL MODULE: ./lib/errors.js
var errors = __webpack_require__(452);
// EXTERNAL MODULE: ./lib/lint/rules/index.js + 19 modules
var rules = __webpack_require__(8975);
// EXTERNAL MODULE: ./lib/lint/suggest.js
var suggest = __webpack_require__(6707);
// EXTERNAL MODULE: ./lib/net/address-space.js + 1 modules
var address_space = __webpack_require__(6094);
// EXTERNAL MODULE: ./lib/net/cidr.js
var cidr = __webpack_require__(249);
// EXTERNAL MODULE: ./lib/net/special-ranges.js
var special_ranges = __webpack_require__(7575);
;// CONCATENATED MODULE: ./lib/lint/policies/keywords.js



/**
 * dbfence's JSON Schema keywords for address semantics in custom policies.
 * Each checks a string holding a CIDR or address. Anything else fails the
 * assertion (fail closed) rather than passing it: text that does not parse,
 * and a value that is not a string at all, such as the whole `from` list
 * when the keyword was meant for its `items`.
 */
function cidrKeyword(keyword, metaSchema, prepare) {
    return {
        keyword,
        metaSchema,
        compile(setting) {
            const test = prepare(setting);
            return (data) => {
                const network = typeof data === 'string' ? (0,cidr/* parseCidrLenient */.dC)(data) : undefined;
                return network !== undefined && test(network);
            };
        },
        errors: false,
    };
}
/** The union of a keyword's CIDR list; a list a policy author could misread is refused. */
function spaceOf(cidrs) {
    const space = new address_space/* AddressSpace */.T();
    for (const text of cidrs) {
        const parsed = (0,cidr/* parseCidr */.GN)(text);
        if (!parsed.ok)
            throw new Error(`"${text}" is not a CIDR: ${parsed.reason}`);
        if (parsed.network.hostBitsSet)
            throw new Error(`"${text}" has host bits set: write ${parsed.network.canonical} or the address alone`);
        space.add(parsed.network);
    }
    return space;
}
const CIDR_LIST = { type: 'array', items: { type: 'string' }, minItems: 1 };
const CIDR_KEYWORDS = ['cidrMaxAddresses', 'cidrMinPrefixLength', 'cidrFamily', 'cidrRoutable', 'cidrInside', 'cidrOutside'];
function addCidrKeywords(ajv) {
    ajv.addKeyword(cidrKeyword('cidrMaxAddresses', { type: 'number', minimum: 1 }, (max) => (network) => (0,cidr/* addressCount */.eJ)(network) <= BigInt(Math.floor(max))));
    ajv.addKeyword(cidrKeyword('cidrMinPrefixLength', { type: 'integer', minimum: 0, maximum: 128 }, (min) => (network) => network.prefix >= min));
    ajv.addKeyword(cidrKeyword('cidrFamily', { enum: ['ipv4', 'ipv6'] }, (family) => (network) => network.family === family));
    ajv.addKeyword(cidrKeyword('cidrRoutable', { type: 'boolean' }, (routable) => (network) => ((0,special_ranges/* nonRoutableNames */.e)(network).length === 0) === routable));
    ajv.addKeyword(cidrKeyword('cidrInside', CIDR_LIST, (cidrs) => {
        const space = spaceOf(cidrs);
        return (network) => space.contains(network);
    }));
    ajv.addKeyword(cidrKeyword('cidrOutside', CIDR_LIST, (cidrs) => {
        const space = spaceOf(cidrs);
        return (network) => !space[network.family].intersects(network.first, network.last);
    }));
}

;// CONCATENATED MODULE: ./lib/lint/policies/compile.js






/** Findings about the file itself: no pack may configure them and no custom rule may take their ids. */
const CORE_IDS = new Set(rules/* CORE_CHECKS */.u7.map((check) => check.id));
const PLAN_IDS = new Set(rules/* PLAN_RULES */.cK.map((meta) => meta.id));
/**
 * Validates and compiles policy files. Loaded only when a policies/ folder
 * exists, so a plain `dbfence lint` never pays for ajv's compiler.
 */
function compilePolicyFiles(files, builtinRules, policySchema) {
    // strictSchema: a misspelt keyword (`cidrMaxAdresses`) would otherwise be ignored and the rule pass everything.
    const ajv = new _2020.Ajv2020({ allErrors: true, verbose: true, strictSchema: true, strictTypes: false, strictTuples: false, strictRequired: false });
    addCidrKeywords(ajv);
    const validatePolicy = ajv.compile(policySchema);
    const policies = files.map(({ file, text }) => ({ file, policy: readPolicy(file, text, validatePolicy) }));
    const rules = [];
    const builtinIds = new Map(builtinRules.map((rule) => [rule.meta.id, rule]));
    const customIds = new Map();
    for (const { file, policy } of policies) {
        if (policy.kind !== 'rule')
            continue;
        if (builtinIds.has(policy.id) || PLAN_IDS.has(policy.id) || CORE_IDS.has(policy.id)) {
            fail(file, `id ${policy.id} is taken by a built-in rule: choose another id`);
        }
        const other = customIds.get(policy.id);
        if (other)
            fail(file, `id ${policy.id} is also used by ${other}: custom rule ids must be unique`);
        customIds.set(policy.id, file);
        rules.push(compileRule(file, policy, ajv));
    }
    const knownIds = [...builtinIds.keys(), ...PLAN_IDS, ...customIds.keys()];
    const packs = [];
    for (const { file, policy } of policies) {
        if (policy.kind !== 'pack')
            continue;
        for (const [id, entry] of Object.entries(policy.rules)) {
            if (CORE_IDS.has(id))
                fail(file, `rules.${id}: ${id} is a check of the file itself and cannot be turned off or given another severity`);
            const rule = builtinIds.get(id);
            if (!rule && !PLAN_IDS.has(id) && !customIds.has(id)) {
                const guess = (0,suggest/* closest */.k)(id, knownIds);
                fail(file, `rules.${id}: no rule has this id${guess ? ` (did you mean ${guess}?)` : ''}`);
            }
            const options = typeof entry === 'object' ? entry.options : undefined;
            if (options === undefined)
                continue;
            if (!rule?.optionsSchema)
                fail(file, `rules.${id}: this rule takes no options`);
            const validateOptions = ajv.compile(rule.optionsSchema);
            if (!validateOptions(options))
                fail(file, describeError(validateOptions.errors, `rules.${id}.options`));
        }
        packs.push(policy);
    }
    return { packs, rules };
}
function fail(file, reason) {
    throw new errors/* ToolError */.v(`${file}: broken policy: ${reason}`);
}
function readPolicy(file, text, validatePolicy) {
    const doc = (0,dist/* parseDocument */.Tp)(text, { uniqueKeys: true });
    const yamlError = doc.errors[0];
    if (yamlError?.code === 'MULTIPLE_DOCS')
        fail(file, 'the file holds more than one YAML document; a policy file holds exactly one');
    if (yamlError)
        fail(file, `not valid YAML: ${yamlError.message.split('\n')[0].replace(/:$/, '')}`);
    const data = doc.toJS();
    if (data === null || data === undefined)
        fail(file, 'the file is empty: a policy file holds a pack (kind: pack) or a rule (kind: rule)');
    if (!validatePolicy(data))
        fail(file, describeError(validatePolicy.errors, ''));
    return data;
}
/** Keywords ordered by how well they explain a failure, for errors at the same depth. */
const KEYWORD_RANK = ['additionalProperties', 'required', 'enum', 'const', 'propertyNames', 'pattern'];
const BRANCH_KEYWORDS = ['if', 'oneOf', 'anyOf', 'allOf'];
/**
 * One line for the most telling ajv error: the deepest one, and among
 * those the most specific. Errors of `if`, `oneOf` and `anyOf` only say that
 * a branch failed, so they come last.
 */
function describeError(errors, prefix) {
    const isBranch = (error) => (BRANCH_KEYWORDS.includes(error.keyword) ? 1 : 0);
    const depth = (error) => error.instancePath.split('/').length;
    const rank = (error) => {
        // A list of allowed words says nothing useful about a mapping or a list (the other branch of a oneOf does).
        const isCollection = error.data !== null && typeof error.data === 'object';
        if (isCollection && (error.keyword === 'enum' || error.keyword === 'const'))
            return KEYWORD_RANK.length + 1;
        const index = KEYWORD_RANK.indexOf(error.keyword);
        return index === -1 ? KEYWORD_RANK.length : index;
    };
    const error = [...(errors ?? [])].sort((a, b) => isBranch(a) - isBranch(b) || depth(b) - depth(a) || rank(a) - rank(b))[0];
    if (!error)
        return `${prefix || 'the file'} does not match the policy schema`;
    const pointer = error.instancePath.slice(1).split('/').filter(Boolean).map((part) => part.replace(/~1/g, '/').replace(/~0/g, '~'));
    const where = [prefix, ...pointer].filter(Boolean).join('.') || 'the file';
    const params = error.params;
    let detail = '';
    if (params.additionalProperty !== undefined)
        detail = ` ("${params.additionalProperty}")`;
    else if (params.allowedValues)
        detail = `: ${params.allowedValues.map(String).join(', ')}`;
    else if (error.keyword === 'propertyNames' && params.propertyName !== undefined)
        detail = ` ("${params.propertyName}" is not a kebab-case rule id)`;
    return `${where} ${error.message ?? 'is not valid'}${detail}`;
}
function compileRule(file, policy, ajv) {
    const compile = (schema, what) => {
        try {
            return ajv.compile(schema);
        }
        catch (error) {
            return fail(file, `${what} is not a valid JSON Schema: ${explainCompileError(error.message, ajv)}`);
        }
    };
    return {
        id: policy.id,
        severity: policy.severity,
        message: policy.message,
        rationale: policy.rationale ?? policy.message,
        docsUrl: policy.docs,
        file,
        target: policy.target,
        where: policy.where ? compile(policy.where, 'where') : undefined,
        assert: compile(policy.assert, 'assert'),
    };
}
/** ajv's compile errors, with a likely spelling for an unknown keyword. */
function explainCompileError(message, ajv) {
    const format = /^unknown format "([^"]*)" ignored in schema at path "([^"]*)"/.exec(message);
    if (format)
        return `unknown format "${format[1]}" at ${format[2]}: dbfence checks no formats, use pattern instead`;
    const unknown = /^strict mode: unknown keyword: "([^"]*)"/.exec(message);
    if (!unknown)
        return message;
    const guess = (0,suggest/* closest */.k)(unknown[1], [...CIDR_KEYWORDS, ...Object.keys(ajv.RULES.keywords)]);
    return `unknown keyword "${unknown[1]}"${guess ? ` (did you mean ${guess}?)` : ''}`;
}


/***/ })

};
