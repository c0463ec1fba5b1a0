export const id = 178;
export const ids = [178];
export const modules = {

/***/ 2508:
/***/ ((__unused_webpack___webpack_module__, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   f7: () => (/* binding */ hiddenAnnotationsNote),
/* harmony export */   fz: () => (/* binding */ annotate)
/* harmony export */ });
/* unused harmony export ANNOTATIONS_PER_LEVEL */
/* harmony import */ var _actions_core__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(8179);
/* harmony import */ var _secrets_js__WEBPACK_IMPORTED_MODULE_1__ = __webpack_require__(7987);


/** GitHub shows at most this many annotations of each level per step and drops the rest silently. */
const ANNOTATIONS_PER_LEVEL = 10;
/** Any error fails the step, and the failure message is an error annotation too: it keeps one place. */
const LIMIT = { error: ANNOTATIONS_PER_LEVEL - 1, warning: ANNOTATIONS_PER_LEVEL };
/**
 * Findings as annotations on the pull request's diff: the first nine errors
 * and the first ten warnings (in reading order), since GitHub would drop the
 * rest without a word. The counts let the summary say what was not shown.
 */
function annotate(findings) {
    const shown = { error: 0, warning: 0 };
    const total = { error: 0, warning: 0 };
    for (const finding of findings) {
        total[finding.severity]++;
        if (shown[finding.severity] >= LIMIT[finding.severity])
            continue;
        shown[finding.severity]++;
        const emit = finding.severity === 'error' ? _actions_core__WEBPACK_IMPORTED_MODULE_0__/* .error */ .z3 : _actions_core__WEBPACK_IMPORTED_MODULE_0__/* .warning */ .$e;
        emit((0,_secrets_js__WEBPACK_IMPORTED_MODULE_1__/* .scrubSecrets */ .Z)(finding.message), properties(finding));
    }
    return { shown, total };
}
function properties(finding) {
    const line = Math.max(1, finding.line);
    const oneLine = finding.endLine === finding.line;
    return {
        title: `dbfence ${finding.ruleId}`,
        file: finding.file,
        startLine: line,
        endLine: Math.max(line, finding.endLine),
        // Columns only on a one-line range (as GitHub requires), and 1-based: core drops a 0.
        ...(oneLine ? { startColumn: Math.max(1, finding.column), endColumn: Math.max(1, finding.endColumn) } : {}),
    };
}
/** A sentence for the summary when GitHub's limits kept findings off the diff. */
function hiddenAnnotationsNote(counts) {
    const hidden = ['error', 'warning'].filter((level) => counts.total[level] > counts.shown[level]);
    if (hidden.length === 0)
        return undefined;
    const parts = hidden.map((level) => `${counts.total[level] - counts.shown[level]} of ${counts.total[level]} ${level}s`);
    return `${parts.join(' and ')} are not annotated on the diff (GitHub shows at most ${ANNOTATIONS_PER_LEVEL} errors, one of them the step's failure, and ${ANNOTATIONS_PER_LEVEL} warnings per step); every finding is listed here.`;
}


/***/ }),

/***/ 6623:
/***/ ((__unused_webpack___webpack_module__, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   Eg: () => (/* binding */ REPORT_MARKER),
/* harmony export */   I2: () => (/* binding */ commentBody),
/* harmony export */   Op: () => (/* binding */ APPLY_MARKER),
/* harmony export */   Qc: () => (/* binding */ findReportComments),
/* harmony export */   R6: () => (/* binding */ upsertReportComment),
/* harmony export */   g_: () => (/* binding */ findMergedPullRequest)
/* harmony export */ });
/* unused harmony exports COMMENT_LIMIT, metaComment, parseMeta, isNewerCommit */
/* harmony import */ var _package_info_js__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(8224);
/* harmony import */ var _github_js__WEBPACK_IMPORTED_MODULE_1__ = __webpack_require__(6859);
/* harmony import */ var _report_js__WEBPACK_IMPORTED_MODULE_2__ = __webpack_require__(5196);
/* harmony import */ var _secrets_js__WEBPACK_IMPORTED_MODULE_3__ = __webpack_require__(7987);




/** Marks the sticky report comment; the metadata beside it says which file and commit it shows. */
const REPORT_MARKER = '<!-- dbfence:report -->';
/** Marks apply results: one new comment per apply, never edited. */
const APPLY_MARKER = '<!-- dbfence:apply -->';
/** GitHub refuses a comment body longer than this (422 "Body is too long"). */
const COMMENT_LIMIT = 65_536;
/** Room for what scrubbing and GitHub's own counting may add. */
const MARGIN = 512;
function metaComment(meta) {
    // `<` and `>` escaped so no value can close the HTML comment early.
    const json = JSON.stringify(meta).replace(/</g, '\\u003c').replace(/>/g, '\\u003e');
    return `<!-- dbfence:meta ${json} -->`;
}
function parseMeta(body) {
    const match = /<!-- dbfence:meta (\{.*?\}) -->/.exec(body);
    if (!match)
        return undefined;
    try {
        return JSON.parse(match[1]);
    }
    catch {
        return undefined;
    }
}
/**
 * A comment body under GitHub's limit: the marker, the metadata and the
 * headline always; the sections whole while they fit, else shortened (errors
 * first), with a link to the job summary, which has everything.
 */
function commentBody(marker, meta, title, parts, runUrl) {
    const head = `${marker}\n${metaComment(meta)}\n${title}\n`;
    const footer = (shortened) => [
        shortened ? `\n> [!NOTE]\n> This report is longer than a comment may be (${COMMENT_LIMIT.toLocaleString('en-US')} characters): it was shortened. The full report is in the [job summary](${runUrl}).\n` : '',
        `\n<sub>dbfence ${(0,_package_info_js__WEBPACK_IMPORTED_MODULE_0__/* .packageVersion */ .T)()} · commit ${meta.sha.slice(0, 7)} · [workflow run](${runUrl}) · ${meta.at}</sub>\n`,
    ].join('');
    const budget = COMMENT_LIMIT - MARGIN - head.length - footer(true).length;
    const { text, shortened } = (0,_report_js__WEBPACK_IMPORTED_MODULE_2__/* .fitSections */ .WK)(parts, budget);
    return (0,_secrets_js__WEBPACK_IMPORTED_MODULE_3__/* .scrubSecrets */ .Z)(`${head}${text}${footer(shortened)}`);
}
/** Logins compared as the REST API (`name[bot]`) and GraphQL (`name`) spell bots. */
function sameLogin(a, b) {
    const plain = (login) => login.replace(/\[bot\]$/, '').toLowerCase();
    return a !== undefined && plain(a) === plain(b);
}
/**
 * Our report comments for `config` on the pull request, oldest first: the
 * marker alone is not enough, since anyone can paste it; the author must be
 * the token's own identity.
 */
async function findReportComments(github, repo, issue, me, config) {
    const comments = await github.paginate(github.rest.issues.listComments, { ...repo, issue_number: issue, per_page: 100 });
    return comments
        .filter((comment) => comment.body?.includes(REPORT_MARKER) && sameLogin(comment.user?.login, me) && (parseMeta(comment.body ?? '')?.config ?? config) === config)
        .sort((a, b) => a.id - b.id);
}
/**
 * Creates or updates the one report comment. Nothing is posted when there is
 * nothing to say and no comment yet (`quiet`); an existing comment is then
 * updated to say so. A comment showing a newer commit of the pull request is
 * left alone, so a slow run for an older commit never overwrites it.
 * Duplicates left by two runs that raced to create are deleted.
 */
async function upsertReportComment(github, event, existing, body, quiet) {
    const { repo } = event;
    const pr = event.pullRequest;
    const [current, ...duplicates] = existing;
    for (const duplicate of duplicates)
        await github.rest.issues.deleteComment({ ...repo, comment_id: duplicate.id });
    if (!current) {
        if (quiet)
            return { action: 'none' };
        const { data } = await github.rest.issues.createComment({ ...repo, issue_number: pr.number, body });
        return { action: 'created', url: data.html_url };
    }
    const shown = parseMeta(current.body ?? '')?.sha;
    if (shown && (await isNewerCommit(github, repo, pr.number, pr.headSha, shown))) {
        return { action: 'kept-newer', url: current.html_url, sha: shown };
    }
    const { data } = await github.rest.issues.updateComment({ ...repo, comment_id: current.id, body });
    return { action: 'updated', url: data.html_url };
}
/**
 * Whether `theirs` comes after `ours` in the pull request's history. The
 * compare API answers from the commit graph: `ahead` means theirs descends
 * from ours. After a force-push the two have diverged and only the pull
 * request's current head can tell: ours is newer only if it is that head.
 * A commit the API no longer knows (rewritten away) is not newer.
 */
async function isNewerCommit(github, repo, pull, ours, theirs) {
    if (theirs === ours)
        return false;
    try {
        const { data } = await github.rest.repos.compareCommitsWithBasehead({ ...repo, basehead: `${ours}...${theirs}`, per_page: 1 });
        if (data.status !== 'diverged')
            return data.status === 'ahead';
    }
    catch (error) {
        if ((0,_github_js__WEBPACK_IMPORTED_MODULE_1__/* .httpStatus */ .nG)(error) === 404)
            return false;
        throw error;
    }
    const { data } = await github.rest.pulls.get({ ...repo, pull_number: pull });
    return data.head.sha !== ours;
}
/** The pull request a pushed commit came from: the merged one whose merge commit it is, else any merged one. */
async function findMergedPullRequest(github, repo, sha) {
    const { data } = await github.rest.repos.listPullRequestsAssociatedWithCommit({ ...repo, commit_sha: sha });
    const merged = data.filter((pr) => pr.merged_at);
    return (merged.find((pr) => pr.merge_commit_sha === sha) ?? merged[0])?.number;
}


/***/ }),

/***/ 6859:
/***/ ((__unused_webpack___webpack_module__, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   Cl: () => (/* binding */ createGitHub),
/* harmony export */   OR: () => (/* binding */ defaultBranch),
/* harmony export */   Wc: () => (/* binding */ whoAmI),
/* harmony export */   gg: () => (/* binding */ describeApiError),
/* harmony export */   nG: () => (/* binding */ httpStatus)
/* harmony export */ });
/* harmony import */ var _actions_github__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(2413);
/* harmony import */ var _errors_js__WEBPACK_IMPORTED_MODULE_1__ = __webpack_require__(452);


/**
 * An Octokit for the job's token. The API address is read here, not when
 * @actions/github is imported, so GitHub Enterprise Server (and a test's local
 * server) is honoured however the module was loaded.
 */
function createGitHub(token) {
    if (token === '')
        throw new _errors_js__WEBPACK_IMPORTED_MODULE_1__/* .ToolError */ .v('the github-token input is empty: pass ${{ github.token }} (the default) or a token that may comment on pull requests');
    return (0,_actions_github__WEBPACK_IMPORTED_MODULE_0__/* .getOctokit */ .Q)(token, { baseUrl: (process.env.GITHUB_API_URL ?? 'https://api.github.com').replace(/\/$/, '') });
}
/** HTTP status of an Octokit request error, if it is one. */
function httpStatus(error) {
    const status = error.status;
    return typeof status === 'number' ? status : undefined;
}
/** One line about a failed API call, with the fix when it is a missing permission. */
function describeApiError(error, what, permission) {
    const status = httpStatus(error);
    const message = error.message ?? String(error);
    if (status === 401)
        return `${what}: GitHub refused the token (401 ${message})`;
    if (status === 403 || status === 404)
        return `${what}: GitHub answered ${status} ${message}; the job needs \`permissions: ${permission}\``;
    return `${what}: ${status ? `GitHub answered ${status} ` : ''}${message}`;
}
/**
 * Who the token belongs to, as comment authors are named in the REST API
 * (`github-actions[bot]` for the job's token). GraphQL's `viewer` answers for
 * every kind of token; REST's `GET /user` refuses installation tokens, which
 * is what the job's token and GitHub App tokens are.
 */
async function whoAmI(github) {
    const { viewer } = await github.graphql('query { viewer { login } }');
    return viewer.login;
}
/** The repository's default branch, when the event payload did not name it. */
async function defaultBranch(github, repo) {
    const { data } = await github.rest.repos.get(repo);
    return data.default_branch;
}


/***/ }),

/***/ 7352:
/***/ ((__unused_webpack___webpack_module__, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   n: () => (/* binding */ setOutputs)
/* harmony export */ });
/* harmony import */ var _actions_core__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(8179);

/** Every output is set on every run, empty when it does not apply, so `if:` expressions never read a stale value. */
function setOutputs(outputs) {
    _actions_core__WEBPACK_IMPORTED_MODULE_0__/* .setOutput */ .uH('errors', String(outputs.errors));
    _actions_core__WEBPACK_IMPORTED_MODULE_0__/* .setOutput */ .uH('warnings', String(outputs.warnings));
    _actions_core__WEBPACK_IMPORTED_MODULE_0__/* .setOutput */ .uH('changes', outputs.changes === undefined ? '' : String(outputs.changes));
    _actions_core__WEBPACK_IMPORTED_MODULE_0__/* .setOutput */ .uH('drift', outputs.drift === undefined ? '' : String(outputs.drift));
    _actions_core__WEBPACK_IMPORTED_MODULE_0__/* .setOutput */ .uH('comment-url', outputs.commentUrl ?? '');
    _actions_core__WEBPACK_IMPORTED_MODULE_0__/* .setOutput */ .uH('sarif-file', outputs.sarifFile ?? '');
}


/***/ }),

/***/ 5196:
/***/ ((__unused_webpack___webpack_module__, __webpack_exports__, __webpack_require__) => {


// EXPORTS
__webpack_require__.d(__webpack_exports__, {
  tQ: () => (/* binding */ counts),
  XG: () => (/* binding */ findingsSections),
  WK: () => (/* binding */ fitSections),
  Pl: () => (/* binding */ headline),
  rM: () => (/* binding */ isQuiet),
  BP: () => (/* binding */ logLine),
  lA: () => (/* binding */ planSection),
  LS: () => (/* binding */ plural),
  V0: () => (/* binding */ sections)
});

// EXTERNAL MODULE: ./lib/report/markdown.js
var markdown = __webpack_require__(5402);
;// CONCATENATED MODULE: ./lib/plan/render.js

const SYMBOL = { create: '+', update: '~', delete: '-', replace: '-/+' };
const VERB = { create: 'to create', update: 'to update', delete: 'to delete', replace: 'to replace' };
function countPlan(plan) {
    const counts = { create: 0, update: 0, delete: 0, replace: 0, destructive: 0, drift: plan.drift.length };
    for (const change of plan.changes) {
        counts[change.action]++;
        if (change.destructive || change.disruptive)
            counts.destructive++;
    }
    return counts;
}
function summaryLine(plan) {
    const counts = countPlan(plan);
    if (plan.changes.length === 0)
        return 'No changes: the live state matches the file.';
    const parts = Object.keys(VERB).map((action) => `${counts[action]} ${VERB[action]}`);
    return `${parts.join(', ')}${counts.destructive > 0 ? ` (${counts.destructive} destructive or disruptive)` : ''}.`;
}
function marker(change) {
    if (change.destructive)
        return ' [destructive]';
    if (change.disruptive)
        return ' [disruptive]';
    return '';
}
/** Terraform-style text: one line per change, drift apart. */
function renderPlanText(plan) {
    const lines = [`Plan (${plan.provider}): ${summaryLine(plan)}`];
    if (plan.changes.length > 0) {
        lines.push('');
        for (const change of plan.changes)
            lines.push(`  ${SYMBOL[change.action].padEnd(3)} ${change.address}${marker(change)}`, `        ${change.reason}`);
    }
    if (plan.driftChecked) {
        lines.push('');
        if (plan.drift.length === 0)
            lines.push('Drift: none; the live state matches the file on the default branch.');
        else {
            lines.push(`Drift: ${plan.drift.length} change${plan.drift.length === 1 ? '' : 's'} made outside the file (what the default branch's file would undo):`);
            for (const change of plan.drift)
                lines.push(`  ${SYMBOL[change.action].padEnd(3)} ${change.address}`, `        ${change.reason}`);
        }
    }
    for (const notice of plan.notices)
        lines.push('', `Notice (${notice.ruleId}): ${notice.message}`);
    return `${lines.join('\n')}\n`;
}
function renderPlanJson(plan) {
    return { ...plan, summary: countPlan(plan) };
}
/** Markdown for job summaries and the pull-request comment. */
function renderPlanMarkdown(plan) {
    const lines = [`**Plan (${plan.provider}):** ${summaryLine(plan)}`];
    if (plan.changes.length > 0) {
        lines.push('', '| | Resource | Why |', '|---|---|---|');
        for (const change of plan.changes) {
            lines.push(`| \`${SYMBOL[change.action]}\` | \`${change.address}\`${marker(change) ? ` **${marker(change).trim()}**` : ''} | ${(0,markdown/* escapeCell */.kq)(change.reason)} |`);
        }
    }
    if (plan.driftChecked) {
        lines.push('');
        if (plan.drift.length === 0)
            lines.push('**Drift:** none; the live state matches the file on the default branch.');
        else {
            lines.push(`**Drift:** ${plan.drift.length} change${plan.drift.length === 1 ? '' : 's'} made outside the file:`, '', '| | Resource | What changed |', '|---|---|---|');
            for (const change of plan.drift)
                lines.push(`| \`${SYMBOL[change.action]}\` | \`${change.address}\` | ${(0,markdown/* escapeCell */.kq)(change.reason)} |`);
        }
    }
    return `${lines.join('\n')}\n`;
}

;// CONCATENATED MODULE: ./lib/action/report.js


function counts(result) {
    const errors = result.findings.filter((finding) => finding.severity === 'error').length;
    return { error: errors, warning: result.findings.length - errors };
}
/** Nothing found and nothing pending: no comment is worth posting. */
function isQuiet(result) {
    if (result.findings.length > 0)
        return false;
    if (result.command === 'lint')
        return true;
    return result.plan !== undefined && result.plan.changes.length === 0 && result.plan.drift.length === 0;
}
function headline(result) {
    const { error, warning } = counts(result);
    const parts = [
        error > 0 ? `❌ ${plural(error, 'error')}` : warning > 0 ? '✅ no errors' : '✅ no findings',
        ...(warning > 0 ? [`⚠️ ${plural(warning, 'warning')}`] : []),
    ];
    if (result.command === 'plan') {
        const plan = result.plan;
        if (!plan)
            parts.push('plan not run');
        else {
            const { destructive } = countPlan(plan);
            parts.push(plan.changes.length === 0 ? 'no changes' : `${plural(plan.changes.length, 'change')}${destructive > 0 ? ` (${destructive} destructive or disruptive)` : ''}`);
            parts.push(plan.driftChecked ? (plan.drift.length === 0 ? 'no drift' : `drift: ${plural(plan.drift.length, 'change')} made outside the file`) : 'drift not checked');
        }
    }
    return `### dbfence ${result.command}: ${(0,markdown/* code */.aY)(result.file)}\n\n${parts.join(' · ')}\n`;
}
/** A markdown headline as one plain line of the job's log. */
function logLine(title) {
    return title.replace(/^### /, '').replace(/`/g, '').replace(/\n+/g, ': ').replace(/: $/, '');
}
/** The report's parts in the order they are shown, which is also the order they are kept in when space runs out. */
function sections(result) {
    const { errors, warnings } = findingsSections(result.findings, result.rules);
    return [...errors, ...(result.command === 'plan' ? [planSection(result)] : []), ...warnings];
}
/** A table of errors and one of warnings, each absent when there are none. */
function findingsSections(findings, rules) {
    const errors = findings.filter((finding) => finding.severity === 'error');
    const warnings = findings.filter((finding) => finding.severity === 'warning');
    return {
        errors: errors.length > 0 ? [findingsSection('Errors', errors, rules)] : [],
        warnings: warnings.length > 0 ? [findingsSection('Warnings', warnings, rules)] : [],
    };
}
function planSection(result) {
    const { plan } = result;
    if (!plan) {
        const text = `**No plan:** ${(0,markdown/* escapeCell */.kq)(result.planSkipped ?? 'not run')}\n`;
        return { full: text, shorten: () => text };
    }
    const drift = result.driftSkipped ? `\n**Drift not checked:** ${(0,markdown/* escapeCell */.kq)(result.driftSkipped)}\n` : '';
    const full = `${renderPlanMarkdown(plan)}${drift}`;
    const driftLine = plan.driftChecked ? `\n\n**Drift:** ${plan.drift.length === 0 ? 'none' : plural(plan.drift.length, 'change') + ' made outside the file'}.` : '';
    const short = `**Plan (${plan.provider}):** ${summaryLine(plan)}${driftLine}\n\nThe change list is too long for this comment: it is in the job summary.\n${drift}`;
    return { full, shorten: () => short };
}
function findingsSection(title, findings, rules) {
    const docs = new Map(rules.map((rule) => [rule.id, rule.docsUrl]));
    const head = `#### ${title}\n\n| Location | Rule | Message |\n|---|---|---|\n`;
    const rows = findings.map((finding) => {
        const url = docs.get(finding.ruleId);
        const rule = url && /^https?:\/\/[^\s()<>]+$/.test(url) ? `[${(0,markdown/* code */.aY)(finding.ruleId)}](${url})` : (0,markdown/* code */.aY)(finding.ruleId);
        return `| ${(0,markdown/* code */.aY)(`${finding.file}:${finding.line}:${finding.column}`)} | ${rule} | ${(0,markdown/* escapeCell */.kq)(finding.message)} |\n`;
    });
    const noun = title.toLowerCase();
    return {
        full: head + rows.join(''),
        shorten(budget) {
            let text = head;
            let kept = 0;
            const more = (left) => `\n… and ${left} more ${noun}: every one is in the job summary.\n`;
            for (const row of rows) {
                if (text.length + row.length + more(rows.length - kept).length > budget)
                    break;
                text += row;
                kept++;
            }
            return kept === rows.length ? text : text + more(rows.length - kept);
        },
    };
}
/**
 * Joins sections within `budget` characters: each whole when it fits in what
 * is left, else shortened, else left out. Earlier sections are served first,
 * so errors survive a long plan.
 */
function fitSections(parts, budget) {
    let left = budget;
    let shortened = false;
    const texts = [];
    for (const part of parts) {
        let text = part.full;
        if (text.length + 1 > left) {
            shortened = true;
            text = part.shorten(left - 1);
            // Not even its short form fits: the headline's counts stand for it.
            if (text.length + 1 > left)
                continue;
        }
        texts.push(text);
        left -= text.length + 1;
    }
    return { text: texts.join('\n'), shortened };
}
function plural(n, noun) {
    return `${n} ${noun}${n === 1 ? '' : 's'}`;
}


/***/ }),

/***/ 1743:
/***/ ((__unused_webpack___webpack_module__, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   G: () => (/* binding */ settle),
/* harmony export */   o: () => (/* binding */ unwrap)
/* harmony export */ });
function settle(promise) {
    return promise.then((value) => ({ ok: true, value }), (error) => ({ ok: false, error }));
}
async function unwrap(settled) {
    const outcome = await settled;
    if (!outcome.ok)
        throw outcome.error;
    return outcome.value;
}


/***/ }),

/***/ 8962:
/***/ ((__unused_webpack___webpack_module__, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   J: () => (/* binding */ SUMMARY_LIMIT),
/* harmony export */   S: () => (/* binding */ writeSummary)
/* harmony export */ });
/* harmony import */ var _actions_core__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(8179);
/* harmony import */ var _secrets_js__WEBPACK_IMPORTED_MODULE_1__ = __webpack_require__(7987);


/**
 * GitHub drops a step summary over 1 MiB. Counted in characters with room to
 * spare for the few that take more than one byte.
 */
const SUMMARY_LIMIT = 900_000;
/** Appends markdown to the job summary; outside a runner (no GITHUB_STEP_SUMMARY) there is none to write. */
async function writeSummary(markdown) {
    if (!process.env.GITHUB_STEP_SUMMARY)
        return;
    await _actions_core__WEBPACK_IMPORTED_MODULE_0__/* .summary */ .z.addRaw((0,_secrets_js__WEBPACK_IMPORTED_MODULE_1__/* .scrubSecrets */ .Z)(markdown)).addEOL().write();
}


/***/ }),

/***/ 5292:
/***/ ((__unused_webpack___webpack_module__, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   C6: () => (/* binding */ BUILTIN_PACK),
/* harmony export */   i8: () => (/* binding */ PACKAGE_VERSION),
/* harmony export */   lr: () => (/* binding */ POLICY_SCHEMA_TEXT)
/* harmony export */ });
/* unused harmony export ENDPOINTS_SCHEMA_TEXT */
// Generated by scripts/generate.mjs; do not edit.
/** policies/recommended.yaml: the built-in policy pack. */
const BUILTIN_PACK = {
    "kind": "pack",
    "name": "recommended",
    "rules": {
        "no-world-open": "error",
        "allowlist-breadth": {
            "severity": "error",
            "options": {
                "ipv4MaxAddresses": 65536,
                "ipv6MinPrefixLength": 48
            }
        },
        "allowlist-required": "error",
        "non-routable-source": "warning",
        "cidr-host-bits": "error",
        "private-endpoint-allowlist": "warning",
        "private-endpoint-accounts": "error",
        "unique-user-per-integration": "error",
        "no-admin-credential": {
            "severity": "error",
            "options": {
                "users": []
            }
        },
        "read-only-grants": "error",
        "no-sensitive-grants": "error",
        "tls-verify-full": "error",
        "source-within-allowlist": "error",
        "heartbeat-below-idle-timeout": {
            "severity": "warning",
            "options": {
                "idleTimeout": "350s"
            }
        },
        "unique-names": "error",
        "no-inline-secrets": "error",
        "integration-owner": "warning",
        "provider-limits": "error",
        "destructive-change": "error",
        "certificate-expiry": "warning",
        "drift": "warning"
    }
};
/** schemas/endpoints.v1.json, as printed by `dbfence schema`. */
const ENDPOINTS_SCHEMA_TEXT = "{\n  \"$schema\": \"https://json-schema.org/draft/2020-12/schema\",\n  \"$id\": \"https://github.com/dbfence/dbfence/raw/main/schemas/endpoints.v1.json\",\n  \"title\": \"dbfence endpoints.yaml (format version 1)\",\n  \"description\": \"Databases reachable through one provider account, the endpoints that expose them, and the integrations (outside systems) that connect through those endpoints. See https://github.com/dbfence/dbfence/blob/main/docs/endpoints-v1.md\",\n  \"type\": \"object\",\n  \"additionalProperties\": false,\n  \"required\": [\"version\", \"provider\", \"databases\"],\n  \"properties\": {\n    \"version\": {\n      \"title\": \"Format version\",\n      \"description\": \"Always 1 for this format.\",\n      \"const\": 1\n    },\n    \"provider\": { \"$ref\": \"#/$defs/provider\" },\n    \"defaults\": { \"$ref\": \"#/$defs/defaults\" },\n    \"databases\": {\n      \"title\": \"Databases\",\n      \"description\": \"The databases of this environment, each with its endpoints and integrations.\",\n      \"type\": \"array\",\n      \"items\": { \"$ref\": \"#/$defs/database\" }\n    }\n  },\n  \"$defs\": {\n    \"name\": {\n      \"title\": \"Name\",\n      \"description\": \"Lowercase letters, digits, '_' and '-', starting with a letter or '_', at most 63 characters.\",\n      \"type\": \"string\",\n      \"pattern\": \"^[a-z_][a-z0-9_-]{0,62}$\"\n    },\n    \"sqlIdentifier\": {\n      \"title\": \"SQL identifier\",\n      \"description\": \"A lowercase SQL identifier: [a-z_][a-z0-9_]*, at most 63 characters.\",\n      \"type\": \"string\",\n      \"pattern\": \"^[a-z_][a-z0-9_]{0,62}$\"\n    },\n    \"tableRef\": {\n      \"title\": \"Table\",\n      \"description\": \"schema.table, or schema.* for every table of a schema; lowercase SQL identifiers.\",\n      \"type\": \"string\",\n      \"pattern\": \"^[a-z_][a-z0-9_]{0,62}\\\\.([a-z_][a-z0-9_]{0,62}|\\\\*)$\"\n    },\n    \"hostname\": {\n      \"title\": \"Hostname\",\n      \"description\": \"A DNS name, e.g. orders.db.example.com.\",\n      \"type\": \"string\",\n      \"maxLength\": 253,\n      \"pattern\": \"^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\\\\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$\"\n    },\n    \"duration\": {\n      \"title\": \"Duration\",\n      \"description\": \"A whole number followed by s, m, h or d, e.g. 90d or 5m.\",\n      \"type\": \"string\",\n      \"pattern\": \"^[0-9]{1,9}[smhd]$\"\n    },\n    \"cidr\": {\n      \"title\": \"CIDR\",\n      \"description\": \"An IPv4 or IPv6 network in CIDR notation (52.20.10.0/24, 2001:db8::/48); a bare address means /32 or /128. Addresses are written in their standard form: four decimal octets without leading zeros for IPv4.\",\n      \"type\": \"string\",\n      \"pattern\": \"^(((25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])\\\\.){3}(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])(/(3[0-2]|[12]?[0-9]))?|[0-9a-fA-F:.]*:[0-9a-fA-F:.]*(/(12[0-8]|1[01][0-9]|[1-9]?[0-9]))?)$\"\n    },\n    \"secretRef\": {\n      \"title\": \"Secret reference\",\n      \"description\": \"{ fromEnv: NAME } or { fromFile: PATH }: where a secret comes from; its value is never written in this file.\",\n      \"type\": \"object\",\n      \"oneOf\": [\n        {\n          \"title\": \"From an environment variable\",\n          \"type\": \"object\",\n          \"additionalProperties\": false,\n          \"required\": [\"fromEnv\"],\n          \"properties\": {\n            \"fromEnv\": {\n              \"title\": \"Environment variable\",\n              \"description\": \"The name of the environment variable that holds the secret.\",\n              \"type\": \"string\",\n              \"pattern\": \"^[A-Za-z_][A-Za-z0-9_]*$\"\n            }\n          }\n        },\n        {\n          \"title\": \"From a file\",\n          \"type\": \"object\",\n          \"additionalProperties\": false,\n          \"required\": [\"fromFile\"],\n          \"properties\": {\n            \"fromFile\": {\n              \"title\": \"File\",\n              \"description\": \"A path to a file holding the secret, relative to this file.\",\n              \"type\": \"string\",\n              \"minLength\": 1\n            }\n          }\n        }\n      ]\n    },\n    \"provider\": {\n      \"title\": \"Provider\",\n      \"description\": \"The provider account that serves these databases, and its settings. Secrets are referenced, never written.\",\n      \"type\": \"object\",\n      \"required\": [\"kind\"],\n      \"properties\": {\n        \"kind\": {\n          \"title\": \"Provider kind\",\n          \"description\": \"postgres (a self-managed PostgreSQL), aptible (Aptible Database Endpoints) or skysql (SkySQL services).\",\n          \"enum\": [\"postgres\", \"aptible\", \"skysql\"]\n        }\n      },\n      \"allOf\": [\n        {\n          \"if\": { \"properties\": { \"kind\": { \"const\": \"postgres\" } }, \"required\": [\"kind\"] },\n          \"then\": { \"$ref\": \"#/$defs/postgresProvider\" }\n        },\n        {\n          \"if\": { \"properties\": { \"kind\": { \"const\": \"aptible\" } }, \"required\": [\"kind\"] },\n          \"then\": { \"$ref\": \"#/$defs/aptibleProvider\" }\n        },\n        {\n          \"if\": { \"properties\": { \"kind\": { \"const\": \"skysql\" } }, \"required\": [\"kind\"] },\n          \"then\": { \"$ref\": \"#/$defs/skysqlProvider\" }\n        }\n      ]\n    },\n    \"postgresProvider\": {\n      \"title\": \"postgres provider\",\n      \"type\": \"object\",\n      \"additionalProperties\": false,\n      \"required\": [\"kind\", \"adminUrl\"],\n      \"properties\": {\n        \"kind\": { \"const\": \"postgres\" },\n        \"adminUrl\": {\n          \"title\": \"Admin connection URL\",\n          \"description\": \"A superuser connection URL (postgres://user:password@host:port/db), referenced from the environment or a file.\",\n          \"$ref\": \"#/$defs/secretRef\"\n        },\n        \"ca\": {\n          \"title\": \"Certificate authority\",\n          \"description\": \"The CA that signs the server certificate; dbfence ca init creates one.\",\n          \"type\": \"object\",\n          \"additionalProperties\": false,\n          \"required\": [\"certificate\", \"key\"],\n          \"properties\": {\n            \"certificate\": { \"title\": \"CA certificate (PEM)\", \"$ref\": \"#/$defs/secretRef\" },\n            \"key\": { \"title\": \"CA private key (PEM)\", \"$ref\": \"#/$defs/secretRef\" }\n          }\n        }\n      }\n    },\n    \"aptibleProvider\": {\n      \"title\": \"aptible provider\",\n      \"type\": \"object\",\n      \"additionalProperties\": false,\n      \"required\": [\"kind\", \"environment\", \"token\"],\n      \"properties\": {\n        \"kind\": { \"const\": \"aptible\" },\n        \"environment\": {\n          \"title\": \"Environment handle\",\n          \"description\": \"The Aptible environment (account) that holds the databases.\",\n          \"type\": \"string\",\n          \"minLength\": 1\n        },\n        \"token\": { \"title\": \"API token\", \"description\": \"An Aptible API token.\", \"$ref\": \"#/$defs/secretRef\" },\n        \"apiUrl\": { \"title\": \"API URL\", \"description\": \"Defaults to https://api.aptible.com.\", \"type\": \"string\", \"pattern\": \"^https?://\" }\n      }\n    },\n    \"skysqlProvider\": {\n      \"title\": \"skysql provider\",\n      \"type\": \"object\",\n      \"additionalProperties\": false,\n      \"required\": [\"kind\", \"apiKey\"],\n      \"properties\": {\n        \"kind\": { \"const\": \"skysql\" },\n        \"apiKey\": { \"title\": \"API key\", \"description\": \"A SkySQL API key.\", \"$ref\": \"#/$defs/secretRef\" },\n        \"apiUrl\": { \"title\": \"API URL\", \"description\": \"Defaults to https://api.skysql.com.\", \"type\": \"string\", \"pattern\": \"^https?://\" },\n        \"cloud\": {\n          \"title\": \"Cloud\",\n          \"description\": \"Where the services run; GCP allows longer allowlists.\",\n          \"enum\": [\"aws\", \"gcp\", \"azure\"]\n        }\n      }\n    },\n    \"defaults\": {\n      \"title\": \"Defaults\",\n      \"description\": \"Values that apply wherever an endpoint or integration does not say otherwise.\",\n      \"type\": \"object\",\n      \"additionalProperties\": false,\n      \"properties\": {\n        \"idleTimeout\": {\n          \"title\": \"Idle timeout\",\n          \"description\": \"The load balancer's idle cut-off for endpoints.\",\n          \"$ref\": \"#/$defs/duration\"\n        },\n        \"certificates\": {\n          \"title\": \"Certificates\",\n          \"type\": \"object\",\n          \"additionalProperties\": false,\n          \"properties\": {\n            \"validity\": { \"title\": \"Validity\", \"description\": \"How long an issued server certificate is valid.\", \"$ref\": \"#/$defs/duration\" },\n            \"renewBefore\": { \"title\": \"Renew before\", \"description\": \"Reissue a certificate this long before it expires.\", \"$ref\": \"#/$defs/duration\" }\n          }\n        }\n      }\n    },\n    \"database\": {\n      \"title\": \"Database\",\n      \"type\": \"object\",\n      \"additionalProperties\": false,\n      \"required\": [\"name\", \"engine\"],\n      \"properties\": {\n        \"name\": { \"$ref\": \"#/$defs/name\" },\n        \"engine\": { \"title\": \"Engine\", \"enum\": [\"postgresql\", \"mysql\", \"mariadb\"] },\n        \"sensitive\": {\n          \"title\": \"Sensitive tables\",\n          \"description\": \"Tables no integration may be granted, ever (schema.table).\",\n          \"type\": \"array\",\n          \"items\": { \"$ref\": \"#/$defs/tableRef\" }\n        },\n        \"endpoints\": { \"title\": \"Endpoints\", \"type\": \"array\", \"items\": { \"$ref\": \"#/$defs/endpoint\" } },\n        \"integrations\": { \"title\": \"Integrations\", \"type\": \"array\", \"items\": { \"$ref\": \"#/$defs/integration\" } }\n      }\n    },\n    \"endpoint\": {\n      \"title\": \"Endpoint\",\n      \"description\": \"A way into the database: public (internet load balancer with an IP allowlist) or private (PrivateLink-style, by allowed accounts).\",\n      \"type\": \"object\",\n      \"additionalProperties\": false,\n      \"required\": [\"name\", \"exposure\"],\n      \"properties\": {\n        \"name\": { \"$ref\": \"#/$defs/name\" },\n        \"exposure\": {\n          \"title\": \"Exposure\",\n          \"description\": \"public: an internet load balancer; private: a PrivateLink-style endpoint.\",\n          \"enum\": [\"public\", \"private\"]\n        },\n        \"hostname\": { \"$ref\": \"#/$defs/hostname\" },\n        \"port\": { \"title\": \"Port\", \"type\": \"integer\", \"minimum\": 1, \"maximum\": 65535 },\n        \"idleTimeout\": { \"title\": \"Idle timeout\", \"description\": \"Overrides defaults.idleTimeout.\", \"$ref\": \"#/$defs/duration\" },\n        \"tls\": {\n          \"title\": \"TLS\",\n          \"type\": \"object\",\n          \"additionalProperties\": false,\n          \"properties\": {\n            \"minVersion\": {\n              \"title\": \"Minimum TLS version\",\n              \"description\": \"The oldest TLS version the endpoint accepts; 1.2 when not given.\",\n              \"enum\": [\"1.0\", \"1.1\", \"1.2\", \"1.3\"]\n            }\n          }\n        },\n        \"allow\": {\n          \"title\": \"IP allowlist\",\n          \"description\": \"Who may open a TCP connection to a public endpoint.\",\n          \"type\": \"array\",\n          \"items\": { \"$ref\": \"#/$defs/allowEntry\" }\n        },\n        \"allowedAccounts\": {\n          \"title\": \"Allowed accounts\",\n          \"description\": \"Cloud accounts allowed to attach to a private endpoint.\",\n          \"type\": \"array\",\n          \"items\": { \"type\": \"string\", \"pattern\": \"^[A-Za-z0-9][A-Za-z0-9:._/-]{0,127}$\" }\n        }\n      }\n    },\n    \"allowEntry\": {\n      \"title\": \"Allow entry\",\n      \"type\": \"object\",\n      \"additionalProperties\": false,\n      \"required\": [\"cidr\"],\n      \"properties\": {\n        \"cidr\": { \"$ref\": \"#/$defs/cidr\" },\n        \"description\": { \"title\": \"Description\", \"description\": \"Who connects from here.\", \"type\": \"string\", \"maxLength\": 255 }\n      }\n    },\n    \"grant\": {\n      \"title\": \"Grant\",\n      \"type\": \"object\",\n      \"additionalProperties\": false,\n      \"required\": [\"table\", \"privileges\"],\n      \"properties\": {\n        \"table\": { \"$ref\": \"#/$defs/tableRef\" },\n        \"privileges\": {\n          \"title\": \"Privileges\",\n          \"type\": \"array\",\n          \"minItems\": 1,\n          \"uniqueItems\": true,\n          \"items\": { \"enum\": [\"SELECT\", \"INSERT\", \"UPDATE\", \"DELETE\", \"TRUNCATE\", \"REFERENCES\", \"TRIGGER\", \"USAGE\", \"ALL\"] }\n        }\n      }\n    },\n    \"integration\": {\n      \"title\": \"Integration\",\n      \"description\": \"One outside system (a BI tool, an ETL vendor, a partner) with its own user, sources, grants and TLS settings.\",\n      \"type\": \"object\",\n      \"additionalProperties\": false,\n      \"required\": [\"name\", \"user\", \"endpoint\"],\n      \"properties\": {\n        \"name\": { \"$ref\": \"#/$defs/name\" },\n        \"owner\": { \"title\": \"Owner\", \"description\": \"Who answers for this integration (a team or person, e.g. an email address).\", \"type\": \"string\", \"minLength\": 1 },\n        \"user\": { \"title\": \"Database user\", \"description\": \"The database user of this integration, used by no other.\", \"$ref\": \"#/$defs/sqlIdentifier\" },\n        \"endpoint\": { \"title\": \"Endpoint\", \"description\": \"The name of the endpoint this integration connects through.\", \"$ref\": \"#/$defs/name\" },\n        \"access\": { \"title\": \"Access\", \"description\": \"read-only (the default) or read-write.\", \"enum\": [\"read-only\", \"read-write\"] },\n        \"from\": {\n          \"title\": \"Source addresses\",\n          \"description\": \"Where this integration connects from; must lie inside its endpoint's allowlist.\",\n          \"type\": \"array\",\n          \"items\": { \"$ref\": \"#/$defs/cidr\" }\n        },\n        \"grants\": { \"title\": \"Grants\", \"type\": \"array\", \"items\": { \"$ref\": \"#/$defs/grant\" } },\n        \"tls\": {\n          \"title\": \"Client TLS\",\n          \"type\": \"object\",\n          \"additionalProperties\": false,\n          \"properties\": {\n            \"verify\": {\n              \"title\": \"Verification\",\n              \"description\": \"full: the certificate chain and the hostname; ca: the chain only; none: nothing.\",\n              \"enum\": [\"full\", \"ca\", \"none\"]\n            }\n          }\n        },\n        \"keepalive\": { \"title\": \"Keepalive\", \"description\": \"The client's heartbeat interval.\", \"$ref\": \"#/$defs/duration\" },\n        \"credentials\": {\n          \"title\": \"Credentials\",\n          \"type\": \"object\",\n          \"additionalProperties\": false,\n          \"properties\": {\n            \"password\": {\n              \"title\": \"Password\",\n              \"description\": \"A reference to the password ({ fromEnv: NAME } or { fromFile: PATH }); a value written here is refused by no-inline-secrets.\",\n              \"anyOf\": [{ \"$ref\": \"#/$defs/secretRef\" }, { \"type\": \"string\" }]\n            },\n            \"rotateEvery\": { \"title\": \"Rotate every\", \"$ref\": \"#/$defs/duration\" }\n          }\n        }\n      }\n    }\n  }\n}\n";
/** schemas/policy.v1.json, as printed by `dbfence schema policy`. */
const POLICY_SCHEMA_TEXT = "{\n  \"$schema\": \"https://json-schema.org/draft/2020-12/schema\",\n  \"$id\": \"https://github.com/dbfence/dbfence/raw/main/schemas/policy.v1.json\",\n  \"title\": \"dbfence policy file\",\n  \"description\": \"A file in a policies/ folder: a pack (rule severities and options) or a custom rule (a JSON Schema assertion over one kind of object of endpoints.yaml). See https://github.com/dbfence/dbfence/blob/main/docs/policies.md\",\n  \"type\": \"object\",\n  \"required\": [\"kind\"],\n  \"properties\": {\n    \"kind\": { \"enum\": [\"pack\", \"rule\"], \"description\": \"pack: severities and options of rules; rule: a custom rule.\" }\n  },\n  \"allOf\": [\n    { \"if\": { \"properties\": { \"kind\": { \"const\": \"pack\" } } }, \"then\": { \"$ref\": \"#/$defs/pack\" } },\n    { \"if\": { \"properties\": { \"kind\": { \"const\": \"rule\" } } }, \"then\": { \"$ref\": \"#/$defs/rule\" } }\n  ],\n  \"$defs\": {\n    \"severity\": { \"enum\": [\"error\", \"warning\", \"off\"] },\n    \"pack\": {\n      \"type\": \"object\",\n      \"additionalProperties\": false,\n      \"required\": [\"kind\", \"rules\"],\n      \"properties\": {\n        \"kind\": { \"const\": \"pack\" },\n        \"name\": { \"type\": \"string\" },\n        \"waivers\": {\n          \"description\": \"allowed (the default): findings may be waived with # dbfence-ignore comments in the file. forbidden: every such comment is an error and the finding stays; forbidden in any pack wins.\",\n          \"enum\": [\"allowed\", \"forbidden\"]\n        },\n        \"rules\": {\n          \"description\": \"Rule id → severity (error, warning, off), or { severity, options }. Later files (by name) override earlier ones; options merge key by key.\",\n          \"type\": \"object\",\n          \"propertyNames\": { \"pattern\": \"^[a-z][a-z0-9]*(-[a-z0-9]+)*$\" },\n          \"additionalProperties\": {\n            \"oneOf\": [\n              { \"$ref\": \"#/$defs/severity\" },\n              {\n                \"type\": \"object\",\n                \"additionalProperties\": false,\n                \"minProperties\": 1,\n                \"properties\": {\n                  \"severity\": { \"$ref\": \"#/$defs/severity\" },\n                  \"options\": { \"type\": \"object\" }\n                }\n              }\n            ]\n          }\n        }\n      }\n    },\n    \"rule\": {\n      \"type\": \"object\",\n      \"additionalProperties\": false,\n      \"required\": [\"kind\", \"id\", \"severity\", \"target\", \"assert\", \"message\"],\n      \"properties\": {\n        \"kind\": { \"const\": \"rule\" },\n        \"id\": {\n          \"description\": \"A kebab-case id, unique among all rules; findings and waivers use it.\",\n          \"type\": \"string\",\n          \"pattern\": \"^[a-z][a-z0-9]*(-[a-z0-9]+)*$\"\n        },\n        \"severity\": { \"enum\": [\"error\", \"warning\"] },\n        \"message\": { \"description\": \"What a finding says.\", \"type\": \"string\", \"minLength\": 1 },\n        \"rationale\": { \"description\": \"One line: why the rule exists.\", \"type\": \"string\" },\n        \"docs\": { \"description\": \"An http(s) URL that explains the rule.\", \"type\": \"string\", \"pattern\": \"^https?://\\\\S+$\" },\n        \"target\": {\n          \"description\": \"Which objects of endpoints.yaml the assertion is checked against, one by one.\",\n          \"enum\": [\"database\", \"endpoint\", \"allow-entry\", \"integration\", \"grant\"]\n        },\n        \"where\": { \"description\": \"A JSON Schema: only objects that match it are checked.\", \"type\": \"object\" },\n        \"assert\": {\n          \"description\": \"A JSON Schema each target object must match; dbfence adds cidrMaxAddresses, cidrMinPrefixLength, cidrInside, cidrOutside, cidrFamily and cidrRoutable for addresses.\",\n          \"type\": \"object\"\n        }\n      }\n    }\n  }\n}\n";
const PACKAGE_VERSION = "0.1.0";


/***/ }),

/***/ 9134:
/***/ ((__unused_webpack___webpack_module__, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   F: () => (/* binding */ ConfigIndex)
/* harmony export */ });
/* harmony import */ var _net_cidr_js__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(249);

/**
 * The file's objects with their paths, resolved once for all rules: which
 * endpoint an integration uses, every CIDR parsed a single time.
 */
class ConfigIndex {
    config;
    databases = [];
    endpoints = [];
    integrations = [];
    allowEntries = [];
    sources = [];
    allowByEndpoint = new Map();
    sourcesByEndpoint = new Map();
    constructor(config) {
        this.config = config;
        config.databases.forEach((database, d) => {
            const path = ['databases', d];
            this.databases.push({ database, path });
            const byName = new Map();
            (database.endpoints ?? []).forEach((endpoint, e) => {
                const ref = { database, path, endpoint, endpointPath: [...path, 'endpoints', e] };
                this.endpoints.push(ref);
                if (!byName.has(endpoint.name))
                    byName.set(endpoint.name, ref);
                const entries = (endpoint.allow ?? []).map((entry, a) => cidrRef(entry.cidr, [...ref.endpointPath, 'allow', a, 'cidr'], ref, undefined));
                this.allowByEndpoint.set(ref, entries);
                this.allowEntries.push(...entries);
            });
            (database.integrations ?? []).forEach((integration, i) => {
                const ref = {
                    database, path, integration,
                    integrationPath: [...path, 'integrations', i],
                    endpoint: byName.get(integration.endpoint),
                    sources: [],
                };
                this.integrations.push(ref);
                (integration.from ?? []).forEach((text, f) => {
                    const source = cidrRef(text, [...ref.integrationPath, 'from', f], ref.endpoint, ref);
                    ref.sources.push(source);
                    this.sources.push(source);
                    if (ref.endpoint) {
                        const list = this.sourcesByEndpoint.get(ref.endpoint);
                        if (list)
                            list.push(source);
                        else
                            this.sourcesByEndpoint.set(ref.endpoint, [source]);
                    }
                });
            });
        });
    }
    allowEntriesOf(endpoint) {
        return this.allowByEndpoint.get(endpoint) ?? [];
    }
    /** The `from` entries of the integrations that connect through an endpoint. */
    sourcesOf(endpoint) {
        return this.sourcesByEndpoint.get(endpoint) ?? [];
    }
}
function cidrRef(text, path, endpoint, integration) {
    const parsed = (0,_net_cidr_js__WEBPACK_IMPORTED_MODULE_0__/* .parseCidr */ .GN)(text);
    return {
        text, path, endpoint, integration,
        network: parsed.ok ? parsed.network : undefined,
        lenient: parsed.ok ? parsed.network : (0,_net_cidr_js__WEBPACK_IMPORTED_MODULE_0__/* .parseCidrLenient */ .dC)(text),
    };
}


/***/ }),

/***/ 380:
/***/ ((__unused_webpack___webpack_module__, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   E: () => (/* binding */ compareFindings),
/* harmony export */   e: () => (/* binding */ summarize)
/* harmony export */ });
function summarize(findings) {
    let errors = 0;
    for (const finding of findings)
        if (finding.severity === 'error')
            errors++;
    return { errors, warnings: findings.length - errors };
}
/** Findings in reading order: by file, then line, then column. */
function compareFindings(a, b) {
    return a.file.localeCompare(b.file) || a.line - b.line || a.column - b.column || a.ruleId.localeCompare(b.ruleId);
}


/***/ }),

/***/ 8975:
/***/ ((__unused_webpack___webpack_module__, __webpack_exports__, __webpack_require__) => {


// EXPORTS
__webpack_require__.d(__webpack_exports__, {
  Yb: () => (/* binding */ BUILTIN_RULES),
  u7: () => (/* binding */ CORE_CHECKS),
  cK: () => (/* binding */ PLAN_RULES)
});

;// CONCATENATED MODULE: ./lib/lint/rule.js
const DOCS_BASE_URL = 'https://github.com/dbfence/dbfence/blob/main/docs/rules';
/** Where a rule's documentation lives; derived from its id so no rule ships without one. */
function docsUrl(ruleId) {
    return `${DOCS_BASE_URL}/${ruleId}.md`;
}
/**
 * Defines a lint rule, typescript-eslint `RuleCreator` style: the options are
 * typed, and the docs URL comes from the id.
 */
function createRule(definition) {
    const { id, severity, rationale, description, optionsSchema, robust, check } = definition;
    return {
        meta: { id, severity, rationale, description, phase: 'lint', docsUrl: docsUrl(id) },
        ...(optionsSchema ? { optionsSchema } : {}),
        ...(robust ? { robust } : {}),
        defaultOptions: (definition.defaultOptions ?? {}),
        check,
    };
}
/** Declares a plan-time check: its findings come from the plan, not from a check over the file. */
function planRuleMeta(id, severity, rationale, description) {
    return { id, severity, rationale, description, phase: 'plan', docsUrl: docsUrl(id) };
}

// EXTERNAL MODULE: ./lib/net/cidr.js
var cidr = __webpack_require__(249);
;// CONCATENATED MODULE: ./lib/lint/rules/allowlist-breadth.js


/* harmony default export */ const allowlist_breadth = (createRule({
    id: 'allowlist-breadth',
    severity: 'error',
    rationale: 'A broad range admits thousands of machines nobody vetted; an allowlist should name where clients really are.',
    description: 'One allow entry admits more than a configurable number of addresses (default: more than a /16, or an IPv6 prefix shorter than /48).',
    optionsSchema: {
        type: 'object',
        additionalProperties: false,
        properties: {
            ipv4MaxAddresses: {
                type: 'integer', minimum: 1, maximum: 4294967296,
                description: 'The most IPv4 addresses one allow entry may admit (65536 is a /16). IPv4-mapped IPv6 entries count as IPv4.',
            },
            ipv6MinPrefixLength: {
                type: 'integer', minimum: 0, maximum: 128,
                description: 'The shortest prefix an IPv6 allow entry may have (48 allows a /48 and narrower).',
            },
        },
    },
    defaultOptions: { ipv4MaxAddresses: 65536, ipv6MinPrefixLength: 48 },
    check({ index, options, report }) {
        for (const entry of index.allowEntries) {
            const network = entry.network ?? entry.lenient;
            if (!network)
                continue;
            if (network.family === 'ipv6' && network.prefix < options.ipv6MinPrefixLength) {
                report({
                    path: entry.path,
                    message: `${entry.text} is broader than a /${options.ipv6MinPrefixLength}, the broadest IPv6 entry allowed`,
                });
                continue;
            }
            const ipv4 = ipv4Count(network);
            if (ipv4 > BigInt(options.ipv4MaxAddresses)) {
                const via = network.family === 'ipv6' ? ' (as IPv4-mapped IPv6 addresses)' : '';
                report({
                    path: entry.path,
                    message: `${entry.text} admits ${ipv4.toLocaleString('en-US')} IPv4 addresses${via}, more than the ${options.ipv4MaxAddresses.toLocaleString('en-US')} allowed for one entry`,
                });
            }
        }
    },
}));
/** The IPv4 addresses a network admits, directly or through the IPv4-mapped block (`::ffff:0:0/96`). */
function ipv4Count(network) {
    if (network.family === 'ipv4')
        return (0,cidr/* addressCount */.eJ)(network);
    const mapped = (0,cidr/* mappedIpv4Range */.q$)(network);
    return mapped ? mapped.last - mapped.first + 1n : 0n;
}

;// CONCATENATED MODULE: ./lib/lint/rules/allowlist-required.js

/* harmony default export */ const allowlist_required = (createRule({
    id: 'allowlist-required',
    severity: 'error',
    rationale: 'A public endpoint without IP filtering accepts connections from the whole internet.',
    description: 'A public endpoint has no allow entries.',
    check({ index, report }) {
        for (const { endpoint, endpointPath } of index.endpoints) {
            if (endpoint.exposure !== 'public' || (endpoint.allow?.length ?? 0) > 0)
                continue;
            report({
                path: endpoint.allow ? [...endpointPath, 'allow'] : endpointPath,
                message: `public endpoint ${endpoint.name} has no allow entries, so it would be open to the whole internet`,
            });
        }
    },
}));

;// CONCATENATED MODULE: ./lib/lint/rules/cidr-host-bits.js

/* harmony default export */ const cidr_host_bits = (createRule({
    id: 'cidr-host-bits',
    severity: 'error',
    rationale: 'A CIDR with host bits set is ambiguous: one tool reads the network, another refuses it, a reader guesses.',
    description: 'A CIDR has host bits set (`10.1.2.3/8`).',
    check({ index, report }) {
        for (const entry of [...index.allowEntries, ...index.sources]) {
            const network = entry.network;
            if (!network?.hostBitsSet)
                continue;
            const address = entry.text.slice(0, entry.text.indexOf('/'));
            const single = network.family === 'ipv4' ? 32 : 128;
            report({
                path: entry.path,
                message: `${entry.text} has host bits set: write ${network.canonical} for the network, or ${address}/${single} for the one address`,
            });
        }
    },
}));

// EXTERNAL MODULE: ./lib/model/duration.js
var duration = __webpack_require__(5149);
;// CONCATENATED MODULE: ./lib/lint/rules/heartbeat-below-idle-timeout.js


/* harmony default export */ const heartbeat_below_idle_timeout = (createRule({
    id: 'heartbeat-below-idle-timeout',
    severity: 'warning',
    rationale: 'Load balancers cut idle connections silently; a client without a shorter heartbeat sees random broken connections.',
    description: "An integration's keepalive is missing or not shorter than the endpoint's idle timeout.",
    optionsSchema: {
        type: 'object',
        additionalProperties: false,
        properties: {
            idleTimeout: {
                type: 'string', pattern: '^[0-9]{1,9}[smhd]$',
                description: "The idle timeout assumed where neither the endpoint's idleTimeout nor defaults.idleTimeout gives one.",
            },
        },
    },
    // AWS network load balancers drop idle TCP flows after 350 seconds.
    defaultOptions: { idleTimeout: '350s' },
    check({ config, index, options, report }) {
        for (const { integration, integrationPath, endpoint } of index.integrations) {
            if (!endpoint)
                continue;
            const idleText = endpoint.endpoint.idleTimeout ?? config.defaults?.idleTimeout ?? options.idleTimeout;
            const idle = (0,duration/* parseDuration */.E)(idleText);
            if (idle === undefined)
                continue;
            const keepalive = (0,duration/* parseDuration */.E)(integration.keepalive);
            if (keepalive === undefined) {
                report({
                    path: integrationPath,
                    message: `integration ${integration.name} sends no keepalive; endpoint ${endpoint.endpoint.name} cuts connections idle for ${idleText}: set keepalive below that`,
                });
            }
            else if (keepalive >= idle) {
                report({
                    path: [...integrationPath, 'keepalive'],
                    message: `keepalive ${integration.keepalive} is not shorter than the idle timeout ${idleText} of endpoint ${endpoint.endpoint.name}, so idle connections would be cut`,
                });
            }
        }
    },
}));

;// CONCATENATED MODULE: ./lib/lint/rules/integration-owner.js

/* harmony default export */ const integration_owner = (createRule({
    id: 'integration-owner',
    severity: 'warning',
    rationale: 'Access nobody answers for is never reviewed and never removed.',
    description: 'An integration has no `owner`.',
    check({ index, report }) {
        for (const { integration, integrationPath } of index.integrations) {
            if (integration.owner)
                continue;
            report({ path: integrationPath, message: `integration ${integration.name} has no owner to answer for it` });
        }
    },
}));

;// CONCATENATED MODULE: ./lib/lint/rules/no-admin-credential.js

/** Users that hold administrative rights whatever the provider. */
const COMMON_ADMINS = ['root', 'admin', 'administrator', 'superuser', 'sa', 'mysql', 'mariadb_sys', 'rdsadmin', 'azure_superuser', 'cloudsqlsuperuser'];
/** The administrative user each provider creates for its databases. */
const PROVIDER_ADMINS = {
    postgres: ['postgres'],
    aptible: ['aptible'],
    skysql: ['dbadmin'],
};
/**
 * SkySQL's default user is named after the service id: "db", three letters,
 * eight digits (`dbpwf03798702`, `dbdwf40820593`, `dbdgf42002418`).
 */
const SKYSQL_DEFAULT_USER = /^db[a-z]{3}[0-9]{8}$/;
/* harmony default export */ const no_admin_credential = (createRule({
    id: 'no-admin-credential',
    severity: 'error',
    rationale: "An integration holding the provider's administrative user can do anything, and its leak exposes everything.",
    description: "An integration uses the provider's administrative user (`postgres`, `aptible`, `root`, the provider's default user).",
    optionsSchema: {
        type: 'object',
        additionalProperties: false,
        properties: {
            users: {
                type: 'array', items: { type: 'string' },
                description: 'More user names to treat as administrative, on top of the built-in ones (e.g. a house superuser).',
            },
        },
    },
    defaultOptions: { users: [] },
    check({ config, index, options, report }) {
        const admins = new Set([...COMMON_ADMINS, ...Object.values(PROVIDER_ADMINS).flat(), ...options.users]);
        for (const { integration, integrationPath } of index.integrations) {
            const isAdmin = admins.has(integration.user) || (config.provider.kind === 'skysql' && SKYSQL_DEFAULT_USER.test(integration.user));
            if (!isAdmin)
                continue;
            report({
                path: [...integrationPath, 'user'],
                message: `integration ${integration.name} uses ${integration.user}, an administrative user: create a user of its own with only the grants it needs`,
            });
        }
    },
}));

// EXTERNAL MODULE: ./lib/model/path.js
var path = __webpack_require__(3070);
// EXTERNAL MODULE: ./lib/lint/secrets.js
var secrets = __webpack_require__(1236);
;// CONCATENATED MODULE: ./lib/lint/rules/no-inline-secrets.js



/* harmony default export */ const no_inline_secrets = (createRule({
    id: 'no-inline-secrets',
    severity: 'error',
    rationale: 'A secret in a reviewed file is in every clone, every fork and the history forever.',
    description: 'A password, token, private key or a URL with a password is written in the file instead of referenced.',
    robust: true,
    check({ config, report }) {
        for (const secret of (0,secrets/* findInlineSecrets */.o)(config)) {
            report({
                path: secret.path,
                message: `${secret.kind} is written in the file at ${(0,path/* formatPath */.jV)(secret.path)}: reference it instead, e.g. { fromEnv: NAME }, and rotate it, since it is in the history now`,
            });
        }
    },
}));

;// CONCATENATED MODULE: ./lib/lint/rules/no-sensitive-grants.js

/* harmony default export */ const no_sensitive_grants = (createRule({
    id: 'no-sensitive-grants',
    severity: 'error',
    rationale: 'Tables marked sensitive (credentials, personal data) must never leave through an integration, not even by a wildcard.',
    description: 'A grant reaches a table listed in `sensitive`, directly or through `schema.*`.',
    check({ index, report }) {
        for (const { database, integration, integrationPath } of index.integrations) {
            const sensitive = database.sensitive ?? [];
            if (sensitive.length === 0)
                continue;
            (integration.grants ?? []).forEach((grant, g) => {
                const reached = sensitive.filter((table) => reaches(grant.table, table));
                if (reached.length === 0)
                    return;
                let message;
                if (grant.table.endsWith('.*')) {
                    message = `${grant.table} reaches the sensitive table${reached.length > 1 ? 's' : ''} ${reached.join(', ')}: grant the tables ${integration.name} needs one by one, none of them sensitive`;
                }
                else if (reached.includes(grant.table)) {
                    message = `${grant.table} is listed as sensitive in database ${database.name}; no integration may be granted it`;
                }
                else {
                    message = `${grant.table} is in a schema database ${database.name} lists as sensitive (${reached.join(', ')}); no integration may be granted it`;
                }
                report({ path: [...integrationPath, 'grants', g, 'table'], message });
            });
        }
    },
}));
/** True when a grant on `granted` reaches `sensitive`; either may be a whole schema (`schema.*`). */
function reaches(granted, sensitive) {
    const schemaOf = (table) => table.slice(0, table.indexOf('.'));
    const wholeSchema = granted.endsWith('.*') || sensitive.endsWith('.*');
    return granted === sensitive || (wholeSchema && schemaOf(granted) === schemaOf(sensitive));
}

// EXTERNAL MODULE: ./lib/net/address-space.js + 1 modules
var address_space = __webpack_require__(6094);
// EXTERNAL MODULE: ./lib/lint/config-index.js
var config_index = __webpack_require__(9134);
;// CONCATENATED MODULE: ./lib/lint/rules/no-world-open.js




const WORLD = { ipv4: 'IPv4', ipv6: 'IPv6' };
/** Words other tools accept for "every address": refused by the schema, and still read as what they mean. */
const WORLD_WORDS = new Set(['*', 'any', 'all', 'anywhere', 'internet']);
const EVERY_ADDRESS = ['0.0.0.0/0', '::/0'].map((text) => (0,cidr/* parseCidrLenient */.dC)(text));
/** The IPv4-mapped IPv6 block, ::ffff:0:0/96: a network holding all of it reaches every IPv4 address. */
const MAPPED_FIRST = 0xffffn << 32n;
const MAPPED_LAST = MAPPED_FIRST | 0xffffffffn;
/** What one entry opens by itself: the same answer as a union of one, without building one per entry. */
function worldOfOne(entry) {
    const network = entry.lenient;
    if (!network)
        return WORLD_WORDS.has(entry.text.trim().toLowerCase()) ? ['ipv4', 'ipv6'] : [];
    if (network.family === 'ipv4')
        return network.prefix === 0 ? ['ipv4'] : [];
    const families = [];
    if (network.first <= MAPPED_FIRST && network.last >= MAPPED_LAST)
        families.push('ipv4');
    if (network.prefix === 0)
        families.push('ipv6');
    return families;
}
function worldOf(entries) {
    const space = new address_space/* AddressSpace */.T();
    for (const entry of entries) {
        if (entry.lenient)
            space.add(entry.lenient);
        else if (WORLD_WORDS.has(entry.text.trim().toLowerCase()))
            EVERY_ADDRESS.forEach((network) => space.add(network));
    }
    return space.worldFamilies();
}
function describe(families) {
    return `the whole ${families.map((family) => WORLD[family]).join(' and ')} internet`;
}
/* harmony default export */ const no_world_open = (createRule({
    id: 'no-world-open',
    severity: 'error',
    rationale: 'A database endpoint open to every address on the internet is one leaked password away from a breach.',
    description: 'An allow entry or integration `from`, alone or together with the others of the same endpoint, covers the whole IPv4 or IPv6 internet.',
    // `0/0` fails the schema, yet it is exactly what must never pass unnoticed: this rule runs on such files too.
    robust: true,
    check(context) {
        const { report } = context;
        // The shared index (built on first use) can read only data of the right shape; elsewhere, index the tolerant view.
        const tolerant = context.valid ? undefined : tolerantView(context.config);
        const index = !tolerant || tolerant.intact ? context.index : new config_index/* ConfigIndex */.F(tolerant.view);
        const reportGroup = (entries, groupPath, what) => {
            const alone = new Set();
            for (const entry of entries) {
                const families = worldOfOne(entry);
                if (families.length === 0)
                    continue;
                families.forEach((family) => alone.add(family));
                report({ path: entry.path, message: `${JSON.stringify(entry.text)} opens the endpoint to ${describe(families)}` });
            }
            const together = worldOf(entries).filter((family) => !alone.has(family));
            if (together.length > 0)
                report({ path: groupPath, message: `together, the ${what} open the endpoint to ${describe(together)}` });
        };
        for (const endpoint of index.endpoints) {
            reportGroup(index.allowEntriesOf(endpoint), [...endpoint.endpointPath, 'allow'], 'allow entries');
        }
        for (const integration of index.integrations) {
            reportGroup(integration.sources, [...integration.integrationPath, 'from'], `\`from\` entries of ${integration.integration.name}`);
        }
        for (const endpoint of index.endpoints) {
            // Integrations that are each harmless can still, between them, open the endpoint to everyone.
            const sources = index.sourcesOf(endpoint);
            const perIntegration = new Set(sources.map((source) => source.integration));
            if (perIntegration.size < 2)
                continue;
            const opened = worldOf(sources).filter((family) => [...perIntegration].every((integration) => !worldOf(integration?.sources ?? []).includes(family)));
            if (opened.length === 0)
                continue;
            report({
                path: [...endpoint.endpointPath, 'name'],
                message: `together, the \`from\` entries of the integrations using ${endpoint.endpoint.name} cover ${describe(opened)}`,
            });
        }
    },
}));
/**
 * The raw data reduced to what this rule reads, in the shape ConfigIndex
 * expects even when the file fails the schema. A node of the wrong type
 * becomes an empty one at the same index, so every path still points at the
 * source; `intact` says no node had to be replaced.
 */
function tolerantView(data) {
    let intact = true;
    const list = (value, optional = true) => {
        if (Array.isArray(value))
            return value;
        if (!(optional && value === undefined))
            intact = false;
        return [];
    };
    const record = (value) => {
        if (value !== null && typeof value === 'object' && !Array.isArray(value))
            return value;
        intact = false;
        return {};
    };
    const text = (value) => {
        if (typeof value === 'string')
            return value;
        intact = false;
        return '';
    };
    const databases = list(record(data).databases, false).map((item) => {
        const database = record(item);
        return {
            endpoints: list(database.endpoints).map((entry) => {
                const endpoint = record(entry);
                return { name: text(endpoint.name), allow: list(endpoint.allow).map((allow) => ({ cidr: text(record(allow).cidr) })) };
            }),
            integrations: list(database.integrations).map((entry) => {
                const integration = record(entry);
                // No endpoint unless it is a name: a missing one must not match an endpoint whose name is missing too.
                const endpoint = typeof integration.endpoint === 'string' ? integration.endpoint : undefined;
                if (endpoint === undefined)
                    intact = false;
                return { name: text(integration.name), endpoint, from: list(integration.from).map(text) };
            }),
        };
    });
    return { view: { databases }, intact };
}

// EXTERNAL MODULE: ./lib/net/special-ranges.js
var special_ranges = __webpack_require__(7575);
;// CONCATENATED MODULE: ./lib/lint/rules/non-routable-source.js


/* harmony default export */ const non_routable_source = (createRule({
    id: 'non-routable-source',
    severity: 'warning',
    rationale: 'No internet client connects from a private, loopback or reserved address; such an entry is a mistake or a leftover.',
    description: 'A public endpoint admits private, loopback, link-local, shared (CGNAT), documentation, benchmarking, multicast or reserved ranges.',
    check({ index, report }) {
        const entries = [...index.allowEntries, ...index.sources];
        for (const entry of entries) {
            if (entry.endpoint?.endpoint.exposure !== 'public' || !entry.network)
                continue;
            const names = (0,special_ranges/* nonRoutableNames */.e)(entry.network);
            if (names.length === 0)
                continue;
            report({
                path: entry.path,
                message: `${entry.text} on public endpoint ${entry.endpoint.endpoint.name} admits ${names.join(', ')} addresses, which no internet client can come from`,
            });
        }
    },
}));

;// CONCATENATED MODULE: ./lib/lint/rules/private-endpoint-accounts.js

/* harmony default export */ const private_endpoint_accounts = (createRule({
    id: 'private-endpoint-accounts',
    severity: 'error',
    rationale: 'A private endpoint is reached by the cloud accounts it allows; with none, nobody (or, on some clouds, anybody) can attach.',
    description: 'A private endpoint names no allowed accounts.',
    check({ index, report }) {
        for (const { endpoint, endpointPath } of index.endpoints) {
            if (endpoint.exposure !== 'private' || (endpoint.allowedAccounts?.length ?? 0) > 0)
                continue;
            report({
                path: endpoint.allowedAccounts ? [...endpointPath, 'allowedAccounts'] : endpointPath,
                message: `private endpoint ${endpoint.name} names no allowed accounts`,
            });
        }
    },
}));

;// CONCATENATED MODULE: ./lib/lint/rules/private-endpoint-allowlist.js

/* harmony default export */ const private_endpoint_allowlist = (createRule({
    id: 'private-endpoint-allowlist',
    severity: 'warning',
    rationale: 'Private endpoints ignore IP filtering; an allowlist there gives a false sense of control.',
    description: 'A private endpoint has allow entries.',
    check({ index, report }) {
        for (const { endpoint, endpointPath } of index.endpoints) {
            if (endpoint.exposure !== 'private' || (endpoint.allow?.length ?? 0) === 0)
                continue;
            report({
                path: [...endpointPath, 'allow'],
                at: 'key',
                message: `private endpoint ${endpoint.name} ignores IP filtering: access is by allowed accounts, so these allow entries have no effect`,
            });
        }
    },
}));

;// CONCATENATED MODULE: ./lib/lint/rules/provider-limits.js


function limitsOf(kind, cloud) {
    switch (kind) {
        case 'postgres':
            return { label: 'a self-managed PostgreSQL', privateEndpoints: false };
        case 'aptible':
            // "The underlying AWS hardware that backs Database Endpoints has an idle connection timeout of 60 minutes."
            return { label: 'Aptible', privateEndpoints: false, maxAllowEntries: 50, ipv4Only: true, fixedIdleTimeout: 3600 };
        case 'skysql':
            return {
                label: cloud === 'gcp' ? 'SkySQL on GCP' : 'SkySQL',
                privateEndpoints: true,
                maxAllowEntries: cloud === 'gcp' ? 200 : 30,
                ipv4Only: true,
                networkAddressRequired: true,
                // A service has one endpoint mechanism: nlb (public) or privateconnect (private).
                maxEndpointsPerDatabase: 1,
            };
    }
}
/* harmony default export */ const provider_limits = (createRule({
    id: 'provider-limits',
    severity: 'error',
    rationale: "A file the provider would refuse fails at apply time, after review; the provider's documented limits are checked at lint time instead.",
    description: "An endpoint exceeds what the provider supports: private endpoints on self-managed PostgreSQL or Aptible, more endpoints per database or allow entries than the provider takes, IPv6 where only IPv4 is accepted, a CIDR that is not a network address, or an idle timeout the provider does not offer.",
    check({ config, index, report }) {
        const limits = limitsOf(config.provider.kind, 'cloud' in config.provider ? config.provider.cloud : undefined);
        for (const { database, path } of index.databases) {
            const count = database.endpoints?.length ?? 0;
            if (limits.maxEndpointsPerDatabase === undefined || count <= limits.maxEndpointsPerDatabase)
                continue;
            report({
                path: [...path, 'endpoints'],
                at: 'key',
                message: `${limits.label} gives a database one endpoint (public nlb or private privateconnect); ${database.name} declares ${count}`,
            });
        }
        const defaultIdle = config.defaults?.idleTimeout;
        if (limits.fixedIdleTimeout !== undefined && defaultIdle !== undefined && (0,duration/* parseDuration */.E)(defaultIdle) !== limits.fixedIdleTimeout) {
            report({ path: ['defaults', 'idleTimeout'], message: `${limits.label} endpoints cut idle connections after ${limits.fixedIdleTimeout / 60}m, and that cannot be changed: write ${limits.fixedIdleTimeout / 60}m` });
        }
        for (const ref of index.endpoints) {
            const { endpoint, endpointPath } = ref;
            if (limits.fixedIdleTimeout !== undefined && endpoint.idleTimeout !== undefined && (0,duration/* parseDuration */.E)(endpoint.idleTimeout) !== limits.fixedIdleTimeout) {
                report({ path: [...endpointPath, 'idleTimeout'], message: `${limits.label} endpoints cut idle connections after ${limits.fixedIdleTimeout / 60}m, and that cannot be changed: write ${limits.fixedIdleTimeout / 60}m or leave it out` });
            }
            if (endpoint.exposure === 'private' && !limits.privateEndpoints) {
                report({
                    path: [...endpointPath, 'exposure'],
                    message: `${limits.label} has no private endpoints: ${endpoint.name} must be public, or use a provider with PrivateLink-style endpoints (skysql)`,
                });
            }
            const allow = endpoint.allow ?? [];
            if (limits.maxAllowEntries !== undefined && allow.length > limits.maxAllowEntries) {
                report({
                    path: [...endpointPath, 'allow'],
                    at: 'key',
                    message: `${limits.label} takes at most ${limits.maxAllowEntries} allow entries per endpoint; ${endpoint.name} has ${allow.length}`,
                });
            }
            for (const entry of index.allowEntriesOf(ref)) {
                if (limits.ipv4Only && entry.network?.family === 'ipv6') {
                    report({ path: entry.path, message: `${limits.label} filters IPv4 only; ${entry.text} is IPv6` });
                }
                if (limits.networkAddressRequired && entry.network?.hostBitsSet) {
                    report({ path: entry.path, message: `${limits.label} requires the network address: write ${entry.network.canonical}` });
                }
            }
        }
    },
}));

;// CONCATENATED MODULE: ./lib/lint/rules/read-only-grants.js

const READ_ONLY_PRIVILEGES = new Set(['SELECT', 'USAGE']);
/* harmony default export */ const read_only_grants = (createRule({
    id: 'read-only-grants',
    severity: 'error',
    rationale: 'A reporting tool with write grants turns a leaked credential into lost or altered data.',
    description: 'A read-only integration is granted anything beyond SELECT (and USAGE on a schema); ALL is always an error.',
    check({ index, report }) {
        for (const { integration, integrationPath } of index.integrations) {
            const readOnly = (integration.access ?? 'read-only') === 'read-only';
            (integration.grants ?? []).forEach((grant, g) => {
                grant.privileges.forEach((privilege, p) => {
                    const path = [...integrationPath, 'grants', g, 'privileges', p];
                    if (privilege === 'ALL') {
                        report({ path, message: `ALL on ${grant.table} grants every privilege, now and in future versions: list the privileges ${integration.name} needs` });
                    }
                    else if (readOnly && !READ_ONLY_PRIVILEGES.has(privilege)) {
                        report({ path, message: `${integration.name} is read-only but is granted ${privilege} on ${grant.table}` });
                    }
                });
            });
        }
    },
}));

;// CONCATENATED MODULE: ./lib/lint/rules/source-within-allowlist.js


/* harmony default export */ const source_within_allowlist = (createRule({
    id: 'source-within-allowlist',
    severity: 'error',
    rationale: "An integration whose sources are outside its endpoint's allowlist cannot connect; the file then describes access that does not exist.",
    description: "An integration's `from` is not inside its endpoint's allow entries, or it names an endpoint that does not exist.",
    check({ index, report }) {
        const unions = new Map();
        for (const ref of index.integrations) {
            const { integration, integrationPath, endpoint, database } = ref;
            if (!endpoint) {
                const known = (database.endpoints ?? []).map((e) => e.name);
                report({
                    path: [...integrationPath, 'endpoint'],
                    message: `integration ${integration.name} names endpoint ${integration.endpoint}, which database ${database.name} does not have${known.length > 0 ? ` (it has: ${known.join(', ')})` : ''}`,
                });
                continue;
            }
            if (endpoint.endpoint.exposure !== 'public')
                continue;
            if (ref.sources.length === 0) {
                report({
                    path: integrationPath,
                    message: `integration ${integration.name} connects through public endpoint ${endpoint.endpoint.name} but has no \`from\`: say where it connects from`,
                });
                continue;
            }
            let union = unions.get(endpoint);
            if (!union) {
                union = new address_space/* AddressSpace */.T();
                for (const entry of index.allowEntriesOf(endpoint))
                    if (entry.network)
                        union.add(entry.network);
                unions.set(endpoint, union);
            }
            for (const source of ref.sources) {
                if (!source.network || union.contains(source.network))
                    continue;
                report({
                    path: source.path,
                    message: `${source.text} is not inside the allow entries of endpoint ${endpoint.endpoint.name}, so ${integration.name} could not connect from there`,
                });
            }
        }
    },
}));

;// CONCATENATED MODULE: ./lib/lint/rules/tls-verify-full.js

const WEAK_TLS = new Set(['1.0', '1.1']);
/* harmony default export */ const tls_verify_full = (createRule({
    id: 'tls-verify-full',
    severity: 'error',
    rationale: 'A client that does not check the certificate chain and hostname can be handed to any machine in the middle.',
    description: "An integration's client does not verify both the certificate chain and the hostname, or an endpoint allows TLS below 1.2.",
    check({ index, report }) {
        for (const { integration, integrationPath } of index.integrations) {
            const verify = integration.tls?.verify;
            if (verify === 'full')
                continue;
            if (verify === undefined) {
                report({
                    path: integration.tls ? [...integrationPath, 'tls'] : integrationPath,
                    message: `integration ${integration.name} does not say how its client verifies the server: set tls.verify to full`,
                });
            }
            else {
                const what = verify === 'ca' ? 'checks the certificate chain but not the hostname' : 'does not verify the server at all';
                report({ path: [...integrationPath, 'tls', 'verify'], message: `integration ${integration.name}'s client ${what}: set tls.verify to full` });
            }
        }
        for (const { endpoint, endpointPath } of index.endpoints) {
            const minVersion = endpoint.tls?.minVersion;
            if (minVersion === undefined || !WEAK_TLS.has(minVersion))
                continue;
            report({
                path: [...endpointPath, 'tls', 'minVersion'],
                message: `endpoint ${endpoint.name} accepts TLS ${minVersion}, which has known weaknesses: require 1.2 or later`,
            });
        }
    },
}));

;// CONCATENATED MODULE: ./lib/lint/rules/unique-names.js

/* harmony default export */ const unique_names = (createRule({
    id: 'unique-names',
    severity: 'error',
    rationale: 'Names are how plans, drift and findings point at things; two of the same make every reference ambiguous.',
    description: 'Two databases, endpoints, hostnames or integrations share a name.',
    check({ index, report }) {
        const check = (kind, items) => {
            const seen = new Set();
            for (const { name, path } of items) {
                if (name === undefined)
                    continue;
                if (seen.has(name))
                    report({ path, message: `${kind} ${name} is declared more than once` });
                else
                    seen.add(name);
            }
        };
        check('database', index.databases.map(({ database, path }) => ({ name: database.name, path: [...path, 'name'] })));
        check('endpoint', index.endpoints.map(({ endpoint, endpointPath }) => ({ name: endpoint.name, path: [...endpointPath, 'name'] })));
        check('hostname', index.endpoints.map(({ endpoint, endpointPath }) => ({ name: endpoint.hostname, path: [...endpointPath, 'hostname'] })));
        check('integration', index.integrations.map(({ integration, integrationPath }) => ({ name: integration.name, path: [...integrationPath, 'name'] })));
    },
}));

;// CONCATENATED MODULE: ./lib/lint/rules/unique-user-per-integration.js

/* harmony default export */ const unique_user_per_integration = (createRule({
    id: 'unique-user-per-integration',
    severity: 'error',
    rationale: 'A user shared by two systems cannot be rotated, revoked or audited for one of them alone.',
    description: 'Two integrations use the same database user.',
    check({ index, report }) {
        const first = new Map();
        for (const ref of index.integrations) {
            const { user, name } = ref.integration;
            const owner = first.get(user);
            if (!owner) {
                first.set(user, ref);
                continue;
            }
            report({
                path: [...ref.integrationPath, 'user'],
                message: `integration ${name} uses database user ${user}, already used by integration ${owner.integration.name}: give each integration its own user`,
            });
        }
    },
}));

;// CONCATENATED MODULE: ./lib/lint/rules/index.js



















/** Every built-in lint-time rule: the spec's, in its order, then the provider-aware one. */
const BUILTIN_RULES = [
    no_world_open,
    allowlist_breadth,
    allowlist_required,
    non_routable_source,
    cidr_host_bits,
    private_endpoint_allowlist,
    private_endpoint_accounts,
    unique_user_per_integration,
    no_admin_credential,
    read_only_grants,
    no_sensitive_grants,
    tls_verify_full,
    source_within_allowlist,
    heartbeat_below_idle_timeout,
    unique_names,
    no_inline_secrets,
    integration_owner,
    provider_limits,
];
/** Checks that need the live state: their findings come from `plan`. */
const PLAN_RULES = [
    planRuleMeta('destructive-change', 'error', 'Destroying or recreating an endpoint or dropping a user cuts someone off; it should never happen by accident.', 'A change destroys or recreates an endpoint (e.g. public ↔ private) or drops a user, and it is not acknowledged.'),
    planRuleMeta('certificate-expiry', 'warning', 'An expired certificate or one missing a hostname breaks every client that verifies it, all at once.', 'A served certificate expires within `renewBefore`, or does not name every endpoint hostname.'),
    planRuleMeta('drift', 'warning', 'A change made by hand in a dashboard is a change nobody reviewed, and the next apply will undo it.', 'The live state differs from what the file on the default branch declares.'),
];
/** Findings about the file itself rather than a rule: they cannot be turned off or waived. */
const CORE_CHECKS = [
    { id: 'syntax', severity: 'error', phase: 'lint', rationale: 'A file that is not well-formed YAML cannot be read the same way by every tool.', description: 'The file is not valid YAML, is empty, too large, not UTF-8, or uses duplicate keys, tab indentation or too many aliases.', docsUrl: docsUrl('syntax') },
    { id: 'schema', severity: 'error', phase: 'lint', rationale: 'A key or value the format does not define is a typo or a misunderstanding, and would otherwise be ignored.', description: 'The file does not match the endpoints.yaml v1 schema, or a CIDR is not written in its standard form.', docsUrl: docsUrl('schema') },
    { id: 'waiver', severity: 'error', phase: 'lint', rationale: 'A waiver without a reason or past its date hides a problem nobody is answering for.', description: 'A `dbfence-ignore` comment is malformed, names an unknown rule, has no reason, has expired, is not on a line of its own, is not followed by a node, or waivers are forbidden by a policy pack.', docsUrl: docsUrl('waiver') },
    { id: 'unused-waiver', severity: 'warning', phase: 'lint', rationale: 'A waiver that waives nothing is noise that will one day hide a real finding.', description: 'A `dbfence-ignore` comment waives no finding.', docsUrl: docsUrl('unused-waiver') },
];


/***/ }),

/***/ 7248:
/***/ ((__unused_webpack___webpack_module__, __webpack_exports__, __webpack_require__) => {


// EXPORTS
__webpack_require__.d(__webpack_exports__, {
  QC: () => (/* binding */ displayName),
  Ac: () => (/* binding */ lintFile),
  nU: () => (/* binding */ runLint)
});

// UNUSED EXPORTS: loadRuleSet, resolvePoliciesDir

// EXTERNAL MODULE: external "node:fs"
var external_node_fs_ = __webpack_require__(3024);
// EXTERNAL MODULE: external "node:path"
var external_node_path_ = __webpack_require__(6760);
;// CONCATENATED MODULE: ./lib/model/locations.js
/**
 * Maps document paths to source offsets. Rules report paths; this index is the
 * one place that turns them into positions (as Spectral does), so no rule ever
 * deals with lines or columns.
 */
class LocationIndex {
    root;
    records = new WeakMap();
    constructor(root) {
        this.root = root;
    }
    /** Records a mapping's children; `offsets` holds four numbers per key, in the keys' order. */
    recordMap(container, keys, offsets) {
        this.records.set(container, { keys, offsets });
    }
    /** Records a sequence's items; `offsets` holds four numbers per item. */
    recordSeq(container, offsets) {
        this.records.set(container, { keys: undefined, offsets });
    }
    child(container, key) {
        const record = this.records.get(container);
        if (!record)
            return undefined;
        const index = record.keys ? record.keys.indexOf(String(key)) : typeof key === 'number' ? key : -1;
        return rangeAt(record.offsets, index);
    }
    /** The keys recorded for a mapping, in source order. */
    keysOf(container) {
        return this.records.get(container)?.keys ?? [];
    }
    /**
     * The range of the deepest node along `path` that exists. With `at: 'key'`
     * a mapping entry resolves to its key rather than its value. Paths that run
     * past the data (a missing property) resolve to the nearest existing parent.
     */
    locate(data, path, at = 'value') {
        let node = data;
        let found = this.root;
        for (let i = 0; i < path.length; i++) {
            if (node === null || typeof node !== 'object')
                break;
            const segment = path[i];
            const range = this.child(node, segment);
            if (!range)
                break;
            const last = i === path.length - 1;
            const value = node[segment];
            const isCollection = value !== null && typeof value === 'object';
            // A mapping or sequence under a key is best shown at its key; a scalar at its value.
            const useKey = range.keyStart !== range.valueStart && (last ? at === 'key' || isCollection : false);
            found = useKey ? { start: range.keyStart, end: range.keyEnd } : { start: range.valueStart, end: range.valueEnd };
            node = value;
        }
        return found;
    }
    /** Visits every recorded node below `data` with its path, depth first in source order. */
    *walk(data, path = []) {
        if (data === null || typeof data !== 'object')
            return;
        const record = this.records.get(data);
        if (!record)
            return;
        const count = record.offsets.length / 4;
        for (let i = 0; i < count; i++) {
            const key = record.keys ? record.keys[i] : i;
            const childPath = [...path, key];
            yield { path: childPath, range: rangeAt(record.offsets, i) };
            yield* this.walk(data[key], childPath);
        }
    }
}
function rangeAt(offsets, index) {
    if (index < 0 || index * 4 >= offsets.length)
        return undefined;
    const at = index * 4;
    return { keyStart: offsets[at], keyEnd: offsets[at + 1], valueStart: offsets[at + 2], valueEnd: offsets[at + 3] };
}

// EXTERNAL MODULE: ./node_modules/yaml/dist/index.js
var dist = __webpack_require__(8815);
;// CONCATENATED MODULE: ./lib/model/source.js

/** The text of one input file and the means to turn offsets into positions. */
class SourceFile {
    name;
    text;
    lineCounter;
    constructor(
    /** The name findings carry: the path as the user gave it, with forward slashes. */
    name, text, lineCounter) {
        this.name = name;
        this.text = text;
        this.lineCounter = lineCounter ?? countLines(text);
    }
    position(offset) {
        const { line, col } = this.lineCounter.linePos(Math.max(0, Math.min(offset, this.text.length)));
        return { line: Math.max(line, 1), column: Math.max(col, 1) };
    }
    /** The text of a 1-based line, without its line break. */
    lineText(line) {
        const starts = this.lineCounter.lineStarts;
        const start = starts[line - 1];
        if (start === undefined)
            return '';
        const next = starts[line];
        const end = next === undefined ? this.text.length : next - 1;
        return this.text.slice(start, end).replace(/\r$/, '');
    }
    get lineCount() {
        return this.lineCounter.lineStarts.length;
    }
}
/** Builds a LineCounter without parsing, for text that is parsed in pieces or not at all. */
function countLines(text) {
    const counter = new dist/* LineCounter */.HN();
    counter.addNewLine(0);
    for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1))
        counter.addNewLine(i + 1);
    return counter;
}

;// CONCATENATED MODULE: ./lib/model/parse.js



const DEFAULT_PARSE_LIMITS = { maxAliasNodes: 10_000 };
/**
 * From this size on, the `databases` list is parsed one item at a time (see
 * parseInChunks). Below it, one parse is as fast and simpler.
 */
const CHUNKED_PARSE_MIN_LENGTH = 128 * 1024;
/** Keys that would reach an object's prototype if assigned; refused outright. */
const FORBIDDEN_KEYS = new Set(['__proto__']);
const PARSE_OPTIONS = { uniqueKeys: true, prettyErrors: false, keepSourceTokens: false };
/** Parses one YAML document, keeping every node's source range. */
function parseYaml(name, text, limits = DEFAULT_PARSE_LIMITS) {
    return (text.length >= CHUNKED_PARSE_MIN_LENGTH ? parseInChunks(name, text, limits) : undefined)
        ?? parseWhole(name, text, limits);
}
function parseWhole(name, text, limits) {
    const lineCounter = new dist/* LineCounter */.HN();
    const doc = (0,dist/* parseDocument */.Tp)(text, { ...PARSE_OPTIONS, lineCounter });
    const source = new SourceFile(name, text, lineCounter);
    const problems = [...doc.errors, ...doc.warnings].map(yamlProblem);
    const locations = new LocationIndex({ start: 0, end: Math.min(text.length, 1) });
    if (problems.length > 0)
        return { source, data: undefined, locations, problems };
    const data = doc.contents === null ? null : new Converter(doc, locations, problems, limits).convert(doc.contents);
    return { source, data, locations, problems };
}
/**
 * Parses a large file as its top level plus one small document per item of
 * `databases`, with the same `yaml` parser. One parse of a multi-megabyte
 * document keeps every token and node alive until the end, and garbage
 * collection of that long-lived heap dominates; per-item documents die young.
 * The split is only a way to feed the parser: the result must be exactly what
 * one parse would give, so any doubt (an item that does not parse alone, an
 * alias across items, a directive, an unusual layout) falls back to one parse,
 * which also reports errors at their true positions.
 */
function parseInChunks(name, text, limits) {
    const layout = findDatabaseItems(text);
    if (!layout)
        return undefined;
    const locations = new LocationIndex({ start: 0, end: Math.min(text.length, 1) });
    const problems = [];
    // The top level without the list; what follows the list is shifted back into place.
    const removed = layout.blockEnd - layout.blockStart;
    const topDoc = (0,dist/* parseDocument */.Tp)(text.slice(0, layout.blockStart) + text.slice(layout.blockEnd), PARSE_OPTIONS);
    if (topDoc.errors.length > 0 || topDoc.warnings.length > 0 || !(0,dist/* isMap */.jh)(topDoc.contents))
        return undefined;
    const topOffset = (offset) => (offset < layout.blockStart ? offset : offset + removed);
    const data = new Converter(topDoc, locations, problems, limits, topOffset).convert(topDoc.contents);
    if (problems.length > 0 || !('databases' in data) || data.databases !== null)
        return undefined;
    const items = [];
    const itemOffsets = [];
    for (let i = 0; i < layout.itemStarts.length; i++) {
        const start = layout.itemStarts[i];
        const end = layout.itemStarts[i + 1] ?? layout.blockEnd;
        const doc = (0,dist/* parseDocument */.Tp)(text.slice(start, end), PARSE_OPTIONS);
        if (doc.errors.length > 0 || doc.warnings.length > 0 || !(0,dist/* isSeq */.oP)(doc.contents) || doc.contents.items.length !== 1)
            return undefined;
        const item = doc.contents.items[0];
        items.push(new Converter(doc, locations, problems, limits, (offset) => start + offset).convert(item));
        const [itemStart, itemEnd] = item.range ?? [0, 0];
        itemOffsets.push(start + itemStart, start + itemEnd, start + itemStart, start + itemEnd);
        if (problems.length > 0)
            return undefined;
    }
    data.databases = items;
    locations.recordSeq(items, itemOffsets);
    const keys = locations.keysOf(data);
    const databasesKey = locations.child(data, 'databases');
    const offsets = keys.flatMap((key) => {
        const range = key === 'databases'
            ? { ...databasesKey, valueStart: itemOffsets[0] ?? databasesKey.keyEnd, valueEnd: itemOffsets[itemOffsets.length - 1] ?? databasesKey.keyEnd }
            : locations.child(data, key);
        return [range.keyStart, range.keyEnd, range.valueStart, range.valueEnd];
    });
    locations.recordMap(data, keys, offsets);
    return { source: new SourceFile(name, text, countLines(text)), data, locations, problems };
}
const DATABASES_KEY = /^databases:[ \t]*(#.*)?\r?$/m;
/**
 * Finds the items of a top-level block sequence under `databases:`, written
 * the common way (each item starting `- ` at one indentation). Returns
 * undefined for anything else, which then gets one ordinary parse.
 */
function findDatabaseItems(text) {
    // A directive (%YAML 1.1, %TAG) changes how every item reads; a second document changes the top level.
    if (/^(%|---|\.\.\.)/m.test(text.slice(1)) || text.startsWith('%'))
        return undefined;
    const key = DATABASES_KEY.exec(text);
    if (!key || DATABASES_KEY.exec(text.slice(key.index + key[0].length)))
        return undefined;
    const blockStart = text.indexOf('\n', key.index) + 1;
    if (blockStart === 0)
        return undefined;
    const itemStarts = [];
    let indent = -1;
    let offset = blockStart;
    let blockEnd = text.length;
    while (offset < text.length) {
        const lineEnd = text.indexOf('\n', offset);
        const next = lineEnd === -1 ? text.length : lineEnd + 1;
        const line = text.slice(offset, lineEnd === -1 ? text.length : lineEnd);
        const content = line.trimStart();
        if (content === '' || content === '\r' || content.startsWith('#')) {
            offset = next;
            continue;
        }
        const lineIndent = line.length - content.length;
        if (lineIndent === 0 && !content.startsWith('- ')) {
            blockEnd = offset;
            break;
        }
        if (indent === -1) {
            if (!content.startsWith('- ') || line.includes('\t'))
                return undefined;
            indent = lineIndent;
        }
        if (lineIndent < indent)
            return undefined;
        if (lineIndent === indent) {
            if (!content.startsWith('- '))
                return undefined;
            itemStarts.push(offset);
        }
        offset = next;
    }
    if (itemStarts.length === 0)
        return undefined;
    return { blockStart, blockEnd, itemStarts };
}
function yamlProblem(error) {
    const [start, end] = error.pos;
    const message = error.message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '');
    return { message: problemMessage(error.code, message), start, end };
}
function problemMessage(code, message) {
    switch (code) {
        case 'DUPLICATE_KEY':
            return `${message}: a duplicated key would silently replace the first one`;
        case 'TAB_AS_INDENT':
            return 'a tab is used for indentation; YAML allows only spaces there';
        case 'MULTIPLE_DOCS':
            return 'the file holds more than one YAML document; dbfence reads exactly one';
        default:
            return message;
    }
}
/** Turns yaml nodes into plain data while recording where each came from. */
class Converter {
    doc;
    locations;
    problems;
    limits;
    at;
    aliasNodes = 0;
    aliasDepth = 0;
    aliasLimitReported = false;
    constructor(doc, locations, problems, limits, 
    /** Maps an offset in the parsed text to the file's, when the text is a piece of the file. */
    at = (offset) => offset) {
        this.doc = doc;
        this.locations = locations;
        this.problems = problems;
        this.limits = limits;
        this.at = at;
    }
    convert(node) {
        if (node === null)
            return null;
        if (this.aliasDepth > 0 && ++this.aliasNodes > this.limits.maxAliasNodes) {
            throw new AliasLimitExceeded();
        }
        if ((0,dist/* isAlias */.Vj)(node))
            return this.expandAlias(node);
        if ((0,dist/* isScalar */.jn)(node))
            return node.value;
        if ((0,dist/* isMap */.jh)(node))
            return this.convertMap(node.items);
        if ((0,dist/* isSeq */.oP)(node))
            return this.convertSeq(node.items);
        return null;
    }
    expandAlias(alias) {
        const target = alias.resolve(this.doc);
        if (!target)
            return null;
        this.aliasDepth++;
        try {
            return this.convert(target);
        }
        catch (error) {
            if (!(error instanceof AliasLimitExceeded) || this.aliasDepth > 1)
                throw error;
            // One finding says it all; every later alias of the document stays unexpanded too.
            if (this.aliasLimitReported)
                return null;
            this.aliasLimitReported = true;
            const [start, end] = alias.range ?? [0, 0];
            this.problems.push({
                start: this.at(start), end: this.at(end),
                message: `aliases expand to more than ${this.limits.maxAliasNodes} nodes; refusing to expand them (a "billion laughs" document?)`,
            });
            return null;
        }
        finally {
            this.aliasDepth--;
        }
    }
    convertMap(items) {
        const out = {};
        const keys = [];
        const offsets = [];
        const at = this.at;
        for (const item of items) {
            if (!(0,dist/* isPair */.tO)(item))
                continue;
            const keyNode = item.key;
            const valueNode = item.value;
            if (keyNode !== null && !(0,dist/* isScalar */.jn)(keyNode)) {
                const [start, end] = keyNode.range ?? [0, 0];
                this.problems.push({ start: at(start), end: at(end), message: 'a mapping key must be a plain string, not a collection or alias' });
                continue;
            }
            const key = keyNode === null ? '' : String(keyNode.value);
            const [keyStart, keyEnd] = keyNode?.range ?? [0, 0];
            if (FORBIDDEN_KEYS.has(key)) {
                this.problems.push({ start: at(keyStart), end: at(keyEnd), message: `the key "${key}" is not allowed` });
                continue;
            }
            const [valueStart, valueEnd] = valueNode?.range ?? [keyEnd, keyEnd];
            out[key] = this.convert(valueNode);
            keys.push(key);
            offsets.push(at(keyStart), at(keyEnd), at(valueStart), at(valueEnd));
        }
        this.locations.recordMap(out, keys, offsets);
        return out;
    }
    convertSeq(items) {
        const out = new Array(items.length);
        const offsets = new Array(items.length * 4);
        const at = this.at;
        for (let index = 0; index < items.length; index++) {
            const item = items[index];
            out[index] = this.convert(item);
            const [start, end] = item?.range ?? [0, 0];
            offsets[index * 4] = offsets[index * 4 + 2] = at(start);
            offsets[index * 4 + 1] = offsets[index * 4 + 3] = at(end);
        }
        this.locations.recordSeq(out, offsets);
        return out;
    }
}
class AliasLimitExceeded extends Error {
}

// EXTERNAL MODULE: ./lib/errors.js
var errors = __webpack_require__(452);
;// CONCATENATED MODULE: ./lib/model/read.js


/** Files larger than this are refused unread: no endpoints.yaml is anywhere near it. */
const DEFAULT_MAX_FILE_BYTES = 16 * 1024 * 1024;
/**
 * Reads a file as UTF-8 text. A problem with the content (too large, not
 * UTF-8) is returned for a finding; a file that cannot be read at all is a
 * ToolError.
 */
function readSourceText(path, maxBytes = DEFAULT_MAX_FILE_BYTES) {
    let bytes;
    try {
        const size = (0,external_node_fs_.statSync)(path).size;
        if (size > maxBytes) {
            return { ok: false, offset: 0, text: '', message: `the file is ${formatBytes(size)}, over the ${formatBytes(maxBytes)} limit; is this the right file?` };
        }
        bytes = (0,external_node_fs_.readFileSync)(path);
    }
    catch (error) {
        const code = error.code;
        const reason = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a folder' : code === 'EACCES' ? 'permission denied' : String(code ?? error);
        throw new errors/* ToolError */.v(`cannot read ${path}: ${reason}`);
    }
    return decodeUtf8(bytes);
}
function decodeUtf8(bytes) {
    if ((bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff)) {
        return { ok: false, offset: 0, text: '', message: 'the file is UTF-16; save it as UTF-8' };
    }
    const start = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? 3 : 0;
    const body = bytes.subarray(start);
    try {
        return { ok: true, text: new TextDecoder('utf-8', { fatal: true }).decode(body) };
    }
    catch {
        // The lenient decoding marks the first bad sequence with U+FFFD; that is where the finding points.
        const lenient = new TextDecoder('utf-8').decode(body);
        const offset = Math.max(0, lenient.indexOf('\uFFFD'));
        const byteOffset = Buffer.byteLength(lenient.slice(0, offset)) + start;
        return { ok: false, offset, text: lenient, message: `the file is not valid UTF-8 (byte 0x${bytes[byteOffset].toString(16).padStart(2, '0')} at byte offset ${byteOffset}); save it as UTF-8` };
    }
}
function formatBytes(bytes) {
    return bytes >= 1024 * 1024 ? `${(bytes / 1024 / 1024).toFixed(1)} MiB` : `${Math.ceil(bytes / 1024)} KiB`;
}

// EXTERNAL MODULE: ./lib/model/path.js
var model_path = __webpack_require__(3070);
// EXTERNAL MODULE: ./lib/net/cidr.js
var cidr = __webpack_require__(249);
// EXTERNAL MODULE: ./lib/lint/config-index.js
var config_index = __webpack_require__(9134);
// EXTERNAL MODULE: ./lib/lint/finding.js
var finding = __webpack_require__(380);
;// CONCATENATED MODULE: ./lib/lint/policies/custom-rule.js

/** Every object of the given kind in the file, with its path. */
function targetsOf(kind, index) {
    switch (kind) {
        case 'database':
            return index.databases.map(({ database, path }) => ({ value: database, path }));
        case 'endpoint':
            return index.endpoints.map(({ endpoint, endpointPath }) => ({ value: endpoint, path: endpointPath }));
        case 'allow-entry':
            return index.endpoints.flatMap(({ endpoint, endpointPath }) => (endpoint.allow ?? []).map((entry, a) => ({ value: entry, path: [...endpointPath, 'allow', a] })));
        case 'integration':
            return index.integrations.map(({ integration, integrationPath }) => ({ value: integration, path: integrationPath }));
        case 'grant':
            return index.integrations.flatMap(({ integration, integrationPath }) => (integration.grants ?? []).map((grant, g) => ({ value: grant, path: [...integrationPath, 'grants', g] })));
    }
}
/** Runs a custom rule: one report per failing node, at the node the assertion failed on. */
function runCustomRule(rule, index) {
    const reports = [];
    for (const { value, path } of targetsOf(rule.target, index)) {
        if (rule.where && !rule.where(value))
            continue;
        if (rule.assert(value))
            continue;
        const pointers = new Set((rule.assert.errors ?? []).map((error) => error.instancePath));
        if (pointers.size === 0)
            pointers.add('');
        for (const pointer of pointers) {
            // Report the deepest failing nodes only: a failure inside a list also fails the list itself.
            if ([...pointers].some((other) => other !== pointer && other.startsWith(`${pointer}/`)))
                continue;
            reports.push({ path: [...path, ...(0,model_path/* pathFromPointer */.XC)(pointer, value)], message: rule.message });
        }
    }
    return reports;
}

// EXTERNAL MODULE: ./lib/lint/rules/index.js + 19 modules
var lint_rules = __webpack_require__(8975);
// EXTERNAL MODULE: ./node_modules/ajv/dist/runtime/ucs2length.js
var ucs2length = __webpack_require__(6214);
// EXTERNAL MODULE: ./node_modules/ajv/dist/runtime/equal.js
var equal = __webpack_require__(4951);
;// CONCATENATED MODULE: ./lib/generated/endpoints-validator.js
// Generated by scripts/generate.mjs; do not edit.
// @ts-nocheck


const validate = validate20;
/* harmony default export */ const endpoints_validator = ((/* unused pure expression or super */ null && (validate20)));
const schema31 = { "$schema": "https://json-schema.org/draft/2020-12/schema", "$id": "https://github.com/dbfence/dbfence/raw/main/schemas/endpoints.v1.json", "title": "dbfence endpoints.yaml (format version 1)", "description": "Databases reachable through one provider account, the endpoints that expose them, and the integrations (outside systems) that connect through those endpoints. See https://github.com/dbfence/dbfence/blob/main/docs/endpoints-v1.md", "type": "object", "additionalProperties": false, "required": ["version", "provider", "databases"], "properties": { "version": { "title": "Format version", "description": "Always 1 for this format.", "const": 1 }, "provider": { "$ref": "#/$defs/provider" }, "defaults": { "$ref": "#/$defs/defaults" }, "databases": { "title": "Databases", "description": "The databases of this environment, each with its endpoints and integrations.", "type": "array", "items": { "$ref": "#/$defs/database" } } }, "$defs": { "name": { "title": "Name", "description": "Lowercase letters, digits, '_' and '-', starting with a letter or '_', at most 63 characters.", "type": "string", "pattern": "^[a-z_][a-z0-9_-]{0,62}$" }, "sqlIdentifier": { "title": "SQL identifier", "description": "A lowercase SQL identifier: [a-z_][a-z0-9_]*, at most 63 characters.", "type": "string", "pattern": "^[a-z_][a-z0-9_]{0,62}$" }, "tableRef": { "title": "Table", "description": "schema.table, or schema.* for every table of a schema; lowercase SQL identifiers.", "type": "string", "pattern": "^[a-z_][a-z0-9_]{0,62}\\.([a-z_][a-z0-9_]{0,62}|\\*)$" }, "hostname": { "title": "Hostname", "description": "A DNS name, e.g. orders.db.example.com.", "type": "string", "maxLength": 253, "pattern": "^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$" }, "duration": { "title": "Duration", "description": "A whole number followed by s, m, h or d, e.g. 90d or 5m.", "type": "string", "pattern": "^[0-9]{1,9}[smhd]$" }, "cidr": { "title": "CIDR", "description": "An IPv4 or IPv6 network in CIDR notation (52.20.10.0/24, 2001:db8::/48); a bare address means /32 or /128. Addresses are written in their standard form: four decimal octets without leading zeros for IPv4.", "type": "string", "pattern": "^(((25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])\\.){3}(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])(/(3[0-2]|[12]?[0-9]))?|[0-9a-fA-F:.]*:[0-9a-fA-F:.]*(/(12[0-8]|1[01][0-9]|[1-9]?[0-9]))?)$" }, "secretRef": { "title": "Secret reference", "description": "{ fromEnv: NAME } or { fromFile: PATH }: where a secret comes from; its value is never written in this file.", "type": "object", "oneOf": [{ "title": "From an environment variable", "type": "object", "additionalProperties": false, "required": ["fromEnv"], "properties": { "fromEnv": { "title": "Environment variable", "description": "The name of the environment variable that holds the secret.", "type": "string", "pattern": "^[A-Za-z_][A-Za-z0-9_]*$" } } }, { "title": "From a file", "type": "object", "additionalProperties": false, "required": ["fromFile"], "properties": { "fromFile": { "title": "File", "description": "A path to a file holding the secret, relative to this file.", "type": "string", "minLength": 1 } } }] }, "provider": { "title": "Provider", "description": "The provider account that serves these databases, and its settings. Secrets are referenced, never written.", "type": "object", "required": ["kind"], "properties": { "kind": { "title": "Provider kind", "description": "postgres (a self-managed PostgreSQL), aptible (Aptible Database Endpoints) or skysql (SkySQL services).", "enum": ["postgres", "aptible", "skysql"] } }, "allOf": [{ "if": { "properties": { "kind": { "const": "postgres" } }, "required": ["kind"] }, "then": { "$ref": "#/$defs/postgresProvider" } }, { "if": { "properties": { "kind": { "const": "aptible" } }, "required": ["kind"] }, "then": { "$ref": "#/$defs/aptibleProvider" } }, { "if": { "properties": { "kind": { "const": "skysql" } }, "required": ["kind"] }, "then": { "$ref": "#/$defs/skysqlProvider" } }] }, "postgresProvider": { "title": "postgres provider", "type": "object", "additionalProperties": false, "required": ["kind", "adminUrl"], "properties": { "kind": { "const": "postgres" }, "adminUrl": { "title": "Admin connection URL", "description": "A superuser connection URL (postgres://user:password@host:port/db), referenced from the environment or a file.", "$ref": "#/$defs/secretRef" }, "ca": { "title": "Certificate authority", "description": "The CA that signs the server certificate; dbfence ca init creates one.", "type": "object", "additionalProperties": false, "required": ["certificate", "key"], "properties": { "certificate": { "title": "CA certificate (PEM)", "$ref": "#/$defs/secretRef" }, "key": { "title": "CA private key (PEM)", "$ref": "#/$defs/secretRef" } } } } }, "aptibleProvider": { "title": "aptible provider", "type": "object", "additionalProperties": false, "required": ["kind", "environment", "token"], "properties": { "kind": { "const": "aptible" }, "environment": { "title": "Environment handle", "description": "The Aptible environment (account) that holds the databases.", "type": "string", "minLength": 1 }, "token": { "title": "API token", "description": "An Aptible API token.", "$ref": "#/$defs/secretRef" }, "apiUrl": { "title": "API URL", "description": "Defaults to https://api.aptible.com.", "type": "string", "pattern": "^https?://" } } }, "skysqlProvider": { "title": "skysql provider", "type": "object", "additionalProperties": false, "required": ["kind", "apiKey"], "properties": { "kind": { "const": "skysql" }, "apiKey": { "title": "API key", "description": "A SkySQL API key.", "$ref": "#/$defs/secretRef" }, "apiUrl": { "title": "API URL", "description": "Defaults to https://api.skysql.com.", "type": "string", "pattern": "^https?://" }, "cloud": { "title": "Cloud", "description": "Where the services run; GCP allows longer allowlists.", "enum": ["aws", "gcp", "azure"] } } }, "defaults": { "title": "Defaults", "description": "Values that apply wherever an endpoint or integration does not say otherwise.", "type": "object", "additionalProperties": false, "properties": { "idleTimeout": { "title": "Idle timeout", "description": "The load balancer's idle cut-off for endpoints.", "$ref": "#/$defs/duration" }, "certificates": { "title": "Certificates", "type": "object", "additionalProperties": false, "properties": { "validity": { "title": "Validity", "description": "How long an issued server certificate is valid.", "$ref": "#/$defs/duration" }, "renewBefore": { "title": "Renew before", "description": "Reissue a certificate this long before it expires.", "$ref": "#/$defs/duration" } } } } }, "database": { "title": "Database", "type": "object", "additionalProperties": false, "required": ["name", "engine"], "properties": { "name": { "$ref": "#/$defs/name" }, "engine": { "title": "Engine", "enum": ["postgresql", "mysql", "mariadb"] }, "sensitive": { "title": "Sensitive tables", "description": "Tables no integration may be granted, ever (schema.table).", "type": "array", "items": { "$ref": "#/$defs/tableRef" } }, "endpoints": { "title": "Endpoints", "type": "array", "items": { "$ref": "#/$defs/endpoint" } }, "integrations": { "title": "Integrations", "type": "array", "items": { "$ref": "#/$defs/integration" } } } }, "endpoint": { "title": "Endpoint", "description": "A way into the database: public (internet load balancer with an IP allowlist) or private (PrivateLink-style, by allowed accounts).", "type": "object", "additionalProperties": false, "required": ["name", "exposure"], "properties": { "name": { "$ref": "#/$defs/name" }, "exposure": { "title": "Exposure", "description": "public: an internet load balancer; private: a PrivateLink-style endpoint.", "enum": ["public", "private"] }, "hostname": { "$ref": "#/$defs/hostname" }, "port": { "title": "Port", "type": "integer", "minimum": 1, "maximum": 65535 }, "idleTimeout": { "title": "Idle timeout", "description": "Overrides defaults.idleTimeout.", "$ref": "#/$defs/duration" }, "tls": { "title": "TLS", "type": "object", "additionalProperties": false, "properties": { "minVersion": { "title": "Minimum TLS version", "description": "The oldest TLS version the endpoint accepts; 1.2 when not given.", "enum": ["1.0", "1.1", "1.2", "1.3"] } } }, "allow": { "title": "IP allowlist", "description": "Who may open a TCP connection to a public endpoint.", "type": "array", "items": { "$ref": "#/$defs/allowEntry" } }, "allowedAccounts": { "title": "Allowed accounts", "description": "Cloud accounts allowed to attach to a private endpoint.", "type": "array", "items": { "type": "string", "pattern": "^[A-Za-z0-9][A-Za-z0-9:._/-]{0,127}$" } } } }, "allowEntry": { "title": "Allow entry", "type": "object", "additionalProperties": false, "required": ["cidr"], "properties": { "cidr": { "$ref": "#/$defs/cidr" }, "description": { "title": "Description", "description": "Who connects from here.", "type": "string", "maxLength": 255 } } }, "grant": { "title": "Grant", "type": "object", "additionalProperties": false, "required": ["table", "privileges"], "properties": { "table": { "$ref": "#/$defs/tableRef" }, "privileges": { "title": "Privileges", "type": "array", "minItems": 1, "uniqueItems": true, "items": { "enum": ["SELECT", "INSERT", "UPDATE", "DELETE", "TRUNCATE", "REFERENCES", "TRIGGER", "USAGE", "ALL"] } } } }, "integration": { "title": "Integration", "description": "One outside system (a BI tool, an ETL vendor, a partner) with its own user, sources, grants and TLS settings.", "type": "object", "additionalProperties": false, "required": ["name", "user", "endpoint"], "properties": { "name": { "$ref": "#/$defs/name" }, "owner": { "title": "Owner", "description": "Who answers for this integration (a team or person, e.g. an email address).", "type": "string", "minLength": 1 }, "user": { "title": "Database user", "description": "The database user of this integration, used by no other.", "$ref": "#/$defs/sqlIdentifier" }, "endpoint": { "title": "Endpoint", "description": "The name of the endpoint this integration connects through.", "$ref": "#/$defs/name" }, "access": { "title": "Access", "description": "read-only (the default) or read-write.", "enum": ["read-only", "read-write"] }, "from": { "title": "Source addresses", "description": "Where this integration connects from; must lie inside its endpoint's allowlist.", "type": "array", "items": { "$ref": "#/$defs/cidr" } }, "grants": { "title": "Grants", "type": "array", "items": { "$ref": "#/$defs/grant" } }, "tls": { "title": "Client TLS", "type": "object", "additionalProperties": false, "properties": { "verify": { "title": "Verification", "description": "full: the certificate chain and the hostname; ca: the chain only; none: nothing.", "enum": ["full", "ca", "none"] } } }, "keepalive": { "title": "Keepalive", "description": "The client's heartbeat interval.", "$ref": "#/$defs/duration" }, "credentials": { "title": "Credentials", "type": "object", "additionalProperties": false, "properties": { "password": { "title": "Password", "description": "A reference to the password ({ fromEnv: NAME } or { fromFile: PATH }); a value written here is refused by no-inline-secrets.", "anyOf": [{ "$ref": "#/$defs/secretRef" }, { "type": "string" }] }, "rotateEvery": { "title": "Rotate every", "$ref": "#/$defs/duration" } } } } } } };
const schema32 = { "title": "Provider", "description": "The provider account that serves these databases, and its settings. Secrets are referenced, never written.", "type": "object", "required": ["kind"], "properties": { "kind": { "title": "Provider kind", "description": "postgres (a self-managed PostgreSQL), aptible (Aptible Database Endpoints) or skysql (SkySQL services).", "enum": ["postgres", "aptible", "skysql"] } }, "allOf": [{ "if": { "properties": { "kind": { "const": "postgres" } }, "required": ["kind"] }, "then": { "$ref": "#/$defs/postgresProvider" } }, { "if": { "properties": { "kind": { "const": "aptible" } }, "required": ["kind"] }, "then": { "$ref": "#/$defs/aptibleProvider" } }, { "if": { "properties": { "kind": { "const": "skysql" } }, "required": ["kind"] }, "then": { "$ref": "#/$defs/skysqlProvider" } }] };
const schema33 = { "title": "postgres provider", "type": "object", "additionalProperties": false, "required": ["kind", "adminUrl"], "properties": { "kind": { "const": "postgres" }, "adminUrl": { "title": "Admin connection URL", "description": "A superuser connection URL (postgres://user:password@host:port/db), referenced from the environment or a file.", "$ref": "#/$defs/secretRef" }, "ca": { "title": "Certificate authority", "description": "The CA that signs the server certificate; dbfence ca init creates one.", "type": "object", "additionalProperties": false, "required": ["certificate", "key"], "properties": { "certificate": { "title": "CA certificate (PEM)", "$ref": "#/$defs/secretRef" }, "key": { "title": "CA private key (PEM)", "$ref": "#/$defs/secretRef" } } } } };
const schema34 = { "title": "Secret reference", "description": "{ fromEnv: NAME } or { fromFile: PATH }: where a secret comes from; its value is never written in this file.", "type": "object", "oneOf": [{ "title": "From an environment variable", "type": "object", "additionalProperties": false, "required": ["fromEnv"], "properties": { "fromEnv": { "title": "Environment variable", "description": "The name of the environment variable that holds the secret.", "type": "string", "pattern": "^[A-Za-z_][A-Za-z0-9_]*$" } } }, { "title": "From a file", "type": "object", "additionalProperties": false, "required": ["fromFile"], "properties": { "fromFile": { "title": "File", "description": "A path to a file holding the secret, relative to this file.", "type": "string", "minLength": 1 } } }] };
const pattern4 = new RegExp("^[A-Za-z_][A-Za-z0-9_]*$", "u");
const func1 = ucs2length["default"] ?? ucs2length;
function validate22(data, { instancePath = "", parentData, parentDataProperty, rootData = data, dynamicAnchors = {} } = {}) { let vErrors = null; let errors = 0; const evaluated0 = validate22.evaluated; if (evaluated0.dynamicProps) {
    evaluated0.props = undefined;
} if (evaluated0.dynamicItems) {
    evaluated0.items = undefined;
} if (data && typeof data == "object" && !Array.isArray(data)) {
    if (data.kind === undefined) {
        const err0 = { instancePath, schemaPath: "#/required", keyword: "required", params: { missingProperty: "kind" }, message: "must have required property '" + "kind" + "'", schema: schema33.required, parentSchema: schema33, data };
        if (vErrors === null) {
            vErrors = [err0];
        }
        else {
            vErrors.push(err0);
        }
        errors++;
    }
    if (data.adminUrl === undefined) {
        const err1 = { instancePath, schemaPath: "#/required", keyword: "required", params: { missingProperty: "adminUrl" }, message: "must have required property '" + "adminUrl" + "'", schema: schema33.required, parentSchema: schema33, data };
        if (vErrors === null) {
            vErrors = [err1];
        }
        else {
            vErrors.push(err1);
        }
        errors++;
    }
    for (const key0 in data) {
        if (!(((key0 === "kind") || (key0 === "adminUrl")) || (key0 === "ca"))) {
            const err2 = { instancePath, schemaPath: "#/additionalProperties", keyword: "additionalProperties", params: { additionalProperty: key0 }, message: "must NOT have additional properties", schema: false, parentSchema: schema33, data };
            if (vErrors === null) {
                vErrors = [err2];
            }
            else {
                vErrors.push(err2);
            }
            errors++;
        }
    }
    if (data.kind !== undefined) {
        let data0 = data.kind;
        if ("postgres" !== data0) {
            const err3 = { instancePath: instancePath + "/kind", schemaPath: "#/properties/kind/const", keyword: "const", params: { allowedValue: "postgres" }, message: "must be equal to constant", schema: "postgres", parentSchema: schema33.properties.kind, data: data0 };
            if (vErrors === null) {
                vErrors = [err3];
            }
            else {
                vErrors.push(err3);
            }
            errors++;
        }
    }
    if (data.adminUrl !== undefined) {
        let data1 = data.adminUrl;
        if (!(data1 && typeof data1 == "object" && !Array.isArray(data1))) {
            const err4 = { instancePath: instancePath + "/adminUrl", schemaPath: "#/$defs/secretRef/type", keyword: "type", params: { type: "object" }, message: "must be object", schema: schema34.type, parentSchema: schema34, data: data1 };
            if (vErrors === null) {
                vErrors = [err4];
            }
            else {
                vErrors.push(err4);
            }
            errors++;
        }
        const _errs6 = errors;
        let valid2 = false;
        let passing0 = null;
        const _errs7 = errors;
        if (data1 && typeof data1 == "object" && !Array.isArray(data1)) {
            if (data1.fromEnv === undefined) {
                const err5 = { instancePath: instancePath + "/adminUrl", schemaPath: "#/$defs/secretRef/oneOf/0/required", keyword: "required", params: { missingProperty: "fromEnv" }, message: "must have required property '" + "fromEnv" + "'", schema: schema34.oneOf[0].required, parentSchema: schema34.oneOf[0], data: data1 };
                if (vErrors === null) {
                    vErrors = [err5];
                }
                else {
                    vErrors.push(err5);
                }
                errors++;
            }
            for (const key1 in data1) {
                if (!(key1 === "fromEnv")) {
                    const err6 = { instancePath: instancePath + "/adminUrl", schemaPath: "#/$defs/secretRef/oneOf/0/additionalProperties", keyword: "additionalProperties", params: { additionalProperty: key1 }, message: "must NOT have additional properties", schema: false, parentSchema: schema34.oneOf[0], data: data1 };
                    if (vErrors === null) {
                        vErrors = [err6];
                    }
                    else {
                        vErrors.push(err6);
                    }
                    errors++;
                }
            }
            if (data1.fromEnv !== undefined) {
                let data2 = data1.fromEnv;
                if (typeof data2 === "string") {
                    if (!pattern4.test(data2)) {
                        const err7 = { instancePath: instancePath + "/adminUrl/fromEnv", schemaPath: "#/$defs/secretRef/oneOf/0/properties/fromEnv/pattern", keyword: "pattern", params: { pattern: "^[A-Za-z_][A-Za-z0-9_]*$" }, message: "must match pattern \"" + "^[A-Za-z_][A-Za-z0-9_]*$" + "\"", schema: "^[A-Za-z_][A-Za-z0-9_]*$", parentSchema: schema34.oneOf[0].properties.fromEnv, data: data2 };
                        if (vErrors === null) {
                            vErrors = [err7];
                        }
                        else {
                            vErrors.push(err7);
                        }
                        errors++;
                    }
                }
                else {
                    const err8 = { instancePath: instancePath + "/adminUrl/fromEnv", schemaPath: "#/$defs/secretRef/oneOf/0/properties/fromEnv/type", keyword: "type", params: { type: "string" }, message: "must be string", schema: schema34.oneOf[0].properties.fromEnv.type, parentSchema: schema34.oneOf[0].properties.fromEnv, data: data2 };
                    if (vErrors === null) {
                        vErrors = [err8];
                    }
                    else {
                        vErrors.push(err8);
                    }
                    errors++;
                }
            }
        }
        else {
            const err9 = { instancePath: instancePath + "/adminUrl", schemaPath: "#/$defs/secretRef/oneOf/0/type", keyword: "type", params: { type: "object" }, message: "must be object", schema: schema34.oneOf[0].type, parentSchema: schema34.oneOf[0], data: data1 };
            if (vErrors === null) {
                vErrors = [err9];
            }
            else {
                vErrors.push(err9);
            }
            errors++;
        }
        var _valid0 = _errs7 === errors;
        if (_valid0) {
            valid2 = true;
            passing0 = 0;
            var props0 = true;
        }
        const _errs12 = errors;
        if (data1 && typeof data1 == "object" && !Array.isArray(data1)) {
            if (data1.fromFile === undefined) {
                const err10 = { instancePath: instancePath + "/adminUrl", schemaPath: "#/$defs/secretRef/oneOf/1/required", keyword: "required", params: { missingProperty: "fromFile" }, message: "must have required property '" + "fromFile" + "'", schema: schema34.oneOf[1].required, parentSchema: schema34.oneOf[1], data: data1 };
                if (vErrors === null) {
                    vErrors = [err10];
                }
                else {
                    vErrors.push(err10);
                }
                errors++;
            }
            for (const key2 in data1) {
                if (!(key2 === "fromFile")) {
                    const err11 = { instancePath: instancePath + "/adminUrl", schemaPath: "#/$defs/secretRef/oneOf/1/additionalProperties", keyword: "additionalProperties", params: { additionalProperty: key2 }, message: "must NOT have additional properties", schema: false, parentSchema: schema34.oneOf[1], data: data1 };
                    if (vErrors === null) {
                        vErrors = [err11];
                    }
                    else {
                        vErrors.push(err11);
                    }
                    errors++;
                }
            }
            if (data1.fromFile !== undefined) {
                let data3 = data1.fromFile;
                if (typeof data3 === "string") {
                    if (func1(data3) < 1) {
                        const err12 = { instancePath: instancePath + "/adminUrl/fromFile", schemaPath: "#/$defs/secretRef/oneOf/1/properties/fromFile/minLength", keyword: "minLength", params: { limit: 1 }, message: "must NOT have fewer than 1 characters", schema: 1, parentSchema: schema34.oneOf[1].properties.fromFile, data: data3 };
                        if (vErrors === null) {
                            vErrors = [err12];
                        }
                        else {
                            vErrors.push(err12);
                        }
                        errors++;
                    }
                }
                else {
                    const err13 = { instancePath: instancePath + "/adminUrl/fromFile", schemaPath: "#/$defs/secretRef/oneOf/1/properties/fromFile/type", keyword: "type", params: { type: "string" }, message: "must be string", schema: schema34.oneOf[1].properties.fromFile.type, parentSchema: schema34.oneOf[1].properties.fromFile, data: data3 };
                    if (vErrors === null) {
                        vErrors = [err13];
                    }
                    else {
                        vErrors.push(err13);
                    }
                    errors++;
                }
            }
        }
        else {
            const err14 = { instancePath: instancePath + "/adminUrl", schemaPath: "#/$defs/secretRef/oneOf/1/type", keyword: "type", params: { type: "object" }, message: "must be object", schema: schema34.oneOf[1].type, parentSchema: schema34.oneOf[1], data: data1 };
            if (vErrors === null) {
                vErrors = [err14];
            }
            else {
                vErrors.push(err14);
            }
            errors++;
        }
        var _valid0 = _errs12 === errors;
        if (_valid0 && valid2) {
            valid2 = false;
            passing0 = [passing0, 1];
        }
        else {
            if (_valid0) {
                valid2 = true;
                passing0 = 1;
                if (props0 !== true) {
                    props0 = true;
                }
            }
        }
        if (!valid2) {
            const err15 = { instancePath: instancePath + "/adminUrl", schemaPath: "#/$defs/secretRef/oneOf", keyword: "oneOf", params: { passingSchemas: passing0 }, message: "must match exactly one schema in oneOf", schema: schema34.oneOf, parentSchema: schema34, data: data1 };
            if (vErrors === null) {
                vErrors = [err15];
            }
            else {
                vErrors.push(err15);
            }
            errors++;
        }
        else {
            errors = _errs6;
            if (vErrors !== null) {
                if (_errs6) {
                    vErrors.length = _errs6;
                }
                else {
                    vErrors = null;
                }
            }
        }
    }
    if (data.ca !== undefined) {
        let data4 = data.ca;
        if (data4 && typeof data4 == "object" && !Array.isArray(data4)) {
            if (data4.certificate === undefined) {
                const err16 = { instancePath: instancePath + "/ca", schemaPath: "#/properties/ca/required", keyword: "required", params: { missingProperty: "certificate" }, message: "must have required property '" + "certificate" + "'", schema: schema33.properties.ca.required, parentSchema: schema33.properties.ca, data: data4 };
                if (vErrors === null) {
                    vErrors = [err16];
                }
                else {
                    vErrors.push(err16);
                }
                errors++;
            }
            if (data4.key === undefined) {
                const err17 = { instancePath: instancePath + "/ca", schemaPath: "#/properties/ca/required", keyword: "required", params: { missingProperty: "key" }, message: "must have required property '" + "key" + "'", schema: schema33.properties.ca.required, parentSchema: schema33.properties.ca, data: data4 };
                if (vErrors === null) {
                    vErrors = [err17];
                }
                else {
                    vErrors.push(err17);
                }
                errors++;
            }
            for (const key3 in data4) {
                if (!((key3 === "certificate") || (key3 === "key"))) {
                    const err18 = { instancePath: instancePath + "/ca", schemaPath: "#/properties/ca/additionalProperties", keyword: "additionalProperties", params: { additionalProperty: key3 }, message: "must NOT have additional properties", schema: false, parentSchema: schema33.properties.ca, data: data4 };
                    if (vErrors === null) {
                        vErrors = [err18];
                    }
                    else {
                        vErrors.push(err18);
                    }
                    errors++;
                }
            }
            if (data4.certificate !== undefined) {
                let data5 = data4.certificate;
                if (!(data5 && typeof data5 == "object" && !Array.isArray(data5))) {
                    const err19 = { instancePath: instancePath + "/ca/certificate", schemaPath: "#/$defs/secretRef/type", keyword: "type", params: { type: "object" }, message: "must be object", schema: schema34.type, parentSchema: schema34, data: data5 };
                    if (vErrors === null) {
                        vErrors = [err19];
                    }
                    else {
                        vErrors.push(err19);
                    }
                    errors++;
                }
                const _errs23 = errors;
                let valid7 = false;
                let passing1 = null;
                const _errs24 = errors;
                if (data5 && typeof data5 == "object" && !Array.isArray(data5)) {
                    if (data5.fromEnv === undefined) {
                        const err20 = { instancePath: instancePath + "/ca/certificate", schemaPath: "#/$defs/secretRef/oneOf/0/required", keyword: "required", params: { missingProperty: "fromEnv" }, message: "must have required property '" + "fromEnv" + "'", schema: schema34.oneOf[0].required, parentSchema: schema34.oneOf[0], data: data5 };
                        if (vErrors === null) {
                            vErrors = [err20];
                        }
                        else {
                            vErrors.push(err20);
                        }
                        errors++;
                    }
                    for (const key4 in data5) {
                        if (!(key4 === "fromEnv")) {
                            const err21 = { instancePath: instancePath + "/ca/certificate", schemaPath: "#/$defs/secretRef/oneOf/0/additionalProperties", keyword: "additionalProperties", params: { additionalProperty: key4 }, message: "must NOT have additional properties", schema: false, parentSchema: schema34.oneOf[0], data: data5 };
                            if (vErrors === null) {
                                vErrors = [err21];
                            }
                            else {
                                vErrors.push(err21);
                            }
                            errors++;
                        }
                    }
                    if (data5.fromEnv !== undefined) {
                        let data6 = data5.fromEnv;
                        if (typeof data6 === "string") {
                            if (!pattern4.test(data6)) {
                                const err22 = { instancePath: instancePath + "/ca/certificate/fromEnv", schemaPath: "#/$defs/secretRef/oneOf/0/properties/fromEnv/pattern", keyword: "pattern", params: { pattern: "^[A-Za-z_][A-Za-z0-9_]*$" }, message: "must match pattern \"" + "^[A-Za-z_][A-Za-z0-9_]*$" + "\"", schema: "^[A-Za-z_][A-Za-z0-9_]*$", parentSchema: schema34.oneOf[0].properties.fromEnv, data: data6 };
                                if (vErrors === null) {
                                    vErrors = [err22];
                                }
                                else {
                                    vErrors.push(err22);
                                }
                                errors++;
                            }
                        }
                        else {
                            const err23 = { instancePath: instancePath + "/ca/certificate/fromEnv", schemaPath: "#/$defs/secretRef/oneOf/0/properties/fromEnv/type", keyword: "type", params: { type: "string" }, message: "must be string", schema: schema34.oneOf[0].properties.fromEnv.type, parentSchema: schema34.oneOf[0].properties.fromEnv, data: data6 };
                            if (vErrors === null) {
                                vErrors = [err23];
                            }
                            else {
                                vErrors.push(err23);
                            }
                            errors++;
                        }
                    }
                }
                else {
                    const err24 = { instancePath: instancePath + "/ca/certificate", schemaPath: "#/$defs/secretRef/oneOf/0/type", keyword: "type", params: { type: "object" }, message: "must be object", schema: schema34.oneOf[0].type, parentSchema: schema34.oneOf[0], data: data5 };
                    if (vErrors === null) {
                        vErrors = [err24];
                    }
                    else {
                        vErrors.push(err24);
                    }
                    errors++;
                }
                var _valid1 = _errs24 === errors;
                if (_valid1) {
                    valid7 = true;
                    passing1 = 0;
                    var props1 = true;
                }
                const _errs29 = errors;
                if (data5 && typeof data5 == "object" && !Array.isArray(data5)) {
                    if (data5.fromFile === undefined) {
                        const err25 = { instancePath: instancePath + "/ca/certificate", schemaPath: "#/$defs/secretRef/oneOf/1/required", keyword: "required", params: { missingProperty: "fromFile" }, message: "must have required property '" + "fromFile" + "'", schema: schema34.oneOf[1].required, parentSchema: schema34.oneOf[1], data: data5 };
                        if (vErrors === null) {
                            vErrors = [err25];
                        }
                        else {
                            vErrors.push(err25);
                        }
                        errors++;
                    }
                    for (const key5 in data5) {
                        if (!(key5 === "fromFile")) {
                            const err26 = { instancePath: instancePath + "/ca/certificate", schemaPath: "#/$defs/secretRef/oneOf/1/additionalProperties", keyword: "additionalProperties", params: { additionalProperty: key5 }, message: "must NOT have additional properties", schema: false, parentSchema: schema34.oneOf[1], data: data5 };
                            if (vErrors === null) {
                                vErrors = [err26];
                            }
                            else {
                                vErrors.push(err26);
                            }
                            errors++;
                        }
                    }
                    if (data5.fromFile !== undefined) {
                        let data7 = data5.fromFile;
                        if (typeof data7 === "string") {
                            if (func1(data7) < 1) {
                                const err27 = { instancePath: instancePath + "/ca/certificate/fromFile", schemaPath: "#/$defs/secretRef/oneOf/1/properties/fromFile/minLength", keyword: "minLength", params: { limit: 1 }, message: "must NOT have fewer than 1 characters", schema: 1, parentSchema: schema34.oneOf[1].properties.fromFile, data: data7 };
                                if (vErrors === null) {
                                    vErrors = [err27];
                                }
                                else {
                                    vErrors.push(err27);
                                }
                                errors++;
                            }
                        }
                        else {
                            const err28 = { instancePath: instancePath + "/ca/certificate/fromFile", schemaPath: "#/$defs/secretRef/oneOf/1/properties/fromFile/type", keyword: "type", params: { type: "string" }, message: "must be string", schema: schema34.oneOf[1].properties.fromFile.type, parentSchema: schema34.oneOf[1].properties.fromFile, data: data7 };
                            if (vErrors === null) {
                                vErrors = [err28];
                            }
                            else {
                                vErrors.push(err28);
                            }
                            errors++;
                        }
                    }
                }
                else {
                    const err29 = { instancePath: instancePath + "/ca/certificate", schemaPath: "#/$defs/secretRef/oneOf/1/type", keyword: "type", params: { type: "object" }, message: "must be object", schema: schema34.oneOf[1].type, parentSchema: schema34.oneOf[1], data: data5 };
                    if (vErrors === null) {
                        vErrors = [err29];
                    }
                    else {
                        vErrors.push(err29);
                    }
                    errors++;
                }
                var _valid1 = _errs29 === errors;
                if (_valid1 && valid7) {
                    valid7 = false;
                    passing1 = [passing1, 1];
                }
                else {
                    if (_valid1) {
                        valid7 = true;
                        passing1 = 1;
                        if (props1 !== true) {
                            props1 = true;
                        }
                    }
                }
                if (!valid7) {
                    const err30 = { instancePath: instancePath + "/ca/certificate", schemaPath: "#/$defs/secretRef/oneOf", keyword: "oneOf", params: { passingSchemas: passing1 }, message: "must match exactly one schema in oneOf", schema: schema34.oneOf, parentSchema: schema34, data: data5 };
                    if (vErrors === null) {
                        vErrors = [err30];
                    }
                    else {
                        vErrors.push(err30);
                    }
                    errors++;
                }
                else {
                    errors = _errs23;
                    if (vErrors !== null) {
                        if (_errs23) {
                            vErrors.length = _errs23;
                        }
                        else {
                            vErrors = null;
                        }
                    }
                }
            }
            if (data4.key !== undefined) {
                let data8 = data4.key;
                if (!(data8 && typeof data8 == "object" && !Array.isArray(data8))) {
                    const err31 = { instancePath: instancePath + "/ca/key", schemaPath: "#/$defs/secretRef/type", keyword: "type", params: { type: "object" }, message: "must be object", schema: schema34.type, parentSchema: schema34, data: data8 };
                    if (vErrors === null) {
                        vErrors = [err31];
                    }
                    else {
                        vErrors.push(err31);
                    }
                    errors++;
                }
                const _errs37 = errors;
                let valid11 = false;
                let passing2 = null;
                const _errs38 = errors;
                if (data8 && typeof data8 == "object" && !Array.isArray(data8)) {
                    if (data8.fromEnv === undefined) {
                        const err32 = { instancePath: instancePath + "/ca/key", schemaPath: "#/$defs/secretRef/oneOf/0/required", keyword: "required", params: { missingProperty: "fromEnv" }, message: "must have required property '" + "fromEnv" + "'", schema: schema34.oneOf[0].required, parentSchema: schema34.oneOf[0], data: data8 };
                        if (vErrors === null) {
                            vErrors = [err32];
                        }
                        else {
                            vErrors.push(err32);
                        }
                        errors++;
                    }
                    for (const key6 in data8) {
                        if (!(key6 === "fromEnv")) {
                            const err33 = { instancePath: instancePath + "/ca/key", schemaPath: "#/$defs/secretRef/oneOf/0/additionalProperties", keyword: "additionalProperties", params: { additionalProperty: key6 }, message: "must NOT have additional properties", schema: false, parentSchema: schema34.oneOf[0], data: data8 };
                            if (vErrors === null) {
                                vErrors = [err33];
                            }
                            else {
                                vErrors.push(err33);
                            }
                            errors++;
                        }
                    }
                    if (data8.fromEnv !== undefined) {
                        let data9 = data8.fromEnv;
                        if (typeof data9 === "string") {
                            if (!pattern4.test(data9)) {
                                const err34 = { instancePath: instancePath + "/ca/key/fromEnv", schemaPath: "#/$defs/secretRef/oneOf/0/properties/fromEnv/pattern", keyword: "pattern", params: { pattern: "^[A-Za-z_][A-Za-z0-9_]*$" }, message: "must match pattern \"" + "^[A-Za-z_][A-Za-z0-9_]*$" + "\"", schema: "^[A-Za-z_][A-Za-z0-9_]*$", parentSchema: schema34.oneOf[0].properties.fromEnv, data: data9 };
                                if (vErrors === null) {
                                    vErrors = [err34];
                                }
                                else {
                                    vErrors.push(err34);
                                }
                                errors++;
                            }
                        }
                        else {
                            const err35 = { instancePath: instancePath + "/ca/key/fromEnv", schemaPath: "#/$defs/secretRef/oneOf/0/properties/fromEnv/type", keyword: "type", params: { type: "string" }, message: "must be string", schema: schema34.oneOf[0].properties.fromEnv.type, parentSchema: schema34.oneOf[0].properties.fromEnv, data: data9 };
                            if (vErrors === null) {
                                vErrors = [err35];
                            }
                            else {
                                vErrors.push(err35);
                            }
                            errors++;
                        }
                    }
                }
                else {
                    const err36 = { instancePath: instancePath + "/ca/key", schemaPath: "#/$defs/secretRef/oneOf/0/type", keyword: "type", params: { type: "object" }, message: "must be object", schema: schema34.oneOf[0].type, parentSchema: schema34.oneOf[0], data: data8 };
                    if (vErrors === null) {
                        vErrors = [err36];
                    }
                    else {
                        vErrors.push(err36);
                    }
                    errors++;
                }
                var _valid2 = _errs38 === errors;
                if (_valid2) {
                    valid11 = true;
                    passing2 = 0;
                    var props2 = true;
                }
                const _errs43 = errors;
                if (data8 && typeof data8 == "object" && !Array.isArray(data8)) {
                    if (data8.fromFile === undefined) {
                        const err37 = { instancePath: instancePath + "/ca/key", schemaPath: "#/$defs/secretRef/oneOf/1/required", keyword: "required", params: { missingProperty: "fromFile" }, message: "must have required property '" + "fromFile" + "'", schema: schema34.oneOf[1].required, parentSchema: schema34.oneOf[1], data: data8 };
                        if (vErrors === null) {
                            vErrors = [err37];
                        }
                        else {
                            vErrors.push(err37);
                        }
                        errors++;
                    }
                    for (const key7 in data8) {
                        if (!(key7 === "fromFile")) {
                            const err38 = { instancePath: instancePath + "/ca/key", schemaPath: "#/$defs/secretRef/oneOf/1/additionalProperties", keyword: "additionalProperties", params: { additionalProperty: key7 }, message: "must NOT have additional properties", schema: false, parentSchema: schema34.oneOf[1], data: data8 };
                            if (vErrors === null) {
                                vErrors = [err38];
                            }
                            else {
                                vErrors.push(err38);
                            }
                            errors++;
                        }
                    }
                    if (data8.fromFile !== undefined) {
                        let data10 = data8.fromFile;
                        if (typeof data10 === "string") {
                            if (func1(data10) < 1) {
                                const err39 = { instancePath: instancePath + "/ca/key/fromFile", schemaPath: "#/$defs/secretRef/oneOf/1/properties/fromFile/minLength", keyword: "minLength", params: { limit: 1 }, message: "must NOT have fewer than 1 characters", schema: 1, parentSchema: schema34.oneOf[1].properties.fromFile, data: data10 };
                                if (vErrors === null) {
                                    vErrors = [err39];
                                }
                                else {
                                    vErrors.push(err39);
                                }
                                errors++;
                            }
                        }
                        else {
                            const err40 = { instancePath: instancePath + "/ca/key/fromFile", schemaPath: "#/$defs/secretRef/oneOf/1/properties/fromFile/type", keyword: "type", params: { type: "string" }, message: "must be string", schema: schema34.oneOf[1].properties.fromFile.type, parentSchema: schema34.oneOf[1].properties.fromFile, data: data10 };
                            if (vErrors === null) {
                                vErrors = [err40];
                            }
                            else {
                                vErrors.push(err40);
                            }
                            errors++;
                        }
                    }
                }
                else {
                    const err41 = { instancePath: instancePath + "/ca/key", schemaPath: "#/$defs/secretRef/oneOf/1/type", keyword: "type", params: { type: "object" }, message: "must be object", schema: schema34.oneOf[1].type, parentSchema: schema34.oneOf[1], data: data8 };
                    if (vErrors === null) {
                        vErrors = [err41];
                    }
                    else {
                        vErrors.push(err41);
                    }
                    errors++;
                }
                var _valid2 = _errs43 === errors;
                if (_valid2 && valid11) {
                    valid11 = false;
                    passing2 = [passing2, 1];
                }
                else {
                    if (_valid2) {
                        valid11 = true;
                        passing2 = 1;
                        if (props2 !== true) {
                            props2 = true;
                        }
                    }
                }
                if (!valid11) {
                    const err42 = { instancePath: instancePath + "/ca/key", schemaPath: "#/$defs/secretRef/oneOf", keyword: "oneOf", params: { passingSchemas: passing2 }, message: "must match exactly one schema in oneOf", schema: schema34.oneOf, parentSchema: schema34, data: data8 };
                    if (vErrors === null) {
                        vErrors = [err42];
                    }
                    else {
                        vErrors.push(err42);
                    }
                    errors++;
                }
                else {
                    errors = _errs37;
                    if (vErrors !== null) {
                        if (_errs37) {
                            vErrors.length = _errs37;
                        }
                        else {
                            vErrors = null;
                        }
                    }
                }
            }
        }
        else {
            const err43 = { instancePath: instancePath + "/ca", schemaPath: "#/properties/ca/type", keyword: "type", params: { type: "object" }, message: "must be object", schema: schema33.properties.ca.type, parentSchema: schema33.properties.ca, data: data4 };
            if (vErrors === null) {
                vErrors = [err43];
            }
            else {
                vErrors.push(err43);
            }
            errors++;
        }
    }
}
else {
    const err44 = { instancePath, schemaPath: "#/type", keyword: "type", params: { type: "object" }, message: "must be object", schema: schema33.type, parentSchema: schema33, data };
    if (vErrors === null) {
        vErrors = [err44];
    }
    else {
        vErrors.push(err44);
    }
    errors++;
} validate22.errors = vErrors; return errors === 0; }
validate22.evaluated = { "props": true, "dynamicProps": false, "dynamicItems": false };
const schema37 = { "title": "aptible provider", "type": "object", "additionalProperties": false, "required": ["kind", "environment", "token"], "properties": { "kind": { "const": "aptible" }, "environment": { "title": "Environment handle", "description": "The Aptible environment (account) that holds the databases.", "type": "string", "minLength": 1 }, "token": { "title": "API token", "description": "An Aptible API token.", "$ref": "#/$defs/secretRef" }, "apiUrl": { "title": "API URL", "description": "Defaults to https://api.aptible.com.", "type": "string", "pattern": "^https?://" } } };
const pattern8 = new RegExp("^https?://", "u");
function validate24(data, { instancePath = "", parentData, parentDataProperty, rootData = data, dynamicAnchors = {} } = {}) { let vErrors = null; let errors = 0; const evaluated0 = validate24.evaluated; if (evaluated0.dynamicProps) {
    evaluated0.props = undefined;
} if (evaluated0.dynamicItems) {
    evaluated0.items = undefined;
} if (data && typeof data == "object" && !Array.isArray(data)) {
    if (data.kind === undefined) {
        const err0 = { instancePath, schemaPath: "#/required", keyword: "required", params: { missingProperty: "kind" }, message: "must have required property '" + "kind" + "'", schema: schema37.required, parentSchema: schema37, data };
        if (vErrors === null) {
            vErrors = [err0];
        }
        else {
            vErrors.push(err0);
        }
        errors++;
    }
    if (data.environment === undefined) {
        const err1 = { instancePath, schemaPath: "#/required", keyword: "required", params: { missingProperty: "environment" }, message: "must have required property '" + "environment" + "'", schema: schema37.required, parentSchema: schema37, data };
        if (vErrors === null) {
            vErrors = [err1];
        }
        else {
            vErrors.push(err1);
        }
        errors++;
    }
    if (data.token === undefined) {
        const err2 = { instancePath, schemaPath: "#/required", keyword: "required", params: { missingProperty: "token" }, message: "must have required property '" + "token" + "'", schema: schema37.required, parentSchema: schema37, data };
        if (vErrors === null) {
            vErrors = [err2];
        }
        else {
            vErrors.push(err2);
        }
        errors++;
    }
    for (const key0 in data) {
        if (!((((key0 === "kind") || (key0 === "environment")) || (key0 === "token")) || (key0 === "apiUrl"))) {
            const err3 = { instancePath, schemaPath: "#/additionalProperties", keyword: "additionalProperties", params: { additionalProperty: key0 }, message: "must NOT have additional properties", schema: false, parentSchema: schema37, data };
            if (vErrors === null) {
                vErrors = [err3];
            }
            else {
                vErrors.push(err3);
            }
            errors++;
        }
    }
    if (data.kind !== undefined) {
        let data0 = data.kind;
        if ("aptible" !== data0) {
            const err4 = { instancePath: instancePath + "/kind", schemaPath: "#/properties/kind/const", keyword: "const", params: { allowedValue: "aptible" }, message: "must be equal to constant", schema: "aptible", parentSchema: schema37.properties.kind, data: data0 };
            if (vErrors === null) {
                vErrors = [err4];
            }
            else {
                vErrors.push(err4);
            }
            errors++;
        }
    }
    if (data.environment !== undefined) {
        let data1 = data.environment;
        if (typeof data1 === "string") {
            if (func1(data1) < 1) {
                const err5 = { instancePath: instancePath + "/environment", schemaPath: "#/properties/environment/minLength", keyword: "minLength", params: { limit: 1 }, message: "must NOT have fewer than 1 characters", schema: 1, parentSchema: schema37.properties.environment, data: data1 };
                if (vErrors === null) {
                    vErrors = [err5];
                }
                else {
                    vErrors.push(err5);
                }
                errors++;
            }
        }
        else {
            const err6 = { instancePath: instancePath + "/environment", schemaPath: "#/properties/environment/type", keyword: "type", params: { type: "string" }, message: "must be string", schema: schema37.properties.environment.type, parentSchema: schema37.properties.environment, data: data1 };
            if (vErrors === null) {
                vErrors = [err6];
            }
            else {
                vErrors.push(err6);
            }
            errors++;
        }
    }
    if (data.token !== undefined) {
        let data2 = data.token;
        if (!(data2 && typeof data2 == "object" && !Array.isArray(data2))) {
            const err7 = { instancePath: instancePath + "/token", schemaPath: "#/$defs/secretRef/type", keyword: "type", params: { type: "object" }, message: "must be object", schema: schema34.type, parentSchema: schema34, data: data2 };
            if (vErrors === null) {
                vErrors = [err7];
            }
            else {
                vErrors.push(err7);
            }
            errors++;
        }
        const _errs8 = errors;
        let valid2 = false;
        let passing0 = null;
        const _errs9 = errors;
        if (data2 && typeof data2 == "object" && !Array.isArray(data2)) {
            if (data2.fromEnv === undefined) {
                const err8 = { instancePath: instancePath + "/token", schemaPath: "#/$defs/secretRef/oneOf/0/required", keyword: "required", params: { missingProperty: "fromEnv" }, message: "must have required property '" + "fromEnv" + "'", schema: schema34.oneOf[0].required, parentSchema: schema34.oneOf[0], data: data2 };
                if (vErrors === null) {
                    vErrors = [err8];
                }
                else {
                    vErrors.push(err8);
                }
                errors++;
            }
            for (const key1 in data2) {
                if (!(key1 === "fromEnv")) {
                    const err9 = { instancePath: instancePath + "/token", schemaPath: "#/$defs/secretRef/oneOf/0/additionalProperties", keyword: "additionalProperties", params: { additionalProperty: key1 }, message: "must NOT have additional properties", schema: false, parentSchema: schema34.oneOf[0], data: data2 };
                    if (vErrors === null) {
                        vErrors = [err9];
                    }
                    else {
                        vErrors.push(err9);
                    }
                    errors++;
                }
            }
            if (data2.fromEnv !== undefined) {
                let data3 = data2.fromEnv;
                if (typeof data3 === "string") {
                    if (!pattern4.test(data3)) {
                        const err10 = { instancePath: instancePath + "/token/fromEnv", schemaPath: "#/$defs/secretRef/oneOf/0/properties/fromEnv/pattern", keyword: "pattern", params: { pattern: "^[A-Za-z_][A-Za-z0-9_]*$" }, message: "must match pattern \"" + "^[A-Za-z_][A-Za-z0-9_]*$" + "\"", schema: "^[A-Za-z_][A-Za-z0-9_]*$", parentSchema: schema34.oneOf[0].properties.fromEnv, data: data3 };
                        if (vErrors === null) {
                            vErrors = [err10];
                        }
                        else {
                            vErrors.push(err10);
                        }
                        errors++;
                    }
                }
                else {
                    const err11 = { instancePath: instancePath + "/token/fromEnv", schemaPath: "#/$defs/secretRef/oneOf/0/properties/fromEnv/type", keyword: "type", params: { type: "string" }, message: "must be string", schema: schema34.oneOf[0].properties.fromEnv.type, parentSchema: schema34.oneOf[0].properties.fromEnv, data: data3 };
                    if (vErrors === null) {
                        vErrors = [err11];
                    }
                    else {
                        vErrors.push(err11);
                    }
                    errors++;
                }
            }
        }
        else {
            const err12 = { instancePath: instancePath + "/token", schemaPath: "#/$defs/secretRef/oneOf/0/type", keyword: "type", params: { type: "object" }, message: "must be object", schema: schema34.oneOf[0].type, parentSchema: schema34.oneOf[0], data: data2 };
            if (vErrors === null) {
                vErrors = [err12];
            }
            else {
                vErrors.push(err12);
            }
            errors++;
        }
        var _valid0 = _errs9 === errors;
        if (_valid0) {
            valid2 = true;
            passing0 = 0;
            var props0 = true;
        }
        const _errs14 = errors;
        if (data2 && typeof data2 == "object" && !Array.isArray(data2)) {
            if (data2.fromFile === undefined) {
                const err13 = { instancePath: instancePath + "/token", schemaPath: "#/$defs/secretRef/oneOf/1/required", keyword: "required", params: { missingProperty: "fromFile" }, message: "must have required property '" + "fromFile" + "'", schema: schema34.oneOf[1].required, parentSchema: schema34.oneOf[1], data: data2 };
                if (vErrors === null) {
                    vErrors = [err13];
                }
                else {
                    vErrors.push(err13);
                }
                errors++;
            }
            for (const key2 in data2) {
                if (!(key2 === "fromFile")) {
                    const err14 = { instancePath: instancePath + "/token", schemaPath: "#/$defs/secretRef/oneOf/1/additionalProperties", keyword: "additionalProperties", params: { additionalProperty: key2 }, message: "must NOT have additional properties", schema: false, parentSchema: schema34.oneOf[1], data: data2 };
                    if (vErrors === null) {
                        vErrors = [err14];
                    }
                    else {
                        vErrors.push(err14);
                    }
                    errors++;
                }
            }
            if (data2.fromFile !== undefined) {
                let data4 = data2.fromFile;
                if (typeof data4 === "string") {
                    if (func1(data4) < 1) {
                        const err15 = { instancePath: instancePath + "/token/fromFile", schemaPath: "#/$defs/secretRef/oneOf/1/properties/fromFile/minLength", keyword: "minLength", params: { limit: 1 }, message: "must NOT have fewer than 1 characters", schema: 1, parentSchema: schema34.oneOf[1].properties.fromFile, data: data4 };
                        if (vErrors === null) {
                            vErrors = [err15];
                        }
                        else {
                            vErrors.push(err15);
                        }
                        errors++;
                    }
                }
                else {
                    const err16 = { instancePath: instancePath + "/token/fromFile", schemaPath: "#/$defs/secretRef/oneOf/1/properties/fromFile/type", keyword: "type", params: { type: "string" }, message: "must be string", schema: schema34.oneOf[1].properties.fromFile.type, parentSchema: schema34.oneOf[1].properties.fromFile, data: data4 };
                    if (vErrors === null) {
                        vErrors = [err16];
                    }
                    else {
                        vErrors.push(err16);
                    }
                    errors++;
                }
            }
        }
        else {
            const err17 = { instancePath: instancePath + "/token", schemaPath: "#/$defs/secretRef/oneOf/1/type", keyword: "type", params: { type: "object" }, message: "must be object", schema: schema34.oneOf[1].type, parentSchema: schema34.oneOf[1], data: data2 };
            if (vErrors === null) {
                vErrors = [err17];
            }
            else {
                vErrors.push(err17);
            }
            errors++;
        }
        var _valid0 = _errs14 === errors;
        if (_valid0 && valid2) {
            valid2 = false;
            passing0 = [passing0, 1];
        }
        else {
            if (_valid0) {
                valid2 = true;
                passing0 = 1;
                if (props0 !== true) {
                    props0 = true;
                }
            }
        }
        if (!valid2) {
            const err18 = { instancePath: instancePath + "/token", schemaPath: "#/$defs/secretRef/oneOf", keyword: "oneOf", params: { passingSchemas: passing0 }, message: "must match exactly one schema in oneOf", schema: schema34.oneOf, parentSchema: schema34, data: data2 };
            if (vErrors === null) {
                vErrors = [err18];
            }
            else {
                vErrors.push(err18);
            }
            errors++;
        }
        else {
            errors = _errs8;
            if (vErrors !== null) {
                if (_errs8) {
                    vErrors.length = _errs8;
                }
                else {
                    vErrors = null;
                }
            }
        }
    }
    if (data.apiUrl !== undefined) {
        let data5 = data.apiUrl;
        if (typeof data5 === "string") {
            if (!pattern8.test(data5)) {
                const err19 = { instancePath: instancePath + "/apiUrl", schemaPath: "#/properties/apiUrl/pattern", keyword: "pattern", params: { pattern: "^https?://" }, message: "must match pattern \"" + "^https?://" + "\"", schema: "^https?://", parentSchema: schema37.properties.apiUrl, data: data5 };
                if (vErrors === null) {
                    vErrors = [err19];
                }
                else {
                    vErrors.push(err19);
                }
                errors++;
            }
        }
        else {
            const err20 = { instancePath: instancePath + "/apiUrl", schemaPath: "#/properties/apiUrl/type", keyword: "type", params: { type: "string" }, message: "must be string", schema: schema37.properties.apiUrl.type, parentSchema: schema37.properties.apiUrl, data: data5 };
            if (vErrors === null) {
                vErrors = [err20];
            }
            else {
                vErrors.push(err20);
            }
            errors++;
        }
    }
}
else {
    const err21 = { instancePath, schemaPath: "#/type", keyword: "type", params: { type: "object" }, message: "must be object", schema: schema37.type, parentSchema: schema37, data };
    if (vErrors === null) {
        vErrors = [err21];
    }
    else {
        vErrors.push(err21);
    }
    errors++;
} validate24.errors = vErrors; return errors === 0; }
validate24.evaluated = { "props": true, "dynamicProps": false, "dynamicItems": false };
const schema39 = { "title": "skysql provider", "type": "object", "additionalProperties": false, "required": ["kind", "apiKey"], "properties": { "kind": { "const": "skysql" }, "apiKey": { "title": "API key", "description": "A SkySQL API key.", "$ref": "#/$defs/secretRef" }, "apiUrl": { "title": "API URL", "description": "Defaults to https://api.skysql.com.", "type": "string", "pattern": "^https?://" }, "cloud": { "title": "Cloud", "description": "Where the services run; GCP allows longer allowlists.", "enum": ["aws", "gcp", "azure"] } } };
function validate26(data, { instancePath = "", parentData, parentDataProperty, rootData = data, dynamicAnchors = {} } = {}) { let vErrors = null; let errors = 0; const evaluated0 = validate26.evaluated; if (evaluated0.dynamicProps) {
    evaluated0.props = undefined;
} if (evaluated0.dynamicItems) {
    evaluated0.items = undefined;
} if (data && typeof data == "object" && !Array.isArray(data)) {
    if (data.kind === undefined) {
        const err0 = { instancePath, schemaPath: "#/required", keyword: "required", params: { missingProperty: "kind" }, message: "must have required property '" + "kind" + "'", schema: schema39.required, parentSchema: schema39, data };
        if (vErrors === null) {
            vErrors = [err0];
        }
        else {
            vErrors.push(err0);
        }
        errors++;
    }
    if (data.apiKey === undefined) {
        const err1 = { instancePath, schemaPath: "#/required", keyword: "required", params: { missingProperty: "apiKey" }, message: "must have required property '" + "apiKey" + "'", schema: schema39.required, parentSchema: schema39, data };
        if (vErrors === null) {
            vErrors = [err1];
        }
        else {
            vErrors.push(err1);
        }
        errors++;
    }
    for (const key0 in data) {
        if (!((((key0 === "kind") || (key0 === "apiKey")) || (key0 === "apiUrl")) || (key0 === "cloud"))) {
            const err2 = { instancePath, schemaPath: "#/additionalProperties", keyword: "additionalProperties", params: { additionalProperty: key0 }, message: "must NOT have additional properties", schema: false, parentSchema: schema39, data };
            if (vErrors === null) {
                vErrors = [err2];
            }
            else {
                vErrors.push(err2);
            }
            errors++;
        }
    }
    if (data.kind !== undefined) {
        let data0 = data.kind;
        if ("skysql" !== data0) {
            const err3 = { instancePath: instancePath + "/kind", schemaPath: "#/properties/kind/const", keyword: "const", params: { allowedValue: "skysql" }, message: "must be equal to constant", schema: "skysql", parentSchema: schema39.properties.kind, data: data0 };
            if (vErrors === null) {
                vErrors = [err3];
            }
            else {
                vErrors.push(err3);
            }
            errors++;
        }
    }
    if (data.apiKey !== undefined) {
        let data1 = data.apiKey;
        if (!(data1 && typeof data1 == "object" && !Array.isArray(data1))) {
            const err4 = { instancePath: instancePath + "/apiKey", schemaPath: "#/$defs/secretRef/type", keyword: "type", params: { type: "object" }, message: "must be object", schema: schema34.type, parentSchema: schema34, data: data1 };
            if (vErrors === null) {
                vErrors = [err4];
            }
            else {
                vErrors.push(err4);
            }
            errors++;
        }
        const _errs6 = errors;
        let valid2 = false;
        let passing0 = null;
        const _errs7 = errors;
        if (data1 && typeof data1 == "object" && !Array.isArray(data1)) {
            if (data1.fromEnv === undefined) {
                const err5 = { instancePath: instancePath + "/apiKey", schemaPath: "#/$defs/secretRef/oneOf/0/required", keyword: "required", params: { missingProperty: "fromEnv" }, message: "must have required property '" + "fromEnv" + "'", schema: schema34.oneOf[0].required, parentSchema: schema34.oneOf[0], data: data1 };
                if (vErrors === null) {
                    vErrors = [err5];
                }
                else {
                    vErrors.push(err5);
                }
                errors++;
            }
            for (const key1 in data1) {
                if (!(key1 === "fromEnv")) {
                    const err6 = { instancePath: instancePath + "/apiKey", schemaPath: "#/$defs/secretRef/oneOf/0/additionalProperties", keyword: "additionalProperties", params: { additionalProperty: key1 }, message: "must NOT have additional properties", schema: false, parentSchema: schema34.oneOf[0], data: data1 };
                    if (vErrors === null) {
                        vErrors = [err6];
                    }
                    else {
                        vErrors.push(err6);
                    }
                    errors++;
                }
            }
            if (data1.fromEnv !== undefined) {
                let data2 = data1.fromEnv;
                if (typeof data2 === "string") {
                    if (!pattern4.test(data2)) {
                        const err7 = { instancePath: instancePath + "/apiKey/fromEnv", schemaPath: "#/$defs/secretRef/oneOf/0/properties/fromEnv/pattern", keyword: "pattern", params: { pattern: "^[A-Za-z_][A-Za-z0-9_]*$" }, message: "must match pattern \"" + "^[A-Za-z_][A-Za-z0-9_]*$" + "\"", schema: "^[A-Za-z_][A-Za-z0-9_]*$", parentSchema: schema34.oneOf[0].properties.fromEnv, data: data2 };
                        if (vErrors === null) {
                            vErrors = [err7];
                        }
                        else {
                            vErrors.push(err7);
                        }
                        errors++;
                    }
                }
                else {
                    const err8 = { instancePath: instancePath + "/apiKey/fromEnv", schemaPath: "#/$defs/secretRef/oneOf/0/properties/fromEnv/type", keyword: "type", params: { type: "string" }, message: "must be string", schema: schema34.oneOf[0].properties.fromEnv.type, parentSchema: schema34.oneOf[0].properties.fromEnv, data: data2 };
                    if (vErrors === null) {
                        vErrors = [err8];
                    }
                    else {
                        vErrors.push(err8);
                    }
                    errors++;
                }
            }
        }
        else {
            const err9 = { instancePath: instancePath + "/apiKey", schemaPath: "#/$defs/secretRef/oneOf/0/type", keyword: "type", params: { type: "object" }, message: "must be object", schema: schema34.oneOf[0].type, parentSchema: schema34.oneOf[0], data: data1 };
            if (vErrors === null) {
                vErrors = [err9];
            }
            else {
                vErrors.push(err9);
            }
            errors++;
        }
        var _valid0 = _errs7 === errors;
        if (_valid0) {
            valid2 = true;
            passing0 = 0;
            var props0 = true;
        }
        const _errs12 = errors;
        if (data1 && typeof data1 == "object" && !Array.isArray(data1)) {
            if (data1.fromFile === undefined) {
                const err10 = { instancePath: instancePath + "/apiKey", schemaPath: "#/$defs/secretRef/oneOf/1/required", keyword: "required", params: { missingProperty: "fromFile" }, message: "must have required property '" + "fromFile" + "'", schema: schema34.oneOf[1].required, parentSchema: schema34.oneOf[1], data: data1 };
                if (vErrors === null) {
                    vErrors = [err10];
                }
                else {
                    vErrors.push(err10);
                }
                errors++;
            }
            for (const key2 in data1) {
                if (!(key2 === "fromFile")) {
                    const err11 = { instancePath: instancePath + "/apiKey", schemaPath: "#/$defs/secretRef/oneOf/1/additionalProperties", keyword: "additionalProperties", params: { additionalProperty: key2 }, message: "must NOT have additional properties", schema: false, parentSchema: schema34.oneOf[1], data: data1 };
                    if (vErrors === null) {
                        vErrors = [err11];
                    }
                    else {
                        vErrors.push(err11);
                    }
                    errors++;
                }
            }
            if (data1.fromFile !== undefined) {
                let data3 = data1.fromFile;
                if (typeof data3 === "string") {
                    if (func1(data3) < 1) {
                        const err12 = { instancePath: instancePath + "/apiKey/fromFile", schemaPath: "#/$defs/secretRef/oneOf/1/properties/fromFile/minLength", keyword: "minLength", params: { limit: 1 }, message: "must NOT have fewer than 1 characters", schema: 1, parentSchema: schema34.oneOf[1].properties.fromFile, data: data3 };
                        if (vErrors === null) {
                            vErrors = [err12];
                        }
                        else {
                            vErrors.push(err12);
                        }
                        errors++;
                    }
                }
                else {
                    const err13 = { instancePath: instancePath + "/apiKey/fromFile", schemaPath: "#/$defs/secretRef/oneOf/1/properties/fromFile/type", keyword: "type", params: { type: "string" }, message: "must be string", schema: schema34.oneOf[1].properties.fromFile.type, parentSchema: schema34.oneOf[1].properties.fromFile, data: data3 };
                    if (vErrors === null) {
                        vErrors = [err13];
                    }
                    else {
                        vErrors.push(err13);
                    }
                    errors++;
                }
            }
        }
        else {
            const err14 = { instancePath: instancePath + "/apiKey", schemaPath: "#/$defs/secretRef/oneOf/1/type", keyword: "type", params: { type: "object" }, message: "must be object", schema: schema34.oneOf[1].type, parentSchema: schema34.oneOf[1], data: data1 };
            if (vErrors === null) {
                vErrors = [err14];
            }
            else {
                vErrors.push(err14);
            }
            errors++;
        }
        var _valid0 = _errs12 === errors;
        if (_valid0 && valid2) {
            valid2 = false;
            passing0 = [passing0, 1];
        }
        else {
            if (_valid0) {
                valid2 = true;
                passing0 = 1;
                if (props0 !== true) {
                    props0 = true;
                }
            }
        }
        if (!valid2) {
            const err15 = { instancePath: instancePath + "/apiKey", schemaPath: "#/$defs/secretRef/oneOf", keyword: "oneOf", params: { passingSchemas: passing0 }, message: "must match exactly one schema in oneOf", schema: schema34.oneOf, parentSchema: schema34, data: data1 };
            if (vErrors === null) {
                vErrors = [err15];
            }
            else {
                vErrors.push(err15);
            }
            errors++;
        }
        else {
            errors = _errs6;
            if (vErrors !== null) {
                if (_errs6) {
                    vErrors.length = _errs6;
                }
                else {
                    vErrors = null;
                }
            }
        }
    }
    if (data.apiUrl !== undefined) {
        let data4 = data.apiUrl;
        if (typeof data4 === "string") {
            if (!pattern8.test(data4)) {
                const err16 = { instancePath: instancePath + "/apiUrl", schemaPath: "#/properties/apiUrl/pattern", keyword: "pattern", params: { pattern: "^https?://" }, message: "must match pattern \"" + "^https?://" + "\"", schema: "^https?://", parentSchema: schema39.properties.apiUrl, data: data4 };
                if (vErrors === null) {
                    vErrors = [err16];
                }
                else {
                    vErrors.push(err16);
                }
                errors++;
            }
        }
        else {
            const err17 = { instancePath: instancePath + "/apiUrl", schemaPath: "#/properties/apiUrl/type", keyword: "type", params: { type: "string" }, message: "must be string", schema: schema39.properties.apiUrl.type, parentSchema: schema39.properties.apiUrl, data: data4 };
            if (vErrors === null) {
                vErrors = [err17];
            }
            else {
                vErrors.push(err17);
            }
            errors++;
        }
    }
    if (data.cloud !== undefined) {
        let data5 = data.cloud;
        if (!(((data5 === "aws") || (data5 === "gcp")) || (data5 === "azure"))) {
            const err18 = { instancePath: instancePath + "/cloud", schemaPath: "#/properties/cloud/enum", keyword: "enum", params: { allowedValues: schema39.properties.cloud.enum }, message: "must be equal to one of the allowed values", schema: schema39.properties.cloud.enum, parentSchema: schema39.properties.cloud, data: data5 };
            if (vErrors === null) {
                vErrors = [err18];
            }
            else {
                vErrors.push(err18);
            }
            errors++;
        }
    }
}
else {
    const err19 = { instancePath, schemaPath: "#/type", keyword: "type", params: { type: "object" }, message: "must be object", schema: schema39.type, parentSchema: schema39, data };
    if (vErrors === null) {
        vErrors = [err19];
    }
    else {
        vErrors.push(err19);
    }
    errors++;
} validate26.errors = vErrors; return errors === 0; }
validate26.evaluated = { "props": true, "dynamicProps": false, "dynamicItems": false };
function validate21(data, { instancePath = "", parentData, parentDataProperty, rootData = data, dynamicAnchors = {} } = {}) { let vErrors = null; let errors = 0; const evaluated0 = validate21.evaluated; if (evaluated0.dynamicProps) {
    evaluated0.props = undefined;
} if (evaluated0.dynamicItems) {
    evaluated0.items = undefined;
} const _errs2 = errors; let valid1 = true; const _errs3 = errors; if (data && typeof data == "object" && !Array.isArray(data)) {
    let missing0;
    if ((data.kind === undefined) && (missing0 = "kind")) {
        const err0 = {};
        if (vErrors === null) {
            vErrors = [err0];
        }
        else {
            vErrors.push(err0);
        }
        errors++;
    }
    else {
        if (data.kind !== undefined) {
            if ("postgres" !== data.kind) {
                const err1 = {};
                if (vErrors === null) {
                    vErrors = [err1];
                }
                else {
                    vErrors.push(err1);
                }
                errors++;
            }
        }
    }
} var _valid0 = _errs3 === errors; errors = _errs2; if (vErrors !== null) {
    if (_errs2) {
        vErrors.length = _errs2;
    }
    else {
        vErrors = null;
    }
} if (_valid0) {
    const _errs5 = errors;
    if (!(validate22(data, { instancePath, parentData, parentDataProperty, rootData, dynamicAnchors }))) {
        vErrors = vErrors === null ? validate22.errors : vErrors.concat(validate22.errors);
        errors = vErrors.length;
    }
    var _valid0 = _errs5 === errors;
    valid1 = _valid0;
    if (valid1) {
        var props0 = true;
    }
} if (!valid1) {
    const err2 = { instancePath, schemaPath: "#/allOf/0/if", keyword: "if", params: { failingKeyword: "then" }, message: "must match \"then\" schema", schema: schema32.allOf[0].if, parentSchema: schema32.allOf[0], data };
    if (vErrors === null) {
        vErrors = [err2];
    }
    else {
        vErrors.push(err2);
    }
    errors++;
} const _errs7 = errors; let valid3 = true; const _errs8 = errors; if (data && typeof data == "object" && !Array.isArray(data)) {
    let missing1;
    if ((data.kind === undefined) && (missing1 = "kind")) {
        const err3 = {};
        if (vErrors === null) {
            vErrors = [err3];
        }
        else {
            vErrors.push(err3);
        }
        errors++;
    }
    else {
        if (data.kind !== undefined) {
            if ("aptible" !== data.kind) {
                const err4 = {};
                if (vErrors === null) {
                    vErrors = [err4];
                }
                else {
                    vErrors.push(err4);
                }
                errors++;
            }
        }
    }
} var _valid1 = _errs8 === errors; errors = _errs7; if (vErrors !== null) {
    if (_errs7) {
        vErrors.length = _errs7;
    }
    else {
        vErrors = null;
    }
} if (_valid1) {
    const _errs10 = errors;
    if (!(validate24(data, { instancePath, parentData, parentDataProperty, rootData, dynamicAnchors }))) {
        vErrors = vErrors === null ? validate24.errors : vErrors.concat(validate24.errors);
        errors = vErrors.length;
    }
    var _valid1 = _errs10 === errors;
    valid3 = _valid1;
    if (valid3) {
        var props1 = true;
    }
} if (!valid3) {
    const err5 = { instancePath, schemaPath: "#/allOf/1/if", keyword: "if", params: { failingKeyword: "then" }, message: "must match \"then\" schema", schema: schema32.allOf[1].if, parentSchema: schema32.allOf[1], data };
    if (vErrors === null) {
        vErrors = [err5];
    }
    else {
        vErrors.push(err5);
    }
    errors++;
} if (props0 !== true && props1 !== undefined) {
    if (props1 === true) {
        props0 = true;
    }
    else {
        props0 = props0 || {};
        Object.assign(props0, props1);
    }
} const _errs12 = errors; let valid5 = true; const _errs13 = errors; if (data && typeof data == "object" && !Array.isArray(data)) {
    let missing2;
    if ((data.kind === undefined) && (missing2 = "kind")) {
        const err6 = {};
        if (vErrors === null) {
            vErrors = [err6];
        }
        else {
            vErrors.push(err6);
        }
        errors++;
    }
    else {
        if (data.kind !== undefined) {
            if ("skysql" !== data.kind) {
                const err7 = {};
                if (vErrors === null) {
                    vErrors = [err7];
                }
                else {
                    vErrors.push(err7);
                }
                errors++;
            }
        }
    }
} var _valid2 = _errs13 === errors; errors = _errs12; if (vErrors !== null) {
    if (_errs12) {
        vErrors.length = _errs12;
    }
    else {
        vErrors = null;
    }
} if (_valid2) {
    const _errs15 = errors;
    if (!(validate26(data, { instancePath, parentData, parentDataProperty, rootData, dynamicAnchors }))) {
        vErrors = vErrors === null ? validate26.errors : vErrors.concat(validate26.errors);
        errors = vErrors.length;
    }
    var _valid2 = _errs15 === errors;
    valid5 = _valid2;
    if (valid5) {
        var props2 = true;
    }
} if (!valid5) {
    const err8 = { instancePath, schemaPath: "#/allOf/2/if", keyword: "if", params: { failingKeyword: "then" }, message: "must match \"then\" schema", schema: schema32.allOf[2].if, parentSchema: schema32.allOf[2], data };
    if (vErrors === null) {
        vErrors = [err8];
    }
    else {
        vErrors.push(err8);
    }
    errors++;
} if (props0 !== true && props2 !== undefined) {
    if (props2 === true) {
        props0 = true;
    }
    else {
        props0 = props0 || {};
        Object.assign(props0, props2);
    }
} if (data && typeof data == "object" && !Array.isArray(data)) {
    if (data.kind === undefined) {
        const err9 = { instancePath, schemaPath: "#/required", keyword: "required", params: { missingProperty: "kind" }, message: "must have required property '" + "kind" + "'", schema: schema32.required, parentSchema: schema32, data };
        if (vErrors === null) {
            vErrors = [err9];
        }
        else {
            vErrors.push(err9);
        }
        errors++;
    }
    if (props0 !== true) {
        props0 = props0 || {};
        props0.kind = true;
    }
    if (data.kind !== undefined) {
        let data3 = data.kind;
        if (!(((data3 === "postgres") || (data3 === "aptible")) || (data3 === "skysql"))) {
            const err10 = { instancePath: instancePath + "/kind", schemaPath: "#/properties/kind/enum", keyword: "enum", params: { allowedValues: schema32.properties.kind.enum }, message: "must be equal to one of the allowed values", schema: schema32.properties.kind.enum, parentSchema: schema32.properties.kind, data: data3 };
            if (vErrors === null) {
                vErrors = [err10];
            }
            else {
                vErrors.push(err10);
            }
            errors++;
        }
    }
}
else {
    const err11 = { instancePath, schemaPath: "#/type", keyword: "type", params: { type: "object" }, message: "must be object", schema: schema32.type, parentSchema: schema32, data };
    if (vErrors === null) {
        vErrors = [err11];
    }
    else {
        vErrors.push(err11);
    }
    errors++;
} validate21.errors = vErrors; evaluated0.props = props0; return errors === 0; }
validate21.evaluated = { "dynamicProps": true, "dynamicItems": false };
const schema41 = { "title": "Defaults", "description": "Values that apply wherever an endpoint or integration does not say otherwise.", "type": "object", "additionalProperties": false, "properties": { "idleTimeout": { "title": "Idle timeout", "description": "The load balancer's idle cut-off for endpoints.", "$ref": "#/$defs/duration" }, "certificates": { "title": "Certificates", "type": "object", "additionalProperties": false, "properties": { "validity": { "title": "Validity", "description": "How long an issued server certificate is valid.", "$ref": "#/$defs/duration" }, "renewBefore": { "title": "Renew before", "description": "Reissue a certificate this long before it expires.", "$ref": "#/$defs/duration" } } } } };
const schema42 = { "title": "Duration", "description": "A whole number followed by s, m, h or d, e.g. 90d or 5m.", "type": "string", "pattern": "^[0-9]{1,9}[smhd]$" };
const pattern11 = new RegExp("^[0-9]{1,9}[smhd]$", "u");
function validate29(data, { instancePath = "", parentData, parentDataProperty, rootData = data, dynamicAnchors = {} } = {}) { let vErrors = null; let errors = 0; const evaluated0 = validate29.evaluated; if (evaluated0.dynamicProps) {
    evaluated0.props = undefined;
} if (evaluated0.dynamicItems) {
    evaluated0.items = undefined;
} if (data && typeof data == "object" && !Array.isArray(data)) {
    for (const key0 in data) {
        if (!((key0 === "idleTimeout") || (key0 === "certificates"))) {
            const err0 = { instancePath, schemaPath: "#/additionalProperties", keyword: "additionalProperties", params: { additionalProperty: key0 }, message: "must NOT have additional properties", schema: false, parentSchema: schema41, data };
            if (vErrors === null) {
                vErrors = [err0];
            }
            else {
                vErrors.push(err0);
            }
            errors++;
        }
    }
    if (data.idleTimeout !== undefined) {
        let data0 = data.idleTimeout;
        if (typeof data0 === "string") {
            if (!pattern11.test(data0)) {
                const err1 = { instancePath: instancePath + "/idleTimeout", schemaPath: "#/$defs/duration/pattern", keyword: "pattern", params: { pattern: "^[0-9]{1,9}[smhd]$" }, message: "must match pattern \"" + "^[0-9]{1,9}[smhd]$" + "\"", schema: "^[0-9]{1,9}[smhd]$", parentSchema: schema42, data: data0 };
                if (vErrors === null) {
                    vErrors = [err1];
                }
                else {
                    vErrors.push(err1);
                }
                errors++;
            }
        }
        else {
            const err2 = { instancePath: instancePath + "/idleTimeout", schemaPath: "#/$defs/duration/type", keyword: "type", params: { type: "string" }, message: "must be string", schema: schema42.type, parentSchema: schema42, data: data0 };
            if (vErrors === null) {
                vErrors = [err2];
            }
            else {
                vErrors.push(err2);
            }
            errors++;
        }
    }
    if (data.certificates !== undefined) {
        let data1 = data.certificates;
        if (data1 && typeof data1 == "object" && !Array.isArray(data1)) {
            for (const key1 in data1) {
                if (!((key1 === "validity") || (key1 === "renewBefore"))) {
                    const err3 = { instancePath: instancePath + "/certificates", schemaPath: "#/properties/certificates/additionalProperties", keyword: "additionalProperties", params: { additionalProperty: key1 }, message: "must NOT have additional properties", schema: false, parentSchema: schema41.properties.certificates, data: data1 };
                    if (vErrors === null) {
                        vErrors = [err3];
                    }
                    else {
                        vErrors.push(err3);
                    }
                    errors++;
                }
            }
            if (data1.validity !== undefined) {
                let data2 = data1.validity;
                if (typeof data2 === "string") {
                    if (!pattern11.test(data2)) {
                        const err4 = { instancePath: instancePath + "/certificates/validity", schemaPath: "#/$defs/duration/pattern", keyword: "pattern", params: { pattern: "^[0-9]{1,9}[smhd]$" }, message: "must match pattern \"" + "^[0-9]{1,9}[smhd]$" + "\"", schema: "^[0-9]{1,9}[smhd]$", parentSchema: schema42, data: data2 };
                        if (vErrors === null) {
                            vErrors = [err4];
                        }
                        else {
                            vErrors.push(err4);
                        }
                        errors++;
                    }
                }
                else {
                    const err5 = { instancePath: instancePath + "/certificates/validity", schemaPath: "#/$defs/duration/type", keyword: "type", params: { type: "string" }, message: "must be string", schema: schema42.type, parentSchema: schema42, data: data2 };
                    if (vErrors === null) {
                        vErrors = [err5];
                    }
                    else {
                        vErrors.push(err5);
                    }
                    errors++;
                }
            }
            if (data1.renewBefore !== undefined) {
                let data3 = data1.renewBefore;
                if (typeof data3 === "string") {
                    if (!pattern11.test(data3)) {
                        const err6 = { instancePath: instancePath + "/certificates/renewBefore", schemaPath: "#/$defs/duration/pattern", keyword: "pattern", params: { pattern: "^[0-9]{1,9}[smhd]$" }, message: "must match pattern \"" + "^[0-9]{1,9}[smhd]$" + "\"", schema: "^[0-9]{1,9}[smhd]$", parentSchema: schema42, data: data3 };
                        if (vErrors === null) {
                            vErrors = [err6];
                        }
                        else {
                            vErrors.push(err6);
                        }
                        errors++;
                    }
                }
                else {
                    const err7 = { instancePath: instancePath + "/certificates/renewBefore", schemaPath: "#/$defs/duration/type", keyword: "type", params: { type: "string" }, message: "must be string", schema: schema42.type, parentSchema: schema42, data: data3 };
                    if (vErrors === null) {
                        vErrors = [err7];
                    }
                    else {
                        vErrors.push(err7);
                    }
                    errors++;
                }
            }
        }
        else {
            const err8 = { instancePath: instancePath + "/certificates", schemaPath: "#/properties/certificates/type", keyword: "type", params: { type: "object" }, message: "must be object", schema: schema41.properties.certificates.type, parentSchema: schema41.properties.certificates, data: data1 };
            if (vErrors === null) {
                vErrors = [err8];
            }
            else {
                vErrors.push(err8);
            }
            errors++;
        }
    }
}
else {
    const err9 = { instancePath, schemaPath: "#/type", keyword: "type", params: { type: "object" }, message: "must be object", schema: schema41.type, parentSchema: schema41, data };
    if (vErrors === null) {
        vErrors = [err9];
    }
    else {
        vErrors.push(err9);
    }
    errors++;
} validate29.errors = vErrors; return errors === 0; }
validate29.evaluated = { "props": true, "dynamicProps": false, "dynamicItems": false };
const schema45 = { "title": "Database", "type": "object", "additionalProperties": false, "required": ["name", "engine"], "properties": { "name": { "$ref": "#/$defs/name" }, "engine": { "title": "Engine", "enum": ["postgresql", "mysql", "mariadb"] }, "sensitive": { "title": "Sensitive tables", "description": "Tables no integration may be granted, ever (schema.table).", "type": "array", "items": { "$ref": "#/$defs/tableRef" } }, "endpoints": { "title": "Endpoints", "type": "array", "items": { "$ref": "#/$defs/endpoint" } }, "integrations": { "title": "Integrations", "type": "array", "items": { "$ref": "#/$defs/integration" } } } };
const schema46 = { "title": "Name", "description": "Lowercase letters, digits, '_' and '-', starting with a letter or '_', at most 63 characters.", "type": "string", "pattern": "^[a-z_][a-z0-9_-]{0,62}$" };
const schema47 = { "title": "Table", "description": "schema.table, or schema.* for every table of a schema; lowercase SQL identifiers.", "type": "string", "pattern": "^[a-z_][a-z0-9_]{0,62}\\.([a-z_][a-z0-9_]{0,62}|\\*)$" };
const pattern14 = new RegExp("^[a-z_][a-z0-9_-]{0,62}$", "u");
const pattern15 = new RegExp("^[a-z_][a-z0-9_]{0,62}\\.([a-z_][a-z0-9_]{0,62}|\\*)$", "u");
const schema48 = { "title": "Endpoint", "description": "A way into the database: public (internet load balancer with an IP allowlist) or private (PrivateLink-style, by allowed accounts).", "type": "object", "additionalProperties": false, "required": ["name", "exposure"], "properties": { "name": { "$ref": "#/$defs/name" }, "exposure": { "title": "Exposure", "description": "public: an internet load balancer; private: a PrivateLink-style endpoint.", "enum": ["public", "private"] }, "hostname": { "$ref": "#/$defs/hostname" }, "port": { "title": "Port", "type": "integer", "minimum": 1, "maximum": 65535 }, "idleTimeout": { "title": "Idle timeout", "description": "Overrides defaults.idleTimeout.", "$ref": "#/$defs/duration" }, "tls": { "title": "TLS", "type": "object", "additionalProperties": false, "properties": { "minVersion": { "title": "Minimum TLS version", "description": "The oldest TLS version the endpoint accepts; 1.2 when not given.", "enum": ["1.0", "1.1", "1.2", "1.3"] } } }, "allow": { "title": "IP allowlist", "description": "Who may open a TCP connection to a public endpoint.", "type": "array", "items": { "$ref": "#/$defs/allowEntry" } }, "allowedAccounts": { "title": "Allowed accounts", "description": "Cloud accounts allowed to attach to a private endpoint.", "type": "array", "items": { "type": "string", "pattern": "^[A-Za-z0-9][A-Za-z0-9:._/-]{0,127}$" } } } };
const schema50 = { "title": "Hostname", "description": "A DNS name, e.g. orders.db.example.com.", "type": "string", "maxLength": 253, "pattern": "^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$" };
const pattern17 = new RegExp("^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$", "u");
const pattern20 = new RegExp("^[A-Za-z0-9][A-Za-z0-9:._/-]{0,127}$", "u");
const schema52 = { "title": "Allow entry", "type": "object", "additionalProperties": false, "required": ["cidr"], "properties": { "cidr": { "$ref": "#/$defs/cidr" }, "description": { "title": "Description", "description": "Who connects from here.", "type": "string", "maxLength": 255 } } };
const schema53 = { "title": "CIDR", "description": "An IPv4 or IPv6 network in CIDR notation (52.20.10.0/24, 2001:db8::/48); a bare address means /32 or /128. Addresses are written in their standard form: four decimal octets without leading zeros for IPv4.", "type": "string", "pattern": "^(((25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])\\.){3}(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])(/(3[0-2]|[12]?[0-9]))?|[0-9a-fA-F:.]*:[0-9a-fA-F:.]*(/(12[0-8]|1[01][0-9]|[1-9]?[0-9]))?)$" };
const pattern19 = new RegExp("^(((25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])\\.){3}(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])(/(3[0-2]|[12]?[0-9]))?|[0-9a-fA-F:.]*:[0-9a-fA-F:.]*(/(12[0-8]|1[01][0-9]|[1-9]?[0-9]))?)$", "u");
function validate33(data, { instancePath = "", parentData, parentDataProperty, rootData = data, dynamicAnchors = {} } = {}) { let vErrors = null; let errors = 0; const evaluated0 = validate33.evaluated; if (evaluated0.dynamicProps) {
    evaluated0.props = undefined;
} if (evaluated0.dynamicItems) {
    evaluated0.items = undefined;
} if (data && typeof data == "object" && !Array.isArray(data)) {
    if (data.cidr === undefined) {
        const err0 = { instancePath, schemaPath: "#/required", keyword: "required", params: { missingProperty: "cidr" }, message: "must have required property '" + "cidr" + "'", schema: schema52.required, parentSchema: schema52, data };
        if (vErrors === null) {
            vErrors = [err0];
        }
        else {
            vErrors.push(err0);
        }
        errors++;
    }
    for (const key0 in data) {
        if (!((key0 === "cidr") || (key0 === "description"))) {
            const err1 = { instancePath, schemaPath: "#/additionalProperties", keyword: "additionalProperties", params: { additionalProperty: key0 }, message: "must NOT have additional properties", schema: false, parentSchema: schema52, data };
            if (vErrors === null) {
                vErrors = [err1];
            }
            else {
                vErrors.push(err1);
            }
            errors++;
        }
    }
    if (data.cidr !== undefined) {
        let data0 = data.cidr;
        if (typeof data0 === "string") {
            if (!pattern19.test(data0)) {
                const err2 = { instancePath: instancePath + "/cidr", schemaPath: "#/$defs/cidr/pattern", keyword: "pattern", params: { pattern: "^(((25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])\\.){3}(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])(/(3[0-2]|[12]?[0-9]))?|[0-9a-fA-F:.]*:[0-9a-fA-F:.]*(/(12[0-8]|1[01][0-9]|[1-9]?[0-9]))?)$" }, message: "must match pattern \"" + "^(((25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])\\.){3}(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])(/(3[0-2]|[12]?[0-9]))?|[0-9a-fA-F:.]*:[0-9a-fA-F:.]*(/(12[0-8]|1[01][0-9]|[1-9]?[0-9]))?)$" + "\"", schema: "^(((25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])\\.){3}(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])(/(3[0-2]|[12]?[0-9]))?|[0-9a-fA-F:.]*:[0-9a-fA-F:.]*(/(12[0-8]|1[01][0-9]|[1-9]?[0-9]))?)$", parentSchema: schema53, data: data0 };
                if (vErrors === null) {
                    vErrors = [err2];
                }
                else {
                    vErrors.push(err2);
                }
                errors++;
            }
        }
        else {
            const err3 = { instancePath: instancePath + "/cidr", schemaPath: "#/$defs/cidr/type", keyword: "type", params: { type: "string" }, message: "must be string", schema: schema53.type, parentSchema: schema53, data: data0 };
            if (vErrors === null) {
                vErrors = [err3];
            }
            else {
                vErrors.push(err3);
            }
            errors++;
        }
    }
    if (data.description !== undefined) {
        let data1 = data.description;
        if (typeof data1 === "string") {
            if (func1(data1) > 255) {
                const err4 = { instancePath: instancePath + "/description", schemaPath: "#/properties/description/maxLength", keyword: "maxLength", params: { limit: 255 }, message: "must NOT have more than 255 characters", schema: 255, parentSchema: schema52.properties.description, data: data1 };
                if (vErrors === null) {
                    vErrors = [err4];
                }
                else {
                    vErrors.push(err4);
                }
                errors++;
            }
        }
        else {
            const err5 = { instancePath: instancePath + "/description", schemaPath: "#/properties/description/type", keyword: "type", params: { type: "string" }, message: "must be string", schema: schema52.properties.description.type, parentSchema: schema52.properties.description, data: data1 };
            if (vErrors === null) {
                vErrors = [err5];
            }
            else {
                vErrors.push(err5);
            }
            errors++;
        }
    }
}
else {
    const err6 = { instancePath, schemaPath: "#/type", keyword: "type", params: { type: "object" }, message: "must be object", schema: schema52.type, parentSchema: schema52, data };
    if (vErrors === null) {
        vErrors = [err6];
    }
    else {
        vErrors.push(err6);
    }
    errors++;
} validate33.errors = vErrors; return errors === 0; }
validate33.evaluated = { "props": true, "dynamicProps": false, "dynamicItems": false };
function validate32(data, { instancePath = "", parentData, parentDataProperty, rootData = data, dynamicAnchors = {} } = {}) { let vErrors = null; let errors = 0; const evaluated0 = validate32.evaluated; if (evaluated0.dynamicProps) {
    evaluated0.props = undefined;
} if (evaluated0.dynamicItems) {
    evaluated0.items = undefined;
} if (data && typeof data == "object" && !Array.isArray(data)) {
    if (data.name === undefined) {
        const err0 = { instancePath, schemaPath: "#/required", keyword: "required", params: { missingProperty: "name" }, message: "must have required property '" + "name" + "'", schema: schema48.required, parentSchema: schema48, data };
        if (vErrors === null) {
            vErrors = [err0];
        }
        else {
            vErrors.push(err0);
        }
        errors++;
    }
    if (data.exposure === undefined) {
        const err1 = { instancePath, schemaPath: "#/required", keyword: "required", params: { missingProperty: "exposure" }, message: "must have required property '" + "exposure" + "'", schema: schema48.required, parentSchema: schema48, data };
        if (vErrors === null) {
            vErrors = [err1];
        }
        else {
            vErrors.push(err1);
        }
        errors++;
    }
    for (const key0 in data) {
        if (!((((((((key0 === "name") || (key0 === "exposure")) || (key0 === "hostname")) || (key0 === "port")) || (key0 === "idleTimeout")) || (key0 === "tls")) || (key0 === "allow")) || (key0 === "allowedAccounts"))) {
            const err2 = { instancePath, schemaPath: "#/additionalProperties", keyword: "additionalProperties", params: { additionalProperty: key0 }, message: "must NOT have additional properties", schema: false, parentSchema: schema48, data };
            if (vErrors === null) {
                vErrors = [err2];
            }
            else {
                vErrors.push(err2);
            }
            errors++;
        }
    }
    if (data.name !== undefined) {
        let data0 = data.name;
        if (typeof data0 === "string") {
            if (!pattern14.test(data0)) {
                const err3 = { instancePath: instancePath + "/name", schemaPath: "#/$defs/name/pattern", keyword: "pattern", params: { pattern: "^[a-z_][a-z0-9_-]{0,62}$" }, message: "must match pattern \"" + "^[a-z_][a-z0-9_-]{0,62}$" + "\"", schema: "^[a-z_][a-z0-9_-]{0,62}$", parentSchema: schema46, data: data0 };
                if (vErrors === null) {
                    vErrors = [err3];
                }
                else {
                    vErrors.push(err3);
                }
                errors++;
            }
        }
        else {
            const err4 = { instancePath: instancePath + "/name", schemaPath: "#/$defs/name/type", keyword: "type", params: { type: "string" }, message: "must be string", schema: schema46.type, parentSchema: schema46, data: data0 };
            if (vErrors === null) {
                vErrors = [err4];
            }
            else {
                vErrors.push(err4);
            }
            errors++;
        }
    }
    if (data.exposure !== undefined) {
        let data1 = data.exposure;
        if (!((data1 === "public") || (data1 === "private"))) {
            const err5 = { instancePath: instancePath + "/exposure", schemaPath: "#/properties/exposure/enum", keyword: "enum", params: { allowedValues: schema48.properties.exposure.enum }, message: "must be equal to one of the allowed values", schema: schema48.properties.exposure.enum, parentSchema: schema48.properties.exposure, data: data1 };
            if (vErrors === null) {
                vErrors = [err5];
            }
            else {
                vErrors.push(err5);
            }
            errors++;
        }
    }
    if (data.hostname !== undefined) {
        let data2 = data.hostname;
        if (typeof data2 === "string") {
            if (func1(data2) > 253) {
                const err6 = { instancePath: instancePath + "/hostname", schemaPath: "#/$defs/hostname/maxLength", keyword: "maxLength", params: { limit: 253 }, message: "must NOT have more than 253 characters", schema: 253, parentSchema: schema50, data: data2 };
                if (vErrors === null) {
                    vErrors = [err6];
                }
                else {
                    vErrors.push(err6);
                }
                errors++;
            }
            if (!pattern17.test(data2)) {
                const err7 = { instancePath: instancePath + "/hostname", schemaPath: "#/$defs/hostname/pattern", keyword: "pattern", params: { pattern: "^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$" }, message: "must match pattern \"" + "^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$" + "\"", schema: "^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$", parentSchema: schema50, data: data2 };
                if (vErrors === null) {
                    vErrors = [err7];
                }
                else {
                    vErrors.push(err7);
                }
                errors++;
            }
        }
        else {
            const err8 = { instancePath: instancePath + "/hostname", schemaPath: "#/$defs/hostname/type", keyword: "type", params: { type: "string" }, message: "must be string", schema: schema50.type, parentSchema: schema50, data: data2 };
            if (vErrors === null) {
                vErrors = [err8];
            }
            else {
                vErrors.push(err8);
            }
            errors++;
        }
    }
    if (data.port !== undefined) {
        let data3 = data.port;
        if (!(((typeof data3 == "number") && (!(data3 % 1) && !isNaN(data3))) && (isFinite(data3)))) {
            const err9 = { instancePath: instancePath + "/port", schemaPath: "#/properties/port/type", keyword: "type", params: { type: "integer" }, message: "must be integer", schema: schema48.properties.port.type, parentSchema: schema48.properties.port, data: data3 };
            if (vErrors === null) {
                vErrors = [err9];
            }
            else {
                vErrors.push(err9);
            }
            errors++;
        }
        if ((typeof data3 == "number") && (isFinite(data3))) {
            if (data3 > 65535 || isNaN(data3)) {
                const err10 = { instancePath: instancePath + "/port", schemaPath: "#/properties/port/maximum", keyword: "maximum", params: { comparison: "<=", limit: 65535 }, message: "must be <= 65535", schema: 65535, parentSchema: schema48.properties.port, data: data3 };
                if (vErrors === null) {
                    vErrors = [err10];
                }
                else {
                    vErrors.push(err10);
                }
                errors++;
            }
            if (data3 < 1 || isNaN(data3)) {
                const err11 = { instancePath: instancePath + "/port", schemaPath: "#/properties/port/minimum", keyword: "minimum", params: { comparison: ">=", limit: 1 }, message: "must be >= 1", schema: 1, parentSchema: schema48.properties.port, data: data3 };
                if (vErrors === null) {
                    vErrors = [err11];
                }
                else {
                    vErrors.push(err11);
                }
                errors++;
            }
        }
    }
    if (data.idleTimeout !== undefined) {
        let data4 = data.idleTimeout;
        if (typeof data4 === "string") {
            if (!pattern11.test(data4)) {
                const err12 = { instancePath: instancePath + "/idleTimeout", schemaPath: "#/$defs/duration/pattern", keyword: "pattern", params: { pattern: "^[0-9]{1,9}[smhd]$" }, message: "must match pattern \"" + "^[0-9]{1,9}[smhd]$" + "\"", schema: "^[0-9]{1,9}[smhd]$", parentSchema: schema42, data: data4 };
                if (vErrors === null) {
                    vErrors = [err12];
                }
                else {
                    vErrors.push(err12);
                }
                errors++;
            }
        }
        else {
            const err13 = { instancePath: instancePath + "/idleTimeout", schemaPath: "#/$defs/duration/type", keyword: "type", params: { type: "string" }, message: "must be string", schema: schema42.type, parentSchema: schema42, data: data4 };
            if (vErrors === null) {
                vErrors = [err13];
            }
            else {
                vErrors.push(err13);
            }
            errors++;
        }
    }
    if (data.tls !== undefined) {
        let data5 = data.tls;
        if (data5 && typeof data5 == "object" && !Array.isArray(data5)) {
            for (const key1 in data5) {
                if (!(key1 === "minVersion")) {
                    const err14 = { instancePath: instancePath + "/tls", schemaPath: "#/properties/tls/additionalProperties", keyword: "additionalProperties", params: { additionalProperty: key1 }, message: "must NOT have additional properties", schema: false, parentSchema: schema48.properties.tls, data: data5 };
                    if (vErrors === null) {
                        vErrors = [err14];
                    }
                    else {
                        vErrors.push(err14);
                    }
                    errors++;
                }
            }
            if (data5.minVersion !== undefined) {
                let data6 = data5.minVersion;
                if (!((((data6 === "1.0") || (data6 === "1.1")) || (data6 === "1.2")) || (data6 === "1.3"))) {
                    const err15 = { instancePath: instancePath + "/tls/minVersion", schemaPath: "#/properties/tls/properties/minVersion/enum", keyword: "enum", params: { allowedValues: schema48.properties.tls.properties.minVersion.enum }, message: "must be equal to one of the allowed values", schema: schema48.properties.tls.properties.minVersion.enum, parentSchema: schema48.properties.tls.properties.minVersion, data: data6 };
                    if (vErrors === null) {
                        vErrors = [err15];
                    }
                    else {
                        vErrors.push(err15);
                    }
                    errors++;
                }
            }
        }
        else {
            const err16 = { instancePath: instancePath + "/tls", schemaPath: "#/properties/tls/type", keyword: "type", params: { type: "object" }, message: "must be object", schema: schema48.properties.tls.type, parentSchema: schema48.properties.tls, data: data5 };
            if (vErrors === null) {
                vErrors = [err16];
            }
            else {
                vErrors.push(err16);
            }
            errors++;
        }
    }
    if (data.allow !== undefined) {
        let data7 = data.allow;
        if (Array.isArray(data7)) {
            const len0 = data7.length;
            for (let i0 = 0; i0 < len0; i0++) {
                if (!(validate33(data7[i0], { instancePath: instancePath + "/allow/" + i0, parentData: data7, parentDataProperty: i0, rootData, dynamicAnchors }))) {
                    vErrors = vErrors === null ? validate33.errors : vErrors.concat(validate33.errors);
                    errors = vErrors.length;
                }
            }
        }
        else {
            const err17 = { instancePath: instancePath + "/allow", schemaPath: "#/properties/allow/type", keyword: "type", params: { type: "array" }, message: "must be array", schema: schema48.properties.allow.type, parentSchema: schema48.properties.allow, data: data7 };
            if (vErrors === null) {
                vErrors = [err17];
            }
            else {
                vErrors.push(err17);
            }
            errors++;
        }
    }
    if (data.allowedAccounts !== undefined) {
        let data9 = data.allowedAccounts;
        if (Array.isArray(data9)) {
            const len1 = data9.length;
            for (let i1 = 0; i1 < len1; i1++) {
                let data10 = data9[i1];
                if (typeof data10 === "string") {
                    if (!pattern20.test(data10)) {
                        const err18 = { instancePath: instancePath + "/allowedAccounts/" + i1, schemaPath: "#/properties/allowedAccounts/items/pattern", keyword: "pattern", params: { pattern: "^[A-Za-z0-9][A-Za-z0-9:._/-]{0,127}$" }, message: "must match pattern \"" + "^[A-Za-z0-9][A-Za-z0-9:._/-]{0,127}$" + "\"", schema: "^[A-Za-z0-9][A-Za-z0-9:._/-]{0,127}$", parentSchema: schema48.properties.allowedAccounts.items, data: data10 };
                        if (vErrors === null) {
                            vErrors = [err18];
                        }
                        else {
                            vErrors.push(err18);
                        }
                        errors++;
                    }
                }
                else {
                    const err19 = { instancePath: instancePath + "/allowedAccounts/" + i1, schemaPath: "#/properties/allowedAccounts/items/type", keyword: "type", params: { type: "string" }, message: "must be string", schema: schema48.properties.allowedAccounts.items.type, parentSchema: schema48.properties.allowedAccounts.items, data: data10 };
                    if (vErrors === null) {
                        vErrors = [err19];
                    }
                    else {
                        vErrors.push(err19);
                    }
                    errors++;
                }
            }
        }
        else {
            const err20 = { instancePath: instancePath + "/allowedAccounts", schemaPath: "#/properties/allowedAccounts/type", keyword: "type", params: { type: "array" }, message: "must be array", schema: schema48.properties.allowedAccounts.type, parentSchema: schema48.properties.allowedAccounts, data: data9 };
            if (vErrors === null) {
                vErrors = [err20];
            }
            else {
                vErrors.push(err20);
            }
            errors++;
        }
    }
}
else {
    const err21 = { instancePath, schemaPath: "#/type", keyword: "type", params: { type: "object" }, message: "must be object", schema: schema48.type, parentSchema: schema48, data };
    if (vErrors === null) {
        vErrors = [err21];
    }
    else {
        vErrors.push(err21);
    }
    errors++;
} validate32.errors = vErrors; return errors === 0; }
validate32.evaluated = { "props": true, "dynamicProps": false, "dynamicItems": false };
const schema54 = { "title": "Integration", "description": "One outside system (a BI tool, an ETL vendor, a partner) with its own user, sources, grants and TLS settings.", "type": "object", "additionalProperties": false, "required": ["name", "user", "endpoint"], "properties": { "name": { "$ref": "#/$defs/name" }, "owner": { "title": "Owner", "description": "Who answers for this integration (a team or person, e.g. an email address).", "type": "string", "minLength": 1 }, "user": { "title": "Database user", "description": "The database user of this integration, used by no other.", "$ref": "#/$defs/sqlIdentifier" }, "endpoint": { "title": "Endpoint", "description": "The name of the endpoint this integration connects through.", "$ref": "#/$defs/name" }, "access": { "title": "Access", "description": "read-only (the default) or read-write.", "enum": ["read-only", "read-write"] }, "from": { "title": "Source addresses", "description": "Where this integration connects from; must lie inside its endpoint's allowlist.", "type": "array", "items": { "$ref": "#/$defs/cidr" } }, "grants": { "title": "Grants", "type": "array", "items": { "$ref": "#/$defs/grant" } }, "tls": { "title": "Client TLS", "type": "object", "additionalProperties": false, "properties": { "verify": { "title": "Verification", "description": "full: the certificate chain and the hostname; ca: the chain only; none: nothing.", "enum": ["full", "ca", "none"] } } }, "keepalive": { "title": "Keepalive", "description": "The client's heartbeat interval.", "$ref": "#/$defs/duration" }, "credentials": { "title": "Credentials", "type": "object", "additionalProperties": false, "properties": { "password": { "title": "Password", "description": "A reference to the password ({ fromEnv: NAME } or { fromFile: PATH }); a value written here is refused by no-inline-secrets.", "anyOf": [{ "$ref": "#/$defs/secretRef" }, { "type": "string" }] }, "rotateEvery": { "title": "Rotate every", "$ref": "#/$defs/duration" } } } } };
const schema56 = { "title": "SQL identifier", "description": "A lowercase SQL identifier: [a-z_][a-z0-9_]*, at most 63 characters.", "type": "string", "pattern": "^[a-z_][a-z0-9_]{0,62}$" };
const func9 = Object.prototype.hasOwnProperty;
const pattern22 = new RegExp("^[a-z_][a-z0-9_]{0,62}$", "u");
const schema59 = { "title": "Grant", "type": "object", "additionalProperties": false, "required": ["table", "privileges"], "properties": { "table": { "$ref": "#/$defs/tableRef" }, "privileges": { "title": "Privileges", "type": "array", "minItems": 1, "uniqueItems": true, "items": { "enum": ["SELECT", "INSERT", "UPDATE", "DELETE", "TRUNCATE", "REFERENCES", "TRIGGER", "USAGE", "ALL"] } } } };
const func0 = equal["default"] ?? equal;
function validate37(data, { instancePath = "", parentData, parentDataProperty, rootData = data, dynamicAnchors = {} } = {}) { let vErrors = null; let errors = 0; const evaluated0 = validate37.evaluated; if (evaluated0.dynamicProps) {
    evaluated0.props = undefined;
} if (evaluated0.dynamicItems) {
    evaluated0.items = undefined;
} if (data && typeof data == "object" && !Array.isArray(data)) {
    if (data.table === undefined) {
        const err0 = { instancePath, schemaPath: "#/required", keyword: "required", params: { missingProperty: "table" }, message: "must have required property '" + "table" + "'", schema: schema59.required, parentSchema: schema59, data };
        if (vErrors === null) {
            vErrors = [err0];
        }
        else {
            vErrors.push(err0);
        }
        errors++;
    }
    if (data.privileges === undefined) {
        const err1 = { instancePath, schemaPath: "#/required", keyword: "required", params: { missingProperty: "privileges" }, message: "must have required property '" + "privileges" + "'", schema: schema59.required, parentSchema: schema59, data };
        if (vErrors === null) {
            vErrors = [err1];
        }
        else {
            vErrors.push(err1);
        }
        errors++;
    }
    for (const key0 in data) {
        if (!((key0 === "table") || (key0 === "privileges"))) {
            const err2 = { instancePath, schemaPath: "#/additionalProperties", keyword: "additionalProperties", params: { additionalProperty: key0 }, message: "must NOT have additional properties", schema: false, parentSchema: schema59, data };
            if (vErrors === null) {
                vErrors = [err2];
            }
            else {
                vErrors.push(err2);
            }
            errors++;
        }
    }
    if (data.table !== undefined) {
        let data0 = data.table;
        if (typeof data0 === "string") {
            if (!pattern15.test(data0)) {
                const err3 = { instancePath: instancePath + "/table", schemaPath: "#/$defs/tableRef/pattern", keyword: "pattern", params: { pattern: "^[a-z_][a-z0-9_]{0,62}\\.([a-z_][a-z0-9_]{0,62}|\\*)$" }, message: "must match pattern \"" + "^[a-z_][a-z0-9_]{0,62}\\.([a-z_][a-z0-9_]{0,62}|\\*)$" + "\"", schema: "^[a-z_][a-z0-9_]{0,62}\\.([a-z_][a-z0-9_]{0,62}|\\*)$", parentSchema: schema47, data: data0 };
                if (vErrors === null) {
                    vErrors = [err3];
                }
                else {
                    vErrors.push(err3);
                }
                errors++;
            }
        }
        else {
            const err4 = { instancePath: instancePath + "/table", schemaPath: "#/$defs/tableRef/type", keyword: "type", params: { type: "string" }, message: "must be string", schema: schema47.type, parentSchema: schema47, data: data0 };
            if (vErrors === null) {
                vErrors = [err4];
            }
            else {
                vErrors.push(err4);
            }
            errors++;
        }
    }
    if (data.privileges !== undefined) {
        let data1 = data.privileges;
        if (Array.isArray(data1)) {
            if (data1.length < 1) {
                const err5 = { instancePath: instancePath + "/privileges", schemaPath: "#/properties/privileges/minItems", keyword: "minItems", params: { limit: 1 }, message: "must NOT have fewer than 1 items", schema: 1, parentSchema: schema59.properties.privileges, data: data1 };
                if (vErrors === null) {
                    vErrors = [err5];
                }
                else {
                    vErrors.push(err5);
                }
                errors++;
            }
            const len0 = data1.length;
            for (let i0 = 0; i0 < len0; i0++) {
                let data2 = data1[i0];
                if (!(((((((((data2 === "SELECT") || (data2 === "INSERT")) || (data2 === "UPDATE")) || (data2 === "DELETE")) || (data2 === "TRUNCATE")) || (data2 === "REFERENCES")) || (data2 === "TRIGGER")) || (data2 === "USAGE")) || (data2 === "ALL"))) {
                    const err6 = { instancePath: instancePath + "/privileges/" + i0, schemaPath: "#/properties/privileges/items/enum", keyword: "enum", params: { allowedValues: schema59.properties.privileges.items.enum }, message: "must be equal to one of the allowed values", schema: schema59.properties.privileges.items.enum, parentSchema: schema59.properties.privileges.items, data: data2 };
                    if (vErrors === null) {
                        vErrors = [err6];
                    }
                    else {
                        vErrors.push(err6);
                    }
                    errors++;
                }
            }
            let i1 = data1.length;
            let j0;
            if (i1 > 1) {
                outer0: for (; i1--;) {
                    for (j0 = i1; j0--;) {
                        if (func0(data1[i1], data1[j0])) {
                            const err7 = { instancePath: instancePath + "/privileges", schemaPath: "#/properties/privileges/uniqueItems", keyword: "uniqueItems", params: { i: i1, j: j0 }, message: "must NOT have duplicate items (items ## " + j0 + " and " + i1 + " are identical)", schema: true, parentSchema: schema59.properties.privileges, data: data1 };
                            if (vErrors === null) {
                                vErrors = [err7];
                            }
                            else {
                                vErrors.push(err7);
                            }
                            errors++;
                            break outer0;
                        }
                    }
                }
            }
        }
        else {
            const err8 = { instancePath: instancePath + "/privileges", schemaPath: "#/properties/privileges/type", keyword: "type", params: { type: "array" }, message: "must be array", schema: schema59.properties.privileges.type, parentSchema: schema59.properties.privileges, data: data1 };
            if (vErrors === null) {
                vErrors = [err8];
            }
            else {
                vErrors.push(err8);
            }
            errors++;
        }
    }
}
else {
    const err9 = { instancePath, schemaPath: "#/type", keyword: "type", params: { type: "object" }, message: "must be object", schema: schema59.type, parentSchema: schema59, data };
    if (vErrors === null) {
        vErrors = [err9];
    }
    else {
        vErrors.push(err9);
    }
    errors++;
} validate37.errors = vErrors; return errors === 0; }
validate37.evaluated = { "props": true, "dynamicProps": false, "dynamicItems": false };
function validate36(data, { instancePath = "", parentData, parentDataProperty, rootData = data, dynamicAnchors = {} } = {}) { let vErrors = null; let errors = 0; const evaluated0 = validate36.evaluated; if (evaluated0.dynamicProps) {
    evaluated0.props = undefined;
} if (evaluated0.dynamicItems) {
    evaluated0.items = undefined;
} if (data && typeof data == "object" && !Array.isArray(data)) {
    if (data.name === undefined) {
        const err0 = { instancePath, schemaPath: "#/required", keyword: "required", params: { missingProperty: "name" }, message: "must have required property '" + "name" + "'", schema: schema54.required, parentSchema: schema54, data };
        if (vErrors === null) {
            vErrors = [err0];
        }
        else {
            vErrors.push(err0);
        }
        errors++;
    }
    if (data.user === undefined) {
        const err1 = { instancePath, schemaPath: "#/required", keyword: "required", params: { missingProperty: "user" }, message: "must have required property '" + "user" + "'", schema: schema54.required, parentSchema: schema54, data };
        if (vErrors === null) {
            vErrors = [err1];
        }
        else {
            vErrors.push(err1);
        }
        errors++;
    }
    if (data.endpoint === undefined) {
        const err2 = { instancePath, schemaPath: "#/required", keyword: "required", params: { missingProperty: "endpoint" }, message: "must have required property '" + "endpoint" + "'", schema: schema54.required, parentSchema: schema54, data };
        if (vErrors === null) {
            vErrors = [err2];
        }
        else {
            vErrors.push(err2);
        }
        errors++;
    }
    for (const key0 in data) {
        if (!(func9.call(schema54.properties, key0))) {
            const err3 = { instancePath, schemaPath: "#/additionalProperties", keyword: "additionalProperties", params: { additionalProperty: key0 }, message: "must NOT have additional properties", schema: false, parentSchema: schema54, data };
            if (vErrors === null) {
                vErrors = [err3];
            }
            else {
                vErrors.push(err3);
            }
            errors++;
        }
    }
    if (data.name !== undefined) {
        let data0 = data.name;
        if (typeof data0 === "string") {
            if (!pattern14.test(data0)) {
                const err4 = { instancePath: instancePath + "/name", schemaPath: "#/$defs/name/pattern", keyword: "pattern", params: { pattern: "^[a-z_][a-z0-9_-]{0,62}$" }, message: "must match pattern \"" + "^[a-z_][a-z0-9_-]{0,62}$" + "\"", schema: "^[a-z_][a-z0-9_-]{0,62}$", parentSchema: schema46, data: data0 };
                if (vErrors === null) {
                    vErrors = [err4];
                }
                else {
                    vErrors.push(err4);
                }
                errors++;
            }
        }
        else {
            const err5 = { instancePath: instancePath + "/name", schemaPath: "#/$defs/name/type", keyword: "type", params: { type: "string" }, message: "must be string", schema: schema46.type, parentSchema: schema46, data: data0 };
            if (vErrors === null) {
                vErrors = [err5];
            }
            else {
                vErrors.push(err5);
            }
            errors++;
        }
    }
    if (data.owner !== undefined) {
        let data1 = data.owner;
        if (typeof data1 === "string") {
            if (func1(data1) < 1) {
                const err6 = { instancePath: instancePath + "/owner", schemaPath: "#/properties/owner/minLength", keyword: "minLength", params: { limit: 1 }, message: "must NOT have fewer than 1 characters", schema: 1, parentSchema: schema54.properties.owner, data: data1 };
                if (vErrors === null) {
                    vErrors = [err6];
                }
                else {
                    vErrors.push(err6);
                }
                errors++;
            }
        }
        else {
            const err7 = { instancePath: instancePath + "/owner", schemaPath: "#/properties/owner/type", keyword: "type", params: { type: "string" }, message: "must be string", schema: schema54.properties.owner.type, parentSchema: schema54.properties.owner, data: data1 };
            if (vErrors === null) {
                vErrors = [err7];
            }
            else {
                vErrors.push(err7);
            }
            errors++;
        }
    }
    if (data.user !== undefined) {
        let data2 = data.user;
        if (typeof data2 === "string") {
            if (!pattern22.test(data2)) {
                const err8 = { instancePath: instancePath + "/user", schemaPath: "#/$defs/sqlIdentifier/pattern", keyword: "pattern", params: { pattern: "^[a-z_][a-z0-9_]{0,62}$" }, message: "must match pattern \"" + "^[a-z_][a-z0-9_]{0,62}$" + "\"", schema: "^[a-z_][a-z0-9_]{0,62}$", parentSchema: schema56, data: data2 };
                if (vErrors === null) {
                    vErrors = [err8];
                }
                else {
                    vErrors.push(err8);
                }
                errors++;
            }
        }
        else {
            const err9 = { instancePath: instancePath + "/user", schemaPath: "#/$defs/sqlIdentifier/type", keyword: "type", params: { type: "string" }, message: "must be string", schema: schema56.type, parentSchema: schema56, data: data2 };
            if (vErrors === null) {
                vErrors = [err9];
            }
            else {
                vErrors.push(err9);
            }
            errors++;
        }
    }
    if (data.endpoint !== undefined) {
        let data3 = data.endpoint;
        if (typeof data3 === "string") {
            if (!pattern14.test(data3)) {
                const err10 = { instancePath: instancePath + "/endpoint", schemaPath: "#/$defs/name/pattern", keyword: "pattern", params: { pattern: "^[a-z_][a-z0-9_-]{0,62}$" }, message: "must match pattern \"" + "^[a-z_][a-z0-9_-]{0,62}$" + "\"", schema: "^[a-z_][a-z0-9_-]{0,62}$", parentSchema: schema46, data: data3 };
                if (vErrors === null) {
                    vErrors = [err10];
                }
                else {
                    vErrors.push(err10);
                }
                errors++;
            }
        }
        else {
            const err11 = { instancePath: instancePath + "/endpoint", schemaPath: "#/$defs/name/type", keyword: "type", params: { type: "string" }, message: "must be string", schema: schema46.type, parentSchema: schema46, data: data3 };
            if (vErrors === null) {
                vErrors = [err11];
            }
            else {
                vErrors.push(err11);
            }
            errors++;
        }
    }
    if (data.access !== undefined) {
        let data4 = data.access;
        if (!((data4 === "read-only") || (data4 === "read-write"))) {
            const err12 = { instancePath: instancePath + "/access", schemaPath: "#/properties/access/enum", keyword: "enum", params: { allowedValues: schema54.properties.access.enum }, message: "must be equal to one of the allowed values", schema: schema54.properties.access.enum, parentSchema: schema54.properties.access, data: data4 };
            if (vErrors === null) {
                vErrors = [err12];
            }
            else {
                vErrors.push(err12);
            }
            errors++;
        }
    }
    if (data.from !== undefined) {
        let data5 = data.from;
        if (Array.isArray(data5)) {
            const len0 = data5.length;
            for (let i0 = 0; i0 < len0; i0++) {
                let data6 = data5[i0];
                if (typeof data6 === "string") {
                    if (!pattern19.test(data6)) {
                        const err13 = { instancePath: instancePath + "/from/" + i0, schemaPath: "#/$defs/cidr/pattern", keyword: "pattern", params: { pattern: "^(((25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])\\.){3}(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])(/(3[0-2]|[12]?[0-9]))?|[0-9a-fA-F:.]*:[0-9a-fA-F:.]*(/(12[0-8]|1[01][0-9]|[1-9]?[0-9]))?)$" }, message: "must match pattern \"" + "^(((25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])\\.){3}(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])(/(3[0-2]|[12]?[0-9]))?|[0-9a-fA-F:.]*:[0-9a-fA-F:.]*(/(12[0-8]|1[01][0-9]|[1-9]?[0-9]))?)$" + "\"", schema: "^(((25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])\\.){3}(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])(/(3[0-2]|[12]?[0-9]))?|[0-9a-fA-F:.]*:[0-9a-fA-F:.]*(/(12[0-8]|1[01][0-9]|[1-9]?[0-9]))?)$", parentSchema: schema53, data: data6 };
                        if (vErrors === null) {
                            vErrors = [err13];
                        }
                        else {
                            vErrors.push(err13);
                        }
                        errors++;
                    }
                }
                else {
                    const err14 = { instancePath: instancePath + "/from/" + i0, schemaPath: "#/$defs/cidr/type", keyword: "type", params: { type: "string" }, message: "must be string", schema: schema53.type, parentSchema: schema53, data: data6 };
                    if (vErrors === null) {
                        vErrors = [err14];
                    }
                    else {
                        vErrors.push(err14);
                    }
                    errors++;
                }
            }
        }
        else {
            const err15 = { instancePath: instancePath + "/from", schemaPath: "#/properties/from/type", keyword: "type", params: { type: "array" }, message: "must be array", schema: schema54.properties.from.type, parentSchema: schema54.properties.from, data: data5 };
            if (vErrors === null) {
                vErrors = [err15];
            }
            else {
                vErrors.push(err15);
            }
            errors++;
        }
    }
    if (data.grants !== undefined) {
        let data7 = data.grants;
        if (Array.isArray(data7)) {
            const len1 = data7.length;
            for (let i1 = 0; i1 < len1; i1++) {
                if (!(validate37(data7[i1], { instancePath: instancePath + "/grants/" + i1, parentData: data7, parentDataProperty: i1, rootData, dynamicAnchors }))) {
                    vErrors = vErrors === null ? validate37.errors : vErrors.concat(validate37.errors);
                    errors = vErrors.length;
                }
            }
        }
        else {
            const err16 = { instancePath: instancePath + "/grants", schemaPath: "#/properties/grants/type", keyword: "type", params: { type: "array" }, message: "must be array", schema: schema54.properties.grants.type, parentSchema: schema54.properties.grants, data: data7 };
            if (vErrors === null) {
                vErrors = [err16];
            }
            else {
                vErrors.push(err16);
            }
            errors++;
        }
    }
    if (data.tls !== undefined) {
        let data9 = data.tls;
        if (data9 && typeof data9 == "object" && !Array.isArray(data9)) {
            for (const key1 in data9) {
                if (!(key1 === "verify")) {
                    const err17 = { instancePath: instancePath + "/tls", schemaPath: "#/properties/tls/additionalProperties", keyword: "additionalProperties", params: { additionalProperty: key1 }, message: "must NOT have additional properties", schema: false, parentSchema: schema54.properties.tls, data: data9 };
                    if (vErrors === null) {
                        vErrors = [err17];
                    }
                    else {
                        vErrors.push(err17);
                    }
                    errors++;
                }
            }
            if (data9.verify !== undefined) {
                let data10 = data9.verify;
                if (!(((data10 === "full") || (data10 === "ca")) || (data10 === "none"))) {
                    const err18 = { instancePath: instancePath + "/tls/verify", schemaPath: "#/properties/tls/properties/verify/enum", keyword: "enum", params: { allowedValues: schema54.properties.tls.properties.verify.enum }, message: "must be equal to one of the allowed values", schema: schema54.properties.tls.properties.verify.enum, parentSchema: schema54.properties.tls.properties.verify, data: data10 };
                    if (vErrors === null) {
                        vErrors = [err18];
                    }
                    else {
                        vErrors.push(err18);
                    }
                    errors++;
                }
            }
        }
        else {
            const err19 = { instancePath: instancePath + "/tls", schemaPath: "#/properties/tls/type", keyword: "type", params: { type: "object" }, message: "must be object", schema: schema54.properties.tls.type, parentSchema: schema54.properties.tls, data: data9 };
            if (vErrors === null) {
                vErrors = [err19];
            }
            else {
                vErrors.push(err19);
            }
            errors++;
        }
    }
    if (data.keepalive !== undefined) {
        let data11 = data.keepalive;
        if (typeof data11 === "string") {
            if (!pattern11.test(data11)) {
                const err20 = { instancePath: instancePath + "/keepalive", schemaPath: "#/$defs/duration/pattern", keyword: "pattern", params: { pattern: "^[0-9]{1,9}[smhd]$" }, message: "must match pattern \"" + "^[0-9]{1,9}[smhd]$" + "\"", schema: "^[0-9]{1,9}[smhd]$", parentSchema: schema42, data: data11 };
                if (vErrors === null) {
                    vErrors = [err20];
                }
                else {
                    vErrors.push(err20);
                }
                errors++;
            }
        }
        else {
            const err21 = { instancePath: instancePath + "/keepalive", schemaPath: "#/$defs/duration/type", keyword: "type", params: { type: "string" }, message: "must be string", schema: schema42.type, parentSchema: schema42, data: data11 };
            if (vErrors === null) {
                vErrors = [err21];
            }
            else {
                vErrors.push(err21);
            }
            errors++;
        }
    }
    if (data.credentials !== undefined) {
        let data12 = data.credentials;
        if (data12 && typeof data12 == "object" && !Array.isArray(data12)) {
            for (const key2 in data12) {
                if (!((key2 === "password") || (key2 === "rotateEvery"))) {
                    const err22 = { instancePath: instancePath + "/credentials", schemaPath: "#/properties/credentials/additionalProperties", keyword: "additionalProperties", params: { additionalProperty: key2 }, message: "must NOT have additional properties", schema: false, parentSchema: schema54.properties.credentials, data: data12 };
                    if (vErrors === null) {
                        vErrors = [err22];
                    }
                    else {
                        vErrors.push(err22);
                    }
                    errors++;
                }
            }
            if (data12.password !== undefined) {
                let data13 = data12.password;
                const _errs33 = errors;
                let valid12 = false;
                const _errs34 = errors;
                if (!(data13 && typeof data13 == "object" && !Array.isArray(data13))) {
                    const err23 = { instancePath: instancePath + "/credentials/password", schemaPath: "#/$defs/secretRef/type", keyword: "type", params: { type: "object" }, message: "must be object", schema: schema34.type, parentSchema: schema34, data: data13 };
                    if (vErrors === null) {
                        vErrors = [err23];
                    }
                    else {
                        vErrors.push(err23);
                    }
                    errors++;
                }
                const _errs37 = errors;
                let valid14 = false;
                let passing0 = null;
                const _errs38 = errors;
                if (data13 && typeof data13 == "object" && !Array.isArray(data13)) {
                    if (data13.fromEnv === undefined) {
                        const err24 = { instancePath: instancePath + "/credentials/password", schemaPath: "#/$defs/secretRef/oneOf/0/required", keyword: "required", params: { missingProperty: "fromEnv" }, message: "must have required property '" + "fromEnv" + "'", schema: schema34.oneOf[0].required, parentSchema: schema34.oneOf[0], data: data13 };
                        if (vErrors === null) {
                            vErrors = [err24];
                        }
                        else {
                            vErrors.push(err24);
                        }
                        errors++;
                    }
                    for (const key3 in data13) {
                        if (!(key3 === "fromEnv")) {
                            const err25 = { instancePath: instancePath + "/credentials/password", schemaPath: "#/$defs/secretRef/oneOf/0/additionalProperties", keyword: "additionalProperties", params: { additionalProperty: key3 }, message: "must NOT have additional properties", schema: false, parentSchema: schema34.oneOf[0], data: data13 };
                            if (vErrors === null) {
                                vErrors = [err25];
                            }
                            else {
                                vErrors.push(err25);
                            }
                            errors++;
                        }
                    }
                    if (data13.fromEnv !== undefined) {
                        let data14 = data13.fromEnv;
                        if (typeof data14 === "string") {
                            if (!pattern4.test(data14)) {
                                const err26 = { instancePath: instancePath + "/credentials/password/fromEnv", schemaPath: "#/$defs/secretRef/oneOf/0/properties/fromEnv/pattern", keyword: "pattern", params: { pattern: "^[A-Za-z_][A-Za-z0-9_]*$" }, message: "must match pattern \"" + "^[A-Za-z_][A-Za-z0-9_]*$" + "\"", schema: "^[A-Za-z_][A-Za-z0-9_]*$", parentSchema: schema34.oneOf[0].properties.fromEnv, data: data14 };
                                if (vErrors === null) {
                                    vErrors = [err26];
                                }
                                else {
                                    vErrors.push(err26);
                                }
                                errors++;
                            }
                        }
                        else {
                            const err27 = { instancePath: instancePath + "/credentials/password/fromEnv", schemaPath: "#/$defs/secretRef/oneOf/0/properties/fromEnv/type", keyword: "type", params: { type: "string" }, message: "must be string", schema: schema34.oneOf[0].properties.fromEnv.type, parentSchema: schema34.oneOf[0].properties.fromEnv, data: data14 };
                            if (vErrors === null) {
                                vErrors = [err27];
                            }
                            else {
                                vErrors.push(err27);
                            }
                            errors++;
                        }
                    }
                }
                else {
                    const err28 = { instancePath: instancePath + "/credentials/password", schemaPath: "#/$defs/secretRef/oneOf/0/type", keyword: "type", params: { type: "object" }, message: "must be object", schema: schema34.oneOf[0].type, parentSchema: schema34.oneOf[0], data: data13 };
                    if (vErrors === null) {
                        vErrors = [err28];
                    }
                    else {
                        vErrors.push(err28);
                    }
                    errors++;
                }
                var _valid1 = _errs38 === errors;
                if (_valid1) {
                    valid14 = true;
                    passing0 = 0;
                    var props0 = true;
                }
                const _errs43 = errors;
                if (data13 && typeof data13 == "object" && !Array.isArray(data13)) {
                    if (data13.fromFile === undefined) {
                        const err29 = { instancePath: instancePath + "/credentials/password", schemaPath: "#/$defs/secretRef/oneOf/1/required", keyword: "required", params: { missingProperty: "fromFile" }, message: "must have required property '" + "fromFile" + "'", schema: schema34.oneOf[1].required, parentSchema: schema34.oneOf[1], data: data13 };
                        if (vErrors === null) {
                            vErrors = [err29];
                        }
                        else {
                            vErrors.push(err29);
                        }
                        errors++;
                    }
                    for (const key4 in data13) {
                        if (!(key4 === "fromFile")) {
                            const err30 = { instancePath: instancePath + "/credentials/password", schemaPath: "#/$defs/secretRef/oneOf/1/additionalProperties", keyword: "additionalProperties", params: { additionalProperty: key4 }, message: "must NOT have additional properties", schema: false, parentSchema: schema34.oneOf[1], data: data13 };
                            if (vErrors === null) {
                                vErrors = [err30];
                            }
                            else {
                                vErrors.push(err30);
                            }
                            errors++;
                        }
                    }
                    if (data13.fromFile !== undefined) {
                        let data15 = data13.fromFile;
                        if (typeof data15 === "string") {
                            if (func1(data15) < 1) {
                                const err31 = { instancePath: instancePath + "/credentials/password/fromFile", schemaPath: "#/$defs/secretRef/oneOf/1/properties/fromFile/minLength", keyword: "minLength", params: { limit: 1 }, message: "must NOT have fewer than 1 characters", schema: 1, parentSchema: schema34.oneOf[1].properties.fromFile, data: data15 };
                                if (vErrors === null) {
                                    vErrors = [err31];
                                }
                                else {
                                    vErrors.push(err31);
                                }
                                errors++;
                            }
                        }
                        else {
                            const err32 = { instancePath: instancePath + "/credentials/password/fromFile", schemaPath: "#/$defs/secretRef/oneOf/1/properties/fromFile/type", keyword: "type", params: { type: "string" }, message: "must be string", schema: schema34.oneOf[1].properties.fromFile.type, parentSchema: schema34.oneOf[1].properties.fromFile, data: data15 };
                            if (vErrors === null) {
                                vErrors = [err32];
                            }
                            else {
                                vErrors.push(err32);
                            }
                            errors++;
                        }
                    }
                }
                else {
                    const err33 = { instancePath: instancePath + "/credentials/password", schemaPath: "#/$defs/secretRef/oneOf/1/type", keyword: "type", params: { type: "object" }, message: "must be object", schema: schema34.oneOf[1].type, parentSchema: schema34.oneOf[1], data: data13 };
                    if (vErrors === null) {
                        vErrors = [err33];
                    }
                    else {
                        vErrors.push(err33);
                    }
                    errors++;
                }
                var _valid1 = _errs43 === errors;
                if (_valid1 && valid14) {
                    valid14 = false;
                    passing0 = [passing0, 1];
                }
                else {
                    if (_valid1) {
                        valid14 = true;
                        passing0 = 1;
                        if (props0 !== true) {
                            props0 = true;
                        }
                    }
                }
                if (!valid14) {
                    const err34 = { instancePath: instancePath + "/credentials/password", schemaPath: "#/$defs/secretRef/oneOf", keyword: "oneOf", params: { passingSchemas: passing0 }, message: "must match exactly one schema in oneOf", schema: schema34.oneOf, parentSchema: schema34, data: data13 };
                    if (vErrors === null) {
                        vErrors = [err34];
                    }
                    else {
                        vErrors.push(err34);
                    }
                    errors++;
                }
                else {
                    errors = _errs37;
                    if (vErrors !== null) {
                        if (_errs37) {
                            vErrors.length = _errs37;
                        }
                        else {
                            vErrors = null;
                        }
                    }
                }
                var _valid0 = _errs34 === errors;
                valid12 = valid12 || _valid0;
                const _errs48 = errors;
                if (typeof data13 !== "string") {
                    const err35 = { instancePath: instancePath + "/credentials/password", schemaPath: "#/properties/credentials/properties/password/anyOf/1/type", keyword: "type", params: { type: "string" }, message: "must be string", schema: schema54.properties.credentials.properties.password.anyOf[1].type, parentSchema: schema54.properties.credentials.properties.password.anyOf[1], data: data13 };
                    if (vErrors === null) {
                        vErrors = [err35];
                    }
                    else {
                        vErrors.push(err35);
                    }
                    errors++;
                }
                var _valid0 = _errs48 === errors;
                valid12 = valid12 || _valid0;
                if (!valid12) {
                    const err36 = { instancePath: instancePath + "/credentials/password", schemaPath: "#/properties/credentials/properties/password/anyOf", keyword: "anyOf", params: {}, message: "must match a schema in anyOf", schema: schema54.properties.credentials.properties.password.anyOf, parentSchema: schema54.properties.credentials.properties.password, data: data13 };
                    if (vErrors === null) {
                        vErrors = [err36];
                    }
                    else {
                        vErrors.push(err36);
                    }
                    errors++;
                }
                else {
                    errors = _errs33;
                    if (vErrors !== null) {
                        if (_errs33) {
                            vErrors.length = _errs33;
                        }
                        else {
                            vErrors = null;
                        }
                    }
                }
            }
            if (data12.rotateEvery !== undefined) {
                let data16 = data12.rotateEvery;
                if (typeof data16 === "string") {
                    if (!pattern11.test(data16)) {
                        const err37 = { instancePath: instancePath + "/credentials/rotateEvery", schemaPath: "#/$defs/duration/pattern", keyword: "pattern", params: { pattern: "^[0-9]{1,9}[smhd]$" }, message: "must match pattern \"" + "^[0-9]{1,9}[smhd]$" + "\"", schema: "^[0-9]{1,9}[smhd]$", parentSchema: schema42, data: data16 };
                        if (vErrors === null) {
                            vErrors = [err37];
                        }
                        else {
                            vErrors.push(err37);
                        }
                        errors++;
                    }
                }
                else {
                    const err38 = { instancePath: instancePath + "/credentials/rotateEvery", schemaPath: "#/$defs/duration/type", keyword: "type", params: { type: "string" }, message: "must be string", schema: schema42.type, parentSchema: schema42, data: data16 };
                    if (vErrors === null) {
                        vErrors = [err38];
                    }
                    else {
                        vErrors.push(err38);
                    }
                    errors++;
                }
            }
        }
        else {
            const err39 = { instancePath: instancePath + "/credentials", schemaPath: "#/properties/credentials/type", keyword: "type", params: { type: "object" }, message: "must be object", schema: schema54.properties.credentials.type, parentSchema: schema54.properties.credentials, data: data12 };
            if (vErrors === null) {
                vErrors = [err39];
            }
            else {
                vErrors.push(err39);
            }
            errors++;
        }
    }
}
else {
    const err40 = { instancePath, schemaPath: "#/type", keyword: "type", params: { type: "object" }, message: "must be object", schema: schema54.type, parentSchema: schema54, data };
    if (vErrors === null) {
        vErrors = [err40];
    }
    else {
        vErrors.push(err40);
    }
    errors++;
} validate36.errors = vErrors; return errors === 0; }
validate36.evaluated = { "props": true, "dynamicProps": false, "dynamicItems": false };
function validate31(data, { instancePath = "", parentData, parentDataProperty, rootData = data, dynamicAnchors = {} } = {}) { let vErrors = null; let errors = 0; const evaluated0 = validate31.evaluated; if (evaluated0.dynamicProps) {
    evaluated0.props = undefined;
} if (evaluated0.dynamicItems) {
    evaluated0.items = undefined;
} if (data && typeof data == "object" && !Array.isArray(data)) {
    if (data.name === undefined) {
        const err0 = { instancePath, schemaPath: "#/required", keyword: "required", params: { missingProperty: "name" }, message: "must have required property '" + "name" + "'", schema: schema45.required, parentSchema: schema45, data };
        if (vErrors === null) {
            vErrors = [err0];
        }
        else {
            vErrors.push(err0);
        }
        errors++;
    }
    if (data.engine === undefined) {
        const err1 = { instancePath, schemaPath: "#/required", keyword: "required", params: { missingProperty: "engine" }, message: "must have required property '" + "engine" + "'", schema: schema45.required, parentSchema: schema45, data };
        if (vErrors === null) {
            vErrors = [err1];
        }
        else {
            vErrors.push(err1);
        }
        errors++;
    }
    for (const key0 in data) {
        if (!(((((key0 === "name") || (key0 === "engine")) || (key0 === "sensitive")) || (key0 === "endpoints")) || (key0 === "integrations"))) {
            const err2 = { instancePath, schemaPath: "#/additionalProperties", keyword: "additionalProperties", params: { additionalProperty: key0 }, message: "must NOT have additional properties", schema: false, parentSchema: schema45, data };
            if (vErrors === null) {
                vErrors = [err2];
            }
            else {
                vErrors.push(err2);
            }
            errors++;
        }
    }
    if (data.name !== undefined) {
        let data0 = data.name;
        if (typeof data0 === "string") {
            if (!pattern14.test(data0)) {
                const err3 = { instancePath: instancePath + "/name", schemaPath: "#/$defs/name/pattern", keyword: "pattern", params: { pattern: "^[a-z_][a-z0-9_-]{0,62}$" }, message: "must match pattern \"" + "^[a-z_][a-z0-9_-]{0,62}$" + "\"", schema: "^[a-z_][a-z0-9_-]{0,62}$", parentSchema: schema46, data: data0 };
                if (vErrors === null) {
                    vErrors = [err3];
                }
                else {
                    vErrors.push(err3);
                }
                errors++;
            }
        }
        else {
            const err4 = { instancePath: instancePath + "/name", schemaPath: "#/$defs/name/type", keyword: "type", params: { type: "string" }, message: "must be string", schema: schema46.type, parentSchema: schema46, data: data0 };
            if (vErrors === null) {
                vErrors = [err4];
            }
            else {
                vErrors.push(err4);
            }
            errors++;
        }
    }
    if (data.engine !== undefined) {
        let data1 = data.engine;
        if (!(((data1 === "postgresql") || (data1 === "mysql")) || (data1 === "mariadb"))) {
            const err5 = { instancePath: instancePath + "/engine", schemaPath: "#/properties/engine/enum", keyword: "enum", params: { allowedValues: schema45.properties.engine.enum }, message: "must be equal to one of the allowed values", schema: schema45.properties.engine.enum, parentSchema: schema45.properties.engine, data: data1 };
            if (vErrors === null) {
                vErrors = [err5];
            }
            else {
                vErrors.push(err5);
            }
            errors++;
        }
    }
    if (data.sensitive !== undefined) {
        let data2 = data.sensitive;
        if (Array.isArray(data2)) {
            const len0 = data2.length;
            for (let i0 = 0; i0 < len0; i0++) {
                let data3 = data2[i0];
                if (typeof data3 === "string") {
                    if (!pattern15.test(data3)) {
                        const err6 = { instancePath: instancePath + "/sensitive/" + i0, schemaPath: "#/$defs/tableRef/pattern", keyword: "pattern", params: { pattern: "^[a-z_][a-z0-9_]{0,62}\\.([a-z_][a-z0-9_]{0,62}|\\*)$" }, message: "must match pattern \"" + "^[a-z_][a-z0-9_]{0,62}\\.([a-z_][a-z0-9_]{0,62}|\\*)$" + "\"", schema: "^[a-z_][a-z0-9_]{0,62}\\.([a-z_][a-z0-9_]{0,62}|\\*)$", parentSchema: schema47, data: data3 };
                        if (vErrors === null) {
                            vErrors = [err6];
                        }
                        else {
                            vErrors.push(err6);
                        }
                        errors++;
                    }
                }
                else {
                    const err7 = { instancePath: instancePath + "/sensitive/" + i0, schemaPath: "#/$defs/tableRef/type", keyword: "type", params: { type: "string" }, message: "must be string", schema: schema47.type, parentSchema: schema47, data: data3 };
                    if (vErrors === null) {
                        vErrors = [err7];
                    }
                    else {
                        vErrors.push(err7);
                    }
                    errors++;
                }
            }
        }
        else {
            const err8 = { instancePath: instancePath + "/sensitive", schemaPath: "#/properties/sensitive/type", keyword: "type", params: { type: "array" }, message: "must be array", schema: schema45.properties.sensitive.type, parentSchema: schema45.properties.sensitive, data: data2 };
            if (vErrors === null) {
                vErrors = [err8];
            }
            else {
                vErrors.push(err8);
            }
            errors++;
        }
    }
    if (data.endpoints !== undefined) {
        let data4 = data.endpoints;
        if (Array.isArray(data4)) {
            const len1 = data4.length;
            for (let i1 = 0; i1 < len1; i1++) {
                if (!(validate32(data4[i1], { instancePath: instancePath + "/endpoints/" + i1, parentData: data4, parentDataProperty: i1, rootData, dynamicAnchors }))) {
                    vErrors = vErrors === null ? validate32.errors : vErrors.concat(validate32.errors);
                    errors = vErrors.length;
                }
            }
        }
        else {
            const err9 = { instancePath: instancePath + "/endpoints", schemaPath: "#/properties/endpoints/type", keyword: "type", params: { type: "array" }, message: "must be array", schema: schema45.properties.endpoints.type, parentSchema: schema45.properties.endpoints, data: data4 };
            if (vErrors === null) {
                vErrors = [err9];
            }
            else {
                vErrors.push(err9);
            }
            errors++;
        }
    }
    if (data.integrations !== undefined) {
        let data6 = data.integrations;
        if (Array.isArray(data6)) {
            const len2 = data6.length;
            for (let i2 = 0; i2 < len2; i2++) {
                if (!(validate36(data6[i2], { instancePath: instancePath + "/integrations/" + i2, parentData: data6, parentDataProperty: i2, rootData, dynamicAnchors }))) {
                    vErrors = vErrors === null ? validate36.errors : vErrors.concat(validate36.errors);
                    errors = vErrors.length;
                }
            }
        }
        else {
            const err10 = { instancePath: instancePath + "/integrations", schemaPath: "#/properties/integrations/type", keyword: "type", params: { type: "array" }, message: "must be array", schema: schema45.properties.integrations.type, parentSchema: schema45.properties.integrations, data: data6 };
            if (vErrors === null) {
                vErrors = [err10];
            }
            else {
                vErrors.push(err10);
            }
            errors++;
        }
    }
}
else {
    const err11 = { instancePath, schemaPath: "#/type", keyword: "type", params: { type: "object" }, message: "must be object", schema: schema45.type, parentSchema: schema45, data };
    if (vErrors === null) {
        vErrors = [err11];
    }
    else {
        vErrors.push(err11);
    }
    errors++;
} validate31.errors = vErrors; return errors === 0; }
validate31.evaluated = { "props": true, "dynamicProps": false, "dynamicItems": false };
function validate20(data, { instancePath = "", parentData, parentDataProperty, rootData = data, dynamicAnchors = {} } = {}) { /*# sourceURL="https://github.com/dbfence/dbfence/raw/main/schemas/endpoints.v1.json" */ ; let vErrors = null; let errors = 0; const evaluated0 = validate20.evaluated; if (evaluated0.dynamicProps) {
    evaluated0.props = undefined;
} if (evaluated0.dynamicItems) {
    evaluated0.items = undefined;
} if (data && typeof data == "object" && !Array.isArray(data)) {
    if (data.version === undefined) {
        const err0 = { instancePath, schemaPath: "#/required", keyword: "required", params: { missingProperty: "version" }, message: "must have required property '" + "version" + "'", schema: schema31.required, parentSchema: schema31, data };
        if (vErrors === null) {
            vErrors = [err0];
        }
        else {
            vErrors.push(err0);
        }
        errors++;
    }
    if (data.provider === undefined) {
        const err1 = { instancePath, schemaPath: "#/required", keyword: "required", params: { missingProperty: "provider" }, message: "must have required property '" + "provider" + "'", schema: schema31.required, parentSchema: schema31, data };
        if (vErrors === null) {
            vErrors = [err1];
        }
        else {
            vErrors.push(err1);
        }
        errors++;
    }
    if (data.databases === undefined) {
        const err2 = { instancePath, schemaPath: "#/required", keyword: "required", params: { missingProperty: "databases" }, message: "must have required property '" + "databases" + "'", schema: schema31.required, parentSchema: schema31, data };
        if (vErrors === null) {
            vErrors = [err2];
        }
        else {
            vErrors.push(err2);
        }
        errors++;
    }
    for (const key0 in data) {
        if (!((((key0 === "version") || (key0 === "provider")) || (key0 === "defaults")) || (key0 === "databases"))) {
            const err3 = { instancePath, schemaPath: "#/additionalProperties", keyword: "additionalProperties", params: { additionalProperty: key0 }, message: "must NOT have additional properties", schema: false, parentSchema: schema31, data };
            if (vErrors === null) {
                vErrors = [err3];
            }
            else {
                vErrors.push(err3);
            }
            errors++;
        }
    }
    if (data.version !== undefined) {
        let data0 = data.version;
        if (1 !== data0) {
            const err4 = { instancePath: instancePath + "/version", schemaPath: "#/properties/version/const", keyword: "const", params: { allowedValue: 1 }, message: "must be equal to constant", schema: 1, parentSchema: schema31.properties.version, data: data0 };
            if (vErrors === null) {
                vErrors = [err4];
            }
            else {
                vErrors.push(err4);
            }
            errors++;
        }
    }
    if (data.provider !== undefined) {
        if (!(validate21(data.provider, { instancePath: instancePath + "/provider", parentData: data, parentDataProperty: "provider", rootData, dynamicAnchors }))) {
            vErrors = vErrors === null ? validate21.errors : vErrors.concat(validate21.errors);
            errors = vErrors.length;
        }
    }
    if (data.defaults !== undefined) {
        if (!(validate29(data.defaults, { instancePath: instancePath + "/defaults", parentData: data, parentDataProperty: "defaults", rootData, dynamicAnchors }))) {
            vErrors = vErrors === null ? validate29.errors : vErrors.concat(validate29.errors);
            errors = vErrors.length;
        }
    }
    if (data.databases !== undefined) {
        let data3 = data.databases;
        if (Array.isArray(data3)) {
            const len0 = data3.length;
            for (let i0 = 0; i0 < len0; i0++) {
                if (!(validate31(data3[i0], { instancePath: instancePath + "/databases/" + i0, parentData: data3, parentDataProperty: i0, rootData, dynamicAnchors }))) {
                    vErrors = vErrors === null ? validate31.errors : vErrors.concat(validate31.errors);
                    errors = vErrors.length;
                }
            }
        }
        else {
            const err5 = { instancePath: instancePath + "/databases", schemaPath: "#/properties/databases/type", keyword: "type", params: { type: "array" }, message: "must be array", schema: schema31.properties.databases.type, parentSchema: schema31.properties.databases, data: data3 };
            if (vErrors === null) {
                vErrors = [err5];
            }
            else {
                vErrors.push(err5);
            }
            errors++;
        }
    }
}
else {
    const err6 = { instancePath, schemaPath: "#/type", keyword: "type", params: { type: "object" }, message: "must be object", schema: schema31.type, parentSchema: schema31, data };
    if (vErrors === null) {
        vErrors = [err6];
    }
    else {
        vErrors.push(err6);
    }
    errors++;
} validate20.errors = vErrors; return errors === 0; }
validate20.evaluated = { "props": true, "dynamicProps": false, "dynamicItems": false };

// EXTERNAL MODULE: ./lib/lint/suggest.js
var suggest = __webpack_require__(6707);
;// CONCATENATED MODULE: ./lib/lint/schema-check.js



/** Validates the document against `schemas/endpoints.v1.json`; each problem as a report at its node. */
function checkSchema(data) {
    if (validate(data))
        return [];
    const errors = validate.errors ?? [];
    const reports = [];
    const seen = new Set();
    // A failed oneOf/anyOf explains itself better as one message than as each branch's complaints.
    const alternatives = errors.filter((e) => e.keyword === 'oneOf' || e.keyword === 'anyOf');
    for (const error of errors) {
        if (error.keyword === 'if')
            continue;
        if (error.keyword !== 'oneOf' && error.keyword !== 'anyOf') {
            // Inside a failed oneOf/anyOf, that one message says it all (e.g. a secret reference of the wrong shape).
            const covered = alternatives.some((alt) => error.instancePath === alt.instancePath || error.instancePath.startsWith(`${alt.instancePath}/`));
            if (covered)
                continue;
        }
        const report = toReport(error, data);
        const key = `${report.path.join('\u0000')}\u0001${report.message}`;
        if (seen.has(key))
            continue;
        seen.add(key);
        reports.push(report);
    }
    return dropShadowed(reports);
}
/** A missing-property report on an object that is itself reported for its type adds nothing. */
function dropShadowed(reports) {
    return reports.filter((report) => !reports.some((other) => other !== report && other.path.length < report.path.length
        && (0,model_path/* pathStartsWith */.rw)(report.path, other.path) && /^must be (an? )?(object|array|string)/.test(other.message)));
}
/** Values under these keys may be secrets written in the wrong place: never echo them. */
const SECRET_BEARING = /pass|token|secret|key|url|from(env|file)|credential/i;
function toReport(error, data) {
    const path = (0,model_path/* pathFromPointer */.XC)(error.instancePath, data);
    const hidden = path.some((segment) => typeof segment === 'string' && SECRET_BEARING.test(segment));
    const parent = (error.parentSchema ?? {});
    const what = parent.title ? ` (${parent.title})` : '';
    switch (error.keyword) {
        case 'required': {
            const missing = error.params.missingProperty;
            return { path, message: `missing required property "${missing}"` };
        }
        case 'additionalProperties': {
            const extra = error.params.additionalProperty;
            const known = Object.keys(parent.properties ?? {});
            const suggestion = (0,suggest/* closest */.k)(extra, known);
            const hint = suggestion ? `; did you mean "${suggestion}"?` : known.length > 0 ? `; allowed here: ${known.join(', ')}` : '';
            return { path: [...path, extra], at: 'key', message: `unknown property "${extra}"${hint}` };
        }
        case 'enum': {
            const allowed = error.params.allowedValues;
            const suggestion = typeof error.data === 'string' && !hidden ? (0,suggest/* closest */.k)(error.data, allowed.map(String)) : undefined;
            return {
                path,
                message: `${hidden ? 'the value' : JSON.stringify(error.data)} is not one of ${allowed.map((v) => JSON.stringify(v)).join(', ')}${suggestion ? `; did you mean ${JSON.stringify(suggestion)}?` : ''}`,
            };
        }
        case 'const':
            return { path, message: `must be ${JSON.stringify(error.params.allowedValue)}` };
        case 'pattern':
            return { path, message: `${hidden ? 'the value' : JSON.stringify(error.data)} is not a valid value${what}${parent.description ? `: ${parent.description}` : ''}` };
        case 'type':
            return { path, message: `must be ${article(error.params.type)}, not ${describe(error.data, hidden)}` };
        case 'oneOf':
        case 'anyOf':
            return { path, message: `must be ${parent.title ? `a ${parent.title.toLowerCase()}` : 'one of the allowed forms'}${parent.description ? `: ${parent.description}` : ''}` };
        case 'uniqueItems':
            return { path, message: 'must not list the same value twice' };
        default:
            return { path, message: error.message ?? 'does not match the schema' };
    }
}
function article(type) {
    return /^[aeiou]/.test(type) ? `an ${type}` : `a ${type}`;
}
function describe(value, hidden) {
    if (value === null)
        return 'null';
    if (Array.isArray(value))
        return 'a list';
    if (typeof value === 'object')
        return 'a mapping';
    return hidden ? `a ${typeof value}` : `${typeof value} ${JSON.stringify(value)}`;
}

// EXTERNAL MODULE: ./lib/lint/secrets.js
var secrets = __webpack_require__(1236);
// EXTERNAL MODULE: ./lib/lint/waivers.js
var lint_waivers = __webpack_require__(6400);
;// CONCATENATED MODULE: ./lib/lint/engine.js









function buildRuleSet(settings, custom = [], waivers = 'allowed') {
    const rules = [];
    for (const rule of lint_rules/* BUILTIN_RULES */.Yb) {
        const setting = settings.get(rule.meta.id);
        const severity = setting?.severity ?? 'off';
        if (severity === 'off')
            continue;
        rules.push({ rule, severity, options: { ...rule.defaultOptions, ...setting?.options } });
    }
    const enabledCustom = custom.flatMap((rule) => {
        const severity = settings.get(rule.id)?.severity ?? rule.severity;
        return severity === 'off' ? [] : [{ ...rule, severity }];
    });
    const planSeverity = new Map(lint_rules/* PLAN_RULES */.cK.map((meta) => [meta.id, settings.get(meta.id)?.severity ?? 'off']));
    const knownIds = new Set([
        ...lint_rules/* BUILTIN_RULES */.Yb.map((rule) => rule.meta.id), ...lint_rules/* PLAN_RULES */.cK.map((meta) => meta.id), ...custom.map((rule) => rule.id),
    ]);
    return { rules, custom: enabledCustom, planSeverity, knownIds, waivers };
}
const UNWAIVABLE = new Set([...lint_rules/* CORE_CHECKS */.u7.map((check) => check.id), 'destructive-change']);
/** Lints one parsed file: syntax, schema, CIDR forms, rules, custom policies, then waivers. */
function lintDocument(parsed, ruleSet, options = {}) {
    const { source, data, locations } = parsed;
    const toFinding = (ruleId, severity, message, range, path) => {
        const start = source.position(range.start);
        const end = source.position(Math.max(range.end, range.start));
        return {
            ruleId, severity, message, file: source.name, path: (0,model_path/* formatPath */.jV)(path),
            line: start.line, column: start.column, endLine: end.line, endColumn: end.column,
        };
    };
    const syntax = parsed.problems.map((problem) => toFinding('syntax', 'error', problem.message, { start: problem.start, end: problem.end }, []));
    if (parsed.problems.length > 0 || data === undefined) {
        return { source, findings: syntax, redactions: [], config: undefined, locations, waivers: [], waived: 0 };
    }
    if (data === null && source.text.trim().replace(/^#.*$/gm, '').trim() === '') {
        const empty = toFinding('syntax', 'error', 'the file is empty: it needs at least version, provider and databases', { start: 0, end: 0 }, []);
        return { source, findings: [empty], redactions: [], config: undefined, locations, waivers: [], waived: 0 };
    }
    const pending = [];
    const add = (ruleId, severity) => (report) => pending.push({ ...report, ruleId, severity });
    const schemaReports = checkSchema(data);
    schemaReports.forEach(add('schema', 'error'));
    const valid = schemaReports.length === 0;
    const config = data;
    let index;
    if (valid) {
        index = new config_index/* ConfigIndex */.F(config);
        for (const entry of [...index.allowEntries, ...index.sources]) {
            if (entry.network)
                continue;
            const reading = (0,cidr/* parseCidrLenient */.dC)(entry.text);
            add('schema', 'error')({
                path: entry.path,
                message: `${JSON.stringify(entry.text)} is not a CIDR in standard form (four decimal octets without leading zeros, or an IPv6 address, then /prefix)${reading ? `; other tools would read it as ${reading.canonical}` : ''}`,
            });
        }
    }
    for (const { rule, severity, options: ruleOptions } of ruleSet.rules) {
        if (!valid && !rule.robust)
            continue;
        rule.check({
            config,
            valid,
            get index() {
                return (index ??= new config_index/* ConfigIndex */.F(config));
            },
            options: ruleOptions,
            report: add(rule.meta.id, severity),
        });
    }
    if (index)
        for (const rule of ruleSet.custom)
            runCustomRule(rule, index).forEach(add(rule.id, rule.severity));
    const redactions = (0,secrets/* findInlineSecrets */.o)(data).map(({ path }) => locations.locate(data, path));
    const waivers = (0,lint_waivers/* readWaivers */.Sr)(source, data, locations, {
        today: options.today ?? new Date().toISOString().slice(0, 10),
        knownRuleIds: ruleSet.knownIds,
        unwaivable: UNWAIVABLE,
        forbidden: ruleSet.waivers === 'forbidden',
    });
    const { kept, waived } = (0,lint_waivers/* applyWaivers */.Kw)(waivers, pending);
    const findings = [
        ...syntax,
        ...kept.map((report) => toFinding(report.ruleId, report.severity, report.message, locations.locate(data, report.path, report.at), report.path)),
        ...(0,lint_waivers/* waiverReports */.QB)(waivers).map((report) => toFinding(report.ruleId, report.severity, report.message, report.range, report.path)),
    ];
    findings.sort(finding/* compareFindings */.E);
    return { source, findings, redactions, config: valid ? config : undefined, locations, waivers, waived };
}

// EXTERNAL MODULE: ./lib/generated/assets.js
var assets = __webpack_require__(5292);
;// CONCATENATED MODULE: ./lib/lint/policies/load.js




/** The built-in pack, policies/recommended.yaml (compiled into the package by scripts/generate.mjs). */
function loadBuiltinPack() {
    return assets/* BUILTIN_PACK */.C6;
}
/**
 * Reads a team's policies/ folder: packs (severities and options) and custom
 * rules. Any file that does not hold a valid policy stops the run (exit 2),
 * naming the file and the reason: a policy silently skipped is a hole.
 */
async function loadPolicyDirectory(dir, builtinRules) {
    const files = listPolicyFiles(dir);
    if (files.length === 0)
        return { packs: [], rules: [] };
    const { compilePolicyFiles } = await Promise.all(/* import() */[__webpack_require__.e(210), __webpack_require__.e(81)]).then(__webpack_require__.bind(__webpack_require__, 8081));
    const policySchema = JSON.parse(assets/* POLICY_SCHEMA_TEXT */.lr);
    const texts = files.map((file) => ({ file: shownName(file), text: readText(file) }));
    return compilePolicyFiles(texts, builtinRules, policySchema);
}
function listPolicyFiles(dir) {
    let names;
    try {
        if (!(0,external_node_fs_.statSync)(dir).isDirectory())
            throw new errors/* ToolError */.v(`policies: ${dir} is not a folder`);
        names = (0,external_node_fs_.readdirSync)(dir);
    }
    catch (error) {
        if (error instanceof errors/* ToolError */.v)
            throw error;
        const code = error.code;
        if (code === 'ENOENT')
            throw new errors/* ToolError */.v(`policies: the folder ${dir} does not exist`);
        throw new errors/* ToolError */.v(`policies: cannot read the folder ${dir}: ${code ?? String(error)}`);
    }
    return names.filter((name) => /\.(ya?ml|json)$/.test(name)).sort().map((name) => (0,external_node_path_.join)(dir, name));
}
function readText(file) {
    try {
        return (0,external_node_fs_.readFileSync)(file, 'utf8');
    }
    catch (error) {
        throw new errors/* ToolError */.v(`${file}: cannot read the policy file: ${error.code ?? String(error)}`);
    }
}
/** A policy file's name in messages: relative to the working directory when inside it, as findings name files. */
function shownName(file) {
    const rel = (0,external_node_path_.relative)(process.cwd(), file);
    return rel !== '' && !rel.startsWith('..') ? rel : file;
}

;// CONCATENATED MODULE: ./lib/lint/policies/pack.js
/** Folds packs in order (later wins) into one setting per rule id; options merge key by key. */
function mergePacks(packs) {
    const settings = new Map();
    for (const pack of packs) {
        for (const [id, entry] of Object.entries(pack.rules)) {
            const previous = settings.get(id);
            const { severity, options } = typeof entry === 'string' ? { severity: entry, options: undefined } : entry;
            settings.set(id, {
                severity: severity ?? previous?.severity ?? 'off',
                options: { ...previous?.options, ...options },
            });
        }
    }
    return settings;
}
/**
 * Whether in-file waivers count. One pack forbidding them is enough, whatever
 * the others say: the switch exists so that whoever owns the policies can take
 * the decision away from whoever edits the linted file.
 */
function waiverPolicy(packs) {
    return packs.some((pack) => pack.waivers === 'forbidden') ? 'forbidden' : 'allowed';
}

;// CONCATENATED MODULE: ./lib/lint/run.js










/** The policies folder a run uses: the one given, or `policies/` beside the config file. */
function resolvePoliciesDir(files, explicit) {
    if (explicit !== undefined)
        return explicit;
    const beside = (0,external_node_path_.join)((0,external_node_path_.dirname)(files[0] ?? '.'), 'policies');
    return (0,external_node_fs_.existsSync)(beside) ? beside : undefined;
}
async function loadRuleSet(policiesDir) {
    const team = policiesDir ? await loadPolicyDirectory(policiesDir, lint_rules/* BUILTIN_RULES */.Yb) : { packs: [], rules: [] };
    const settings = mergePacks([loadBuiltinPack(), ...team.packs]);
    return { ruleSet: buildRuleSet(settings, team.rules, waiverPolicy(team.packs)), customRules: team.rules };
}
/** Lints files with the built-in pack and the team's policies. */
async function runLint(paths, options = {}) {
    const policiesDir = resolvePoliciesDir(paths, options.policiesDir);
    const { ruleSet, customRules } = await loadRuleSet(policiesDir);
    const files = paths.map((path) => lintFile(path, ruleSet, options));
    return { files, ruleSet, customRules, policiesDir };
}
function lintFile(path, ruleSet, options = {}) {
    const name = displayName(path);
    const read = readSourceText(path, options.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES);
    if (!read.ok) {
        const source = new SourceFile(name, read.text);
        const { line, column } = source.position(read.offset);
        return {
            source, redactions: [], config: undefined, waived: 0, waivers: [], locations: new LocationIndex({ start: 0, end: 0 }),
            findings: [{ ruleId: 'syntax', severity: 'error', message: read.message, file: name, path: '', line, column, endLine: line, endColumn: column }],
        };
    }
    const lintOptions = options.today ? { today: options.today } : {};
    return lintDocument(parseYaml(name, read.text), ruleSet, lintOptions);
}
/** The name findings carry: relative to the working directory when inside it, with forward slashes. */
function displayName(path) {
    const rel = (0,external_node_path_.relative)(process.cwd(), path);
    const name = rel !== '' && !rel.startsWith('..') ? rel : path;
    return name.split(external_node_path_.sep).join('/');
}


/***/ }),

/***/ 1236:
/***/ ((__unused_webpack___webpack_module__, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   o: () => (/* binding */ findInlineSecrets)
/* harmony export */ });
/**
 * Finds secret values written into the file. Used by `no-inline-secrets` and,
 * whatever the rule's setting, to mask those values wherever output quotes the
 * source, so a secret never reaches a log.
 */
const SECRET_KEY = /^(password|passwd|pwd|pass|secret|client_?secret|token|api_?key|apikey|access_?key|secret_?key|private_?key|auth_?token)$/i;
const VALUE_SHAPES = [
    [/-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----/, 'a private key'],
    [/^[a-z][a-z0-9+.-]*:\/\/[^/\s:@]+:[^/\s@]+@/i, 'a URL with a password'],
    [/\bgh[pousr]_[A-Za-z0-9]{30,}\b|\bgithub_pat_[A-Za-z0-9_]{30,}\b/, 'a GitHub token'],
    [/\b(AKIA|ASIA)[0-9A-Z]{16}\b/, 'an AWS access key'],
    [/\bxox[abprs]-[A-Za-z0-9-]{10,}\b/, 'a Slack token'],
    [/\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\b/, 'a JSON Web Token'],
    [/\b(sk|rk)_live_[A-Za-z0-9]{16,}\b/, 'an API secret key'],
];
/** Something every shape above contains: one test rules out nearly every string of a large file. */
const ANY_SHAPE = /-----BEGIN|:\/\/|gh[pousr]_|github_pat_|AKIA|ASIA|xox[abprs]-|eyJ|_live_/i;
const cache = new WeakMap();
/** The secrets of a parsed document (computed once per document: the rule and the masking share it). */
function findInlineSecrets(data) {
    if (data === null || typeof data !== 'object')
        return [];
    let found = cache.get(data);
    if (!found) {
        found = [];
        collect(data, [], found);
        cache.set(data, found);
    }
    return found;
}
function collect(value, path, found) {
    if (typeof value === 'number' || typeof value === 'bigint') {
        // YAML reads `password: 123456789` as a number: still a password written in the file.
        const key = path[path.length - 1];
        if (typeof key === 'string' && SECRET_KEY.test(key))
            found.push({ path: [...path], kind: `a ${key} value` });
        return;
    }
    if (typeof value === 'string') {
        const key = path[path.length - 1];
        if (typeof key === 'string' && value !== '' && SECRET_KEY.test(key)) {
            found.push({ path: [...path], kind: `a ${key} value` });
        }
        else if (ANY_SHAPE.test(value)) {
            const shape = VALUE_SHAPES.find(([pattern]) => pattern.test(value));
            if (shape)
                found.push({ path: [...path], kind: shape[1] });
        }
        return;
    }
    if (value === null || typeof value !== 'object')
        return;
    // One path array, extended and restored, instead of a new array per node.
    if (Array.isArray(value)) {
        for (let i = 0; i < value.length; i++) {
            path.push(i);
            collect(value[i], path, found);
            path.pop();
        }
    }
    else {
        for (const key of Object.keys(value)) {
            path.push(key);
            collect(value[key], path, found);
            path.pop();
        }
    }
}


/***/ }),

/***/ 6707:
/***/ ((__unused_webpack___webpack_module__, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   k: () => (/* binding */ closest)
/* harmony export */ });
/** The candidate closest to `word` by edit distance, if close enough to be a likely typo. */
function closest(word, candidates) {
    let best;
    let bestDistance = Math.max(2, Math.floor(word.length / 3)) + 1;
    for (const candidate of candidates) {
        const distance = editDistance(word.toLowerCase(), candidate.toLowerCase());
        if (distance < bestDistance) {
            best = candidate;
            bestDistance = distance;
        }
    }
    return best;
}
/** Levenshtein distance with adjacent transpositions counted as one edit. */
function editDistance(a, b) {
    const rows = Array.from({ length: a.length + 1 }, (_, i) => [i, ...new Array(b.length).fill(0)]);
    for (let j = 1; j <= b.length; j++)
        rows[0][j] = j;
    for (let i = 1; i <= a.length; i++) {
        for (let j = 1; j <= b.length; j++) {
            const cost = a[i - 1] === b[j - 1] ? 0 : 1;
            let value = Math.min(rows[i - 1][j] + 1, rows[i][j - 1] + 1, rows[i - 1][j - 1] + cost);
            if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
                value = Math.min(value, rows[i - 2][j - 2] + 1);
            rows[i][j] = value;
        }
    }
    return rows[a.length][b.length];
}


/***/ }),

/***/ 6400:
/***/ ((__unused_webpack___webpack_module__, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   Kw: () => (/* binding */ applyWaivers),
/* harmony export */   QB: () => (/* binding */ waiverReports),
/* harmony export */   Sr: () => (/* binding */ readWaivers)
/* harmony export */ });
/* harmony import */ var _model_path_js__WEBPACK_IMPORTED_MODULE_2__ = __webpack_require__(3070);
/* harmony import */ var _rules_index_js__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(8975);
/* harmony import */ var _suggest_js__WEBPACK_IMPORTED_MODULE_1__ = __webpack_require__(6707);



const MARKER = 'dbfence-ignore';
const WAIVER_COMMENT = /^#[ \t]*dbfence-ignore\b(.*)$/;
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const EXPECTED = 'expected: # dbfence-ignore RULE-ID[,RULE-ID] [until=YYYY-MM-DD] reason="why"';
/** Their findings come from `dbfence plan`: lint cannot tell whether a waiver of one is used. */
const PLAN_IDS = new Set(_rules_index_js__WEBPACK_IMPORTED_MODULE_0__/* .PLAN_RULES */ .cK.map((meta) => meta.id));
/** Reads every waiver comment of a file and finds the node each one covers. */
function readWaivers(source, data, locations, options) {
    if (!source.text.includes(MARKER))
        return [];
    const { nodeStarts, scalars } = mapNodes(source, data, locations);
    const lineStarts = source.lineCounter.lineStarts;
    const waivers = [];
    for (let line = 1; line <= lineStarts.length; line++) {
        const text = source.lineText(line);
        if (!text.includes(MARKER))
            continue;
        const lineStart = lineStarts[line - 1];
        const hash = commentStart(text, lineStart, scalars);
        if (hash === undefined)
            continue;
        const match = WAIVER_COMMENT.exec(text.slice(hash));
        // The marker in a scalar, or further along a comment that says something else, is text.
        if (!match)
            continue;
        const waiver = parseWaiver(match[1], lineStart + hash, lineStart + text.length, options);
        const ownLine = text.slice(0, hash).trim() === '';
        waiver.target = ownLine ? nodeAfter(source, line, nodeStarts) : nodeStarts.get(line);
        if (!ownLine) {
            waiver.problem = `a waiver must stand on its own line, just above the node it waives, not after it; ${EXPECTED}`;
        }
        else if (!waiver.problem && !waiver.target) {
            waiver.problem = 'no node follows this waiver: put it on the line just above the node it waives';
        }
        if (options.forbidden) {
            waiver.problem = 'in-file waivers are forbidden by your policies (a pack sets waivers: forbidden): fix the finding, or change the policy';
        }
        waivers.push(waiver);
    }
    return waivers;
}
/**
 * The outermost node starting on each line, and the source ranges of every
 * scalar key and value: a `#` inside those is text, not a comment, even on a
 * line of its own inside a block scalar.
 */
function mapNodes(source, data, locations) {
    const nodeStarts = new Map();
    const scalars = [];
    for (const { path, range } of locations.walk(data)) {
        const line = source.position(Math.min(range.keyStart, range.valueStart)).line;
        if (!nodeStarts.has(line))
            nodeStarts.set(line, path);
        if (range.keyStart !== range.valueStart)
            scalars.push([range.keyStart, range.keyEnd]);
        const value = valueAt(data, path);
        if (value === null || typeof value !== 'object')
            scalars.push([range.valueStart, range.valueEnd]);
    }
    return { nodeStarts, scalars };
}
function valueAt(data, path) {
    let node = data;
    for (const segment of path)
        node = node[segment];
    return node;
}
/** Where the line's YAML comment starts (index in the line), if it has one. */
function commentStart(text, lineStart, scalars) {
    for (let i = text.indexOf('#'); i !== -1; i = text.indexOf('#', i + 1)) {
        if (i > 0 && text[i - 1] !== ' ' && text[i - 1] !== '\t')
            continue;
        const offset = lineStart + i;
        if (scalars.some(([from, to]) => from <= offset && offset < to))
            continue;
        return i;
    }
    return undefined;
}
/** The outermost node that starts on the next line holding something other than comments or blanks. */
function nodeAfter(source, line, nodeStarts) {
    for (let next = line + 1; next <= source.lineCount; next++) {
        const text = source.lineText(next).trim();
        if (text === '' || text.startsWith('#'))
            continue;
        return nodeStarts.get(next);
    }
    return undefined;
}
function parseWaiver(body, start, end, options) {
    const waiver = { ruleIds: [], until: undefined, reason: undefined, start, end, target: undefined, problem: undefined, matched: new Set() };
    const tokens = /\s*(?:until=(\S*)|reason="((?:[^"\\]|\\.)*)"|reason=(\S+)|(\S+))/gy;
    let match;
    const stray = [];
    while ((match = tokens.exec(body)) !== null && match[0] !== '') {
        if (match[1] !== undefined)
            waiver.until = match[1];
        else if (match[2] !== undefined || match[3] !== undefined)
            waiver.reason = (match[2] ?? match[3]).replace(/\\(.)/g, '$1').trim();
        else if (waiver.ruleIds.length === 0 && waiver.until === undefined && waiver.reason === undefined) {
            waiver.ruleIds = match[4].split(',').filter(Boolean);
        }
        else
            stray.push(match[4]);
    }
    const unknown = waiver.ruleIds.filter((id) => !options.knownRuleIds.has(id) && !options.unwaivable.has(id));
    if (waiver.ruleIds.length === 0)
        waiver.problem = `the waiver names no rule; ${EXPECTED}`;
    else if (stray.length > 0)
        waiver.problem = `the waiver has unexpected words (${stray.join(' ')}); ${EXPECTED}`;
    else if (waiver.ruleIds.some((id) => options.unwaivable.has(id))) {
        const refused = waiver.ruleIds.filter((id) => options.unwaivable.has(id));
        // Destructive changes are acknowledged where the change is made, not in the file that asks for it.
        const advice = refused.includes('destructive-change') ? 'acknowledge destructive changes with --allow-destructive (allow-destructive in the Action)' : 'fix the file instead';
        waiver.problem = `${refused.join(', ')} cannot be waived: ${advice}`;
    }
    else if (unknown.length > 0) {
        const guesses = unknown.map((id) => (0,_suggest_js__WEBPACK_IMPORTED_MODULE_1__/* .closest */ .k)(id, [...options.knownRuleIds])).filter(Boolean);
        waiver.problem = `the waiver names an unknown rule: ${unknown.join(', ')}${guesses.length > 0 ? ` (did you mean ${guesses.join(', ')}?)` : ''}`;
    }
    else if (!waiver.reason)
        waiver.problem = 'the waiver gives no reason: add reason="…" saying why the finding is acceptable';
    else if (waiver.until !== undefined) {
        if (!isDate(waiver.until))
            waiver.problem = `until=${waiver.until} is not a date written YYYY-MM-DD`;
        else if (waiver.until < options.today)
            waiver.problem = `the waiver expired on ${waiver.until}`;
    }
    return waiver;
}
function isDate(text) {
    const match = DATE.exec(text);
    if (!match)
        return false;
    const date = new Date(Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3])));
    return date.toISOString().slice(0, 10) === text;
}
/**
 * Drops the reports a valid waiver covers (its node or anything inside it,
 * for a rule it names), and records on every waiver, valid or not, which of
 * its rules it met.
 */
function applyWaivers(waivers, reports) {
    const kept = [];
    let waived = 0;
    for (const report of reports) {
        const covering = waivers.filter((waiver) => waiver.target !== undefined && waiver.ruleIds.includes(report.ruleId) && (0,_model_path_js__WEBPACK_IMPORTED_MODULE_2__/* .pathStartsWith */ .rw)(report.path, waiver.target));
        for (const waiver of covering)
            waiver.matched.add(report.ruleId);
        if (covering.some((waiver) => !waiver.problem))
            waived++;
        else
            kept.push(report);
    }
    return { kept, waived };
}
/** Findings about the waivers themselves, once `applyWaivers` has run: broken waivers, and lint rule ids that waived nothing. */
function waiverReports(waivers) {
    const reports = [];
    for (const waiver of waivers) {
        const range = { start: waiver.start, end: waiver.end };
        const path = waiver.target ?? [];
        if (waiver.problem) {
            const again = waiver.matched.size > 0 ? ' (the finding it meant to waive is reported)' : '';
            reports.push({ ruleId: 'waiver', severity: 'error', message: `${waiver.problem}${again}`, range, path });
            continue;
        }
        const unused = waiver.ruleIds.filter((id) => !waiver.matched.has(id) && !PLAN_IDS.has(id));
        if (unused.length === 0)
            continue;
        const advice = unused.length === waiver.ruleIds.length ? 'remove the waiver' : `remove ${unused.length === 1 ? 'that id' : 'those ids'} from it`;
        reports.push({ ruleId: 'unused-waiver', severity: 'warning', message: `this waiver of ${unused.join(', ')} waives no finding: ${advice}`, range, path });
    }
    return reports;
}


/***/ }),

/***/ 5149:
/***/ ((__unused_webpack___webpack_module__, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   E: () => (/* binding */ parseDuration)
/* harmony export */ });
const UNIT_SECONDS = { s: 1, m: 60, h: 3600, d: 86400 };
/** Seconds in a duration such as `5m` or `90d`; undefined when it is not one. */
function parseDuration(text) {
    if (text === undefined)
        return undefined;
    const match = /^([0-9]{1,9})([smhd])$/.exec(text);
    if (!match)
        return undefined;
    return Number(match[1]) * UNIT_SECONDS[match[2]];
}


/***/ }),

/***/ 3070:
/***/ ((__unused_webpack___webpack_module__, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   XC: () => (/* binding */ pathFromPointer),
/* harmony export */   jV: () => (/* binding */ formatPath),
/* harmony export */   rw: () => (/* binding */ pathStartsWith)
/* harmony export */ });
const IDENTIFIER = /^[A-Za-z_$][\w$-]*$/;
/** Formats a path the way the spec's JSON output does: `databases[0].endpoints[1].allow[2].cidr`. */
function formatPath(path) {
    let out = '';
    for (const segment of path) {
        if (typeof segment === 'number')
            out += `[${segment}]`;
        else if (IDENTIFIER.test(segment))
            out += out === '' ? segment : `.${segment}`;
        else
            out += `[${JSON.stringify(segment)}]`;
    }
    return out;
}
/** Reads an RFC 6901 JSON Pointer (as ajv reports `instancePath`) into a path, indexes as numbers. */
function pathFromPointer(pointer, data) {
    if (pointer === '')
        return [];
    const path = [];
    let node = data;
    for (const raw of pointer.slice(1).split('/')) {
        const segment = raw.replace(/~1/g, '/').replace(/~0/g, '~');
        const key = Array.isArray(node) && /^\d+$/.test(segment) ? Number(segment) : segment;
        path.push(key);
        node = node !== null && typeof node === 'object' ? node[key] : undefined;
    }
    return path;
}
/** True when `inner` is `outer` or lies inside it. */
function pathStartsWith(inner, outer) {
    if (outer.length > inner.length)
        return false;
    return outer.every((segment, i) => inner[i] === segment);
}


/***/ }),

/***/ 6094:
/***/ ((__unused_webpack___webpack_module__, __webpack_exports__, __webpack_require__) => {


// EXPORTS
__webpack_require__.d(__webpack_exports__, {
  T: () => (/* binding */ AddressSpace)
});

// EXTERNAL MODULE: ./lib/net/cidr.js
var cidr = __webpack_require__(249);
;// CONCATENATED MODULE: ./lib/net/interval-set.js
/**
 * A set of integers held as sorted, disjoint, non-adjacent closed intervals:
 * the union of many address ranges, so that coverage is decided on the union
 * and not entry by entry (split ranges such as two /1s cannot slip through).
 */
class IntervalSet {
    bits;
    intervals = [];
    sorted = true;
    /** `bits` is the width of the space: 32 for IPv4, 128 for IPv6 (smaller in tests). */
    constructor(bits) {
        this.bits = bits;
    }
    get max() {
        return (1n << BigInt(this.bits)) - 1n;
    }
    add(first, last) {
        this.intervals.push([first, last]);
        this.sorted = false;
        return this;
    }
    /** The merged intervals in ascending order. */
    ranges() {
        if (!this.sorted) {
            this.intervals.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
            const merged = [];
            for (const [first, last] of this.intervals) {
                const top = merged[merged.length - 1];
                if (top && first <= top[1] + 1n) {
                    if (last > top[1])
                        top[1] = last;
                }
                else {
                    merged.push([first, last]);
                }
            }
            this.intervals.splice(0, this.intervals.length, ...merged);
            this.sorted = true;
        }
        return this.intervals;
    }
    isEmpty() {
        return this.intervals.length === 0;
    }
    /** True when every integer from `first` to `last` is in the set. */
    covers(first, last) {
        const ranges = this.ranges();
        let low = 0;
        let high = ranges.length - 1;
        while (low <= high) {
            const mid = (low + high) >> 1;
            const [start, end] = ranges[mid];
            if (first < start)
                high = mid - 1;
            else if (first > end)
                low = mid + 1;
            else
                return last <= end;
        }
        return false;
    }
    /** True when the set holds the whole space. */
    coversAll() {
        return this.covers(0n, this.max);
    }
    /** True when some integer from `first` to `last` is in the set. */
    intersects(first, last) {
        return this.ranges().some(([start, end]) => start <= last && first <= end);
    }
    /** How many integers the set holds. */
    size() {
        return this.ranges().reduce((total, [start, end]) => total + (end - start + 1n), 0n);
    }
}

;// CONCATENATED MODULE: ./lib/net/address-space.js


const IPV4_MAPPED_BASE = 0xffffn << 32n;
/**
 * The union of networks of both families. IPv4 and the IPv4-mapped IPv6 block
 * (`::ffff:0:0/96`) are the same addresses, so each counts against the other:
 * `::ffff:0:0/96` opens the whole IPv4 internet.
 */
class AddressSpace {
    ipv4 = new IntervalSet(cidr/* FAMILY_BITS */.EG.ipv4);
    ipv6 = new IntervalSet(cidr/* FAMILY_BITS */.EG.ipv6);
    add(network) {
        if (network.family === 'ipv4') {
            this.ipv4.add(network.first, network.last);
            this.ipv6.add(IPV4_MAPPED_BASE + network.first, IPV4_MAPPED_BASE + network.last);
        }
        else {
            this.ipv6.add(network.first, network.last);
            const mapped = (0,cidr/* mappedIpv4Range */.q$)(network);
            if (mapped)
                this.ipv4.add(mapped.first, mapped.last);
        }
        return this;
    }
    /** The families whose whole address space the union covers. */
    worldFamilies() {
        return ['ipv4', 'ipv6'].filter((family) => this[family].coversAll());
    }
    /** True when every address of `network` is in the union. */
    contains(network) {
        return this[network.family].covers(network.first, network.last);
    }
    isEmpty() {
        return this.ipv4.isEmpty() && this.ipv6.isEmpty();
    }
}


/***/ }),

/***/ 249:
/***/ ((__unused_webpack___webpack_module__, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   EG: () => (/* binding */ FAMILY_BITS),
/* harmony export */   GN: () => (/* binding */ parseCidr),
/* harmony export */   dC: () => (/* binding */ parseCidrLenient),
/* harmony export */   eJ: () => (/* binding */ addressCount),
/* harmony export */   q$: () => (/* binding */ mappedIpv4Range)
/* harmony export */ });
/* unused harmony exports toBigInt, fromBigInt */
/* harmony import */ var ipaddr_js__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(8280);

const FAMILY_BITS = { ipv4: 32, ipv6: 128 };
const DECIMAL = /^(0|[1-9][0-9]*)$/;
/**
 * Parses a CIDR or bare address strictly: IPv4 only as four decimal octets
 * without leading zeros (no `0/0`, `010.0.0.1`, `0x0`), IPv6 without zone
 * index, prefix as a plain decimal. Anything looser could mean different
 * networks to different tools, so it is refused rather than normalised.
 */
function parseCidr(text) {
    const slash = text.indexOf('/');
    const addressText = slash === -1 ? text : text.slice(0, slash);
    const prefixText = slash === -1 ? undefined : text.slice(slash + 1);
    let address;
    if (addressText.includes(':')) {
        if (addressText.includes('%'))
            return { ok: false, reason: 'an IPv6 zone index (%…) has no meaning in an allowlist' };
        const embedded = addressText.slice(addressText.lastIndexOf(':') + 1);
        if (embedded.includes('.') && !ipaddr_js__WEBPACK_IMPORTED_MODULE_0__.IPv4.isValidFourPartDecimal(embedded)) {
            return { ok: false, reason: 'the embedded IPv4 address must be four decimal octets' };
        }
        // ipaddr.js reads `::a.b.c.d` as IPv4-mapped (::ffff:a.b.c.d), RFC 4291 and
        // most other tools as the deprecated IPv4-compatible ::a.b.c.d.
        if (embedded.includes('.') && addressText === `::${embedded}`) {
            return { ok: false, reason: 'tools disagree on what ::a.b.c.d means: write ::ffff:a.b.c.d for an IPv4-mapped address' };
        }
        if (!ipaddr_js__WEBPACK_IMPORTED_MODULE_0__.IPv6.isValid(addressText))
            return { ok: false, reason: 'not a valid IPv6 address' };
        address = ipaddr_js__WEBPACK_IMPORTED_MODULE_0__.IPv6.parse(addressText);
    }
    else {
        if (!ipaddr_js__WEBPACK_IMPORTED_MODULE_0__.IPv4.isValidFourPartDecimal(addressText)) {
            return { ok: false, reason: 'not an IPv4 address in four decimal octets without leading zeros' };
        }
        address = ipaddr_js__WEBPACK_IMPORTED_MODULE_0__.IPv4.parse(addressText);
    }
    const family = address.kind();
    const bits = FAMILY_BITS[family];
    let prefix = bits;
    if (prefixText !== undefined) {
        if (!DECIMAL.test(prefixText) || Number(prefixText) > bits) {
            return { ok: false, reason: `the prefix length must be a whole number from 0 to ${bits}` };
        }
        prefix = Number(prefixText);
    }
    const value = toBigInt(address);
    const hostMask = (1n << BigInt(bits - prefix)) - 1n;
    const first = value & ~hostMask;
    const last = first | hostMask;
    return {
        ok: true,
        network: {
            family, prefix, first, last,
            hostBitsSet: first !== value,
            canonical: `${fromBigInt(family, first)}/${prefix}`,
        },
    };
}
function toBigInt(address) {
    let value = 0n;
    for (const byte of address.toByteArray())
        value = (value << 8n) | BigInt(byte);
    return value;
}
function fromBigInt(family, value) {
    const length = FAMILY_BITS[family] / 8;
    const bytes = new Array(length);
    for (let i = length - 1; i >= 0; i--) {
        bytes[i] = Number(value & 0xffn);
        value >>= 8n;
    }
    return ipaddr_js__WEBPACK_IMPORTED_MODULE_0__.fromByteArray(bytes).toString();
}
/** How many addresses a network admits. */
function addressCount(network) {
    return 1n << BigInt(FAMILY_BITS[network.family] - network.prefix);
}
/** The IPv4-mapped block `::ffff:0:0/96`: reaching it over IPv6 reaches the IPv4 address it maps. */
const IPV4_MAPPED_FIRST = 0xffffn << 32n;
const IPV4_MAPPED_LAST = IPV4_MAPPED_FIRST | 0xffffffffn;
/**
 * The IPv4 addresses an IPv6 network reaches through the IPv4-mapped block,
 * as an IPv4 range, or undefined when it does not touch that block.
 */
function mappedIpv4Range(network) {
    if (network.family !== 'ipv6')
        return undefined;
    const first = network.first > IPV4_MAPPED_FIRST ? network.first : IPV4_MAPPED_FIRST;
    const last = network.last < IPV4_MAPPED_LAST ? network.last : IPV4_MAPPED_LAST;
    if (first > last)
        return undefined;
    return { first: first - IPV4_MAPPED_FIRST, last: last - IPV4_MAPPED_FIRST };
}
/**
 * Reads a CIDR as lenient parsers do (ipaddr.js legacy forms: `0/0`, `0x0/0`,
 * octal octets). Used only to learn what a refused spelling would open if some
 * other tool accepted it, so that `0/0` still counts as the whole internet.
 */
function parseCidrLenient(text) {
    const strict = parseCidr(text);
    if (strict.ok)
        return strict.network;
    try {
        const trimmed = text.trim();
        const [address, prefix] = trimmed.includes('/')
            ? ipaddr_js__WEBPACK_IMPORTED_MODULE_0__.parseCIDR(trimmed)
            : (() => {
                const parsed = ipaddr_js__WEBPACK_IMPORTED_MODULE_0__.parse(trimmed);
                return [parsed, FAMILY_BITS[parsed.kind()]];
            })();
        const family = address.kind();
        const bits = FAMILY_BITS[family];
        const hostMask = (1n << BigInt(bits - prefix)) - 1n;
        const value = toBigInt(address);
        const first = value & ~hostMask;
        return {
            family, prefix, first, last: first | hostMask, hostBitsSet: first !== value,
            canonical: `${fromBigInt(family, first)}/${prefix}`,
        };
    }
    catch {
        return undefined;
    }
}


/***/ }),

/***/ 7575:
/***/ ((__unused_webpack___webpack_module__, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   e: () => (/* binding */ nonRoutableNames)
/* harmony export */ });
/* unused harmony export specialRanges */
/* harmony import */ var ipaddr_js__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(8280);
/* harmony import */ var _cidr_js__WEBPACK_IMPORTED_MODULE_1__ = __webpack_require__(249);


/** ipaddr.js range names that mean "not reachable from the internet", with the words we show. */
const IPADDR_NAMES = {
    unspecified: 'unspecified',
    broadcast: 'broadcast',
    multicast: 'multicast',
    linkLocal: 'link-local',
    loopback: 'loopback',
    carrierGradeNat: 'shared address space (CGNAT)',
    private: 'private (RFC 1918)',
    uniqueLocal: 'unique local (private)',
    deprecatedSiteLocal: 'site-local',
    discard: 'discard-only',
    reserved: 'reserved',
};
/** Named more precisely than ipaddr.js's "reserved", and listed first so their name wins. */
const EXTRA_RANGES = [
    ['documentation', ['192.0.2.0/24', '198.51.100.0/24', '203.0.113.0/24', '2001:db8::/32', '3fff::/20']],
    ['benchmarking', ['198.18.0.0/15', '2001:2::/48']],
];
function fromTable(table) {
    const out = [];
    for (const [key, name] of Object.entries(IPADDR_NAMES)) {
        const entry = table[key];
        if (!entry)
            continue;
        const list = (Array.isArray(entry[0]) ? entry : [entry]);
        for (const [address, prefix] of list)
            out.push(toRange(name, `${address.toString()}/${prefix}`));
    }
    return out;
}
function toRange(name, cidr) {
    const parsed = (0,_cidr_js__WEBPACK_IMPORTED_MODULE_1__/* .parseCidr */ .GN)(cidr);
    if (!parsed.ok)
        throw new Error(`bad built-in range ${cidr}`);
    const { family, first, last } = parsed.network;
    return { name, family, first, last };
}
let cached;
/** Every non-routable range, the most specific names first. */
function specialRanges() {
    cached ??= [
        ...EXTRA_RANGES.flatMap(([name, cidrs]) => cidrs.map((cidr) => toRange(name, cidr))),
        ...fromTable(ipaddr_js__WEBPACK_IMPORTED_MODULE_0__.IPv4.prototype.SpecialRanges),
        ...fromTable(ipaddr_js__WEBPACK_IMPORTED_MODULE_0__.IPv6.prototype.SpecialRanges),
    ];
    return cached;
}
/**
 * The names of the non-routable ranges a network reaches, IPv4-mapped IPv6
 * included. A network that lies wholly inside one range gets that range's
 * name alone (the most specific, as the table lists those first).
 */
function nonRoutableNames(network) {
    const mapped = (0,_cidr_js__WEBPACK_IMPORTED_MODULE_1__/* .mappedIpv4Range */ .q$)(network);
    const names = new Set();
    for (const range of specialRanges()) {
        const span = range.family === network.family ? network : range.family === 'ipv4' ? mapped : undefined;
        if (!span || range.first > span.last || span.first > range.last)
            continue;
        if (range.first <= span.first && span.last <= range.last)
            return [range.name];
        names.add(range.name);
    }
    return [...names];
}


/***/ }),

/***/ 8224:
/***/ ((__unused_webpack___webpack_module__, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   T: () => (/* binding */ packageVersion),
/* harmony export */   j: () => (/* binding */ TOOL_URL)
/* harmony export */ });
/* harmony import */ var _generated_assets_js__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(5292);

function packageVersion() {
    return _generated_assets_js__WEBPACK_IMPORTED_MODULE_0__/* .PACKAGE_VERSION */ .i8;
}
const TOOL_URL = 'https://github.com/dbfence/dbfence';


/***/ }),

/***/ 2859:
/***/ ((__unused_webpack___webpack_module__, __webpack_exports__, __webpack_require__) => {


// EXPORTS
__webpack_require__.d(__webpack_exports__, {
  g: () => (/* binding */ applyPlan),
  m: () => (/* binding */ withPlan)
});

// EXTERNAL MODULE: external "node:path"
var external_node_path_ = __webpack_require__(6760);
// EXTERNAL MODULE: ./lib/errors.js
var errors = __webpack_require__(452);
// EXTERNAL MODULE: ./lib/lint/finding.js
var finding = __webpack_require__(380);
// EXTERNAL MODULE: ./lib/lint/run.js + 10 modules
var run = __webpack_require__(7248);
;// CONCATENATED MODULE: ./lib/providers/index.js
/** Each provider is loaded only when a file uses it, so `lint` never pays for `pg` or HTTP clients. */
const FACTORIES = {
    postgres: async () => (await Promise.all(/* import() */[__webpack_require__.e(286), __webpack_require__.e(756)]).then(__webpack_require__.bind(__webpack_require__, 5756))).createPostgresProvider,
    aptible: async () => (await __webpack_require__.e(/* import() */ 804).then(__webpack_require__.bind(__webpack_require__, 3804))).createAptibleProvider,
    skysql: async () => (await __webpack_require__.e(/* import() */ 404).then(__webpack_require__.bind(__webpack_require__, 23))).createSkysqlProvider,
};
async function createProvider(config, context) {
    const factory = await FACTORIES[config.provider.kind]();
    return factory(config, context);
}

// EXTERNAL MODULE: external "node:fs"
var external_node_fs_ = __webpack_require__(3024);
;// CONCATENATED MODULE: ./lib/providers/secrets.js



/**
 * Resolves `{ fromEnv }` and `{ fromFile }` references. A missing or empty
 * secret is a ToolError that names the reference, never a value.
 */
function envSecretResolver(options = {}) {
    const env = options.env ?? process.env;
    return {
        resolve(ref, what) {
            let value;
            if ('fromEnv' in ref) {
                value = env[ref.fromEnv];
                if (value === undefined || value === '')
                    throw new errors/* ToolError */.v(`${what}: the environment variable ${ref.fromEnv} is not set`);
            }
            else {
                const path = (0,external_node_path_.isAbsolute)(ref.fromFile) ? ref.fromFile : (0,external_node_path_.join)(options.baseDir ?? process.cwd(), ref.fromFile);
                try {
                    value = (0,external_node_fs_.readFileSync)(path, 'utf8');
                }
                catch (error) {
                    throw new errors/* ToolError */.v(`${what}: cannot read ${ref.fromFile}: ${error.code ?? String(error)}`);
                }
                if (value.trim() === '')
                    throw new errors/* ToolError */.v(`${what}: ${ref.fromFile} is empty`);
                // A trailing newline from an editor or `echo` is not part of a password.
                value = value.replace(/\r?\n$/, '');
            }
            options.onSecret?.(value);
            return value;
        },
    };
}

// EXTERNAL MODULE: ./lib/model/path.js
var model_path = __webpack_require__(3070);
// EXTERNAL MODULE: ./lib/lint/waivers.js
var waivers = __webpack_require__(6400);
;// CONCATENATED MODULE: ./lib/plan/findings.js


/**
 * The plan-time rules of the spec, computed from a plan: `destructive-change`
 * (an error unless acknowledged), `certificate-expiry` and `drift`. Each is
 * placed where endpoints.yaml declares the resource, when it does, and the
 * file's waivers apply to the last two as they do to lint findings.
 */
function planFindings(plan, file, options) {
    const findings = [];
    const add = (ruleId, defaultSeverity, message, path, downgrade = false) => {
        const configured = options.severity.get(ruleId) ?? defaultSeverity;
        if (configured === 'off')
            return;
        if ((0,waivers/* applyWaivers */.Kw)(file.waivers, [{ ruleId, path: path ?? [] }]).kept.length === 0)
            return;
        const severity = downgrade ? 'warning' : configured;
        const range = file.locations.locate(file.config, path ?? []);
        const start = file.source.position(range.start);
        const end = file.source.position(range.end);
        findings.push({
            ruleId, severity, message, file: file.source.name, path: (0,model_path/* formatPath */.jV)(path ?? []),
            line: start.line, column: start.column, endLine: end.line, endColumn: end.column,
        });
    };
    for (const change of plan.changes) {
        if (!change.destructive && !change.disruptive)
            continue;
        const what = change.destructive ? 'destroys or recreates' : 'interrupts';
        if (options.allowDestructive) {
            add('destructive-change', 'warning', `${change.address}: ${change.reason} (this ${what} something users rely on; acknowledged by allow-destructive)`, change.path, true);
        }
        else {
            add('destructive-change', 'error', `${change.address}: ${change.reason}. This ${what} something users rely on; apply it only when acknowledged (--allow-destructive, or the Action's allow-destructive input)`, change.path);
        }
    }
    for (const notice of plan.notices)
        add(notice.ruleId, 'warning', notice.message, notice.path);
    for (const change of plan.drift)
        add('drift', 'warning', `${change.address} changed outside the file: ${change.reason}`, change.path);
    return findings;
}

;// CONCATENATED MODULE: ./lib/plan/run.js







/**
 * lint → read the live state → diff against the new file (changes) and
 * against the baseline (drift) → plan-time findings. The provider stays open
 * for `use` (apply), then is closed whatever happens.
 */
async function withPlan(options, use) {
    const lint = await (0,run/* runLint */.nU)([options.file], {
        policiesDir: options.policiesDir,
        ...(options.today ? { today: options.today } : {}),
    });
    const file = lint.files[0];
    const config = file.config;
    if ((0,finding/* summarize */.e)(file.findings).errors > 0 || !config) {
        return use({ lint, file, plan: undefined, findings: [], blocked: 'the file has lint errors; fix them before planning', driftSkipped: undefined }, undefined);
    }
    const { baseline, driftSkipped: baselineProblem } = readBaseline(options, lint, config);
    let driftSkipped = baselineProblem;
    const context = {
        secrets: envSecretResolver({
            baseDir: (0,external_node_path_.dirname)(options.file),
            ...(options.env ? { env: options.env } : {}),
            ...(options.onSecret ? { onSecret: options.onSecret } : {}),
        }),
        log: options.log ?? (() => { }),
        now: () => new Date(),
    };
    const provider = await createProvider(config, context);
    try {
        const live = await provider.inspect(baseline ? [config, baseline] : [config]);
        const changes = provider.diff(config, live);
        const drift = baseline ? driftAgainst(provider, baseline, live) : undefined;
        if (drift?.skipped)
            driftSkipped = drift.skipped;
        const plan = {
            provider: config.provider.kind,
            changes,
            drift: drift?.changes ?? [],
            driftChecked: drift?.changes !== undefined,
            notices: provider.notices(config, live),
        };
        const findings = planFindings(plan, file, { allowDestructive: options.allowDestructive, severity: lint.ruleSet.planSeverity });
        const unacknowledged = plan.changes.filter((change) => (change.destructive || change.disruptive) && !options.allowDestructive);
        const blocked = unacknowledged.length > 0
            ? `${unacknowledged.length} destructive or disruptive change${unacknowledged.length === 1 ? '' : 's'} not acknowledged (allow-destructive)`
            : undefined;
        return await use({ lint, file, plan, findings, blocked, driftSkipped }, provider);
    }
    finally {
        await provider.close();
    }
}
/**
 * The baseline may name what no longer exists at all (a service deleted by
 * hand): the provider cannot compare it, and the plan of the new file must
 * not fail for that, so drift is reported as not computed, with the reason.
 */
function driftAgainst(provider, baseline, live) {
    try {
        return { changes: provider.diff(baseline, live) };
    }
    catch (error) {
        if (!(error instanceof errors/* ToolError */.v))
            throw error;
        return { skipped: `the live state cannot be compared with the baseline: ${error.message}` };
    }
}
function readBaseline(options, lint, config) {
    if (options.baseline === undefined)
        return { baseline: undefined, driftSkipped: undefined };
    const base = (0,run/* lintFile */.Ac)(options.baseline, lint.ruleSet, options.today ? { today: options.today } : {});
    if (!base.config)
        return { baseline: undefined, driftSkipped: `the baseline ${base.source.name} does not pass the schema, so drift could not be computed` };
    if (base.config.provider.kind !== config.provider.kind) {
        return { baseline: undefined, driftSkipped: `the baseline uses provider ${base.config.provider.kind}, the file ${config.provider.kind}: drift is not comparable` };
    }
    return { baseline: base.config, driftSkipped: undefined };
}
/** Applies a plan run that is not blocked. */
async function applyPlan(run, provider, allowDestructive) {
    if (run.blocked || !provider || !run.file.config)
        throw new errors/* ToolError */.v(`apply refused: ${run.blocked ?? 'nothing to apply'}`);
    return provider.apply(run.file.config, { allowDestructive });
}


/***/ }),

/***/ 9515:
/***/ ((__unused_webpack___webpack_module__, __webpack_exports__, __webpack_require__) => {


// EXPORTS
__webpack_require__.d(__webpack_exports__, {
  XX: () => (/* binding */ render),
  BO: () => (/* binding */ reportInput),
  tP: () => (/* binding */ ruleDescriptors)
});

// UNUSED EXPORTS: FORMATS

// EXTERNAL MODULE: ./lib/lint/rules/index.js + 19 modules
var rules = __webpack_require__(8975);
// EXTERNAL MODULE: ./lib/package-info.js
var package_info = __webpack_require__(8224);
;// CONCATENATED MODULE: ./lib/report/github.js
/**
 * GitHub workflow commands (`::error file=…,line=…,col=…::message`): each
 * finding becomes an annotation on the pull request's diff.
 */
const github = ({ files }) => files.flatMap((file) => file.findings).map((finding) => `${annotation(finding)}\n`).join('');
function annotation(finding) {
    const command = finding.severity === 'error' ? 'error' : 'warning';
    // Columns may only be sent for a one-line range (as @actions/core documents); a
    // finding on a whole block is marked on its first line, where the block starts.
    const range = finding.endLine === finding.line ? [`endLine=${finding.endLine}`, `endColumn=${finding.endColumn}`] : [];
    const properties = [
        `file=${escapeProperty(finding.file)}`,
        `line=${finding.line}`,
        `col=${finding.column}`,
        ...range,
        `title=${escapeProperty(`dbfence ${finding.ruleId}`)}`,
    ];
    return `::${command} ${properties.join(',')}::${escapeData(finding.message)}`;
}
/** Escaping as @actions/core does for a command's message. */
function escapeData(text) {
    return text.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}
/** Escaping as @actions/core does for a command's properties. */
function escapeProperty(text) {
    return escapeData(text).replace(/:/g, '%3A').replace(/,/g, '%2C');
}

// EXTERNAL MODULE: ./lib/lint/finding.js
var finding = __webpack_require__(380);
;// CONCATENATED MODULE: ./lib/report/json.js

/** The spec's machine-readable output: `{ findings, summary }`. */
const json = ({ files }) => {
    const findings = files.flatMap((file) => file.findings);
    return `${JSON.stringify({ findings, summary: (0,finding/* summarize */.e)(findings) }, null, 2)}\n`;
};

// EXTERNAL MODULE: ./lib/report/markdown.js
var markdown = __webpack_require__(5402);
// EXTERNAL MODULE: external "node:crypto"
var external_node_crypto_ = __webpack_require__(7598);
// EXTERNAL MODULE: external "node:path"
var external_node_path_ = __webpack_require__(6760);
// EXTERNAL MODULE: external "node:url"
var external_node_url_ = __webpack_require__(3136);
;// CONCATENATED MODULE: ./lib/report/sarif.js



const LEVEL = { error: 'error', warning: 'warning' };
/** GitHub ranks alerts by `security-severity` (0–10): errors high, warnings medium. */
const SECURITY_SEVERITY = { error: '8.0', warning: '5.0' };
/**
 * SARIF 2.1.0 for GitHub code scanning: one run, every rule once with its help
 * link and default level, every result with a region and a fingerprint that
 * survives edits elsewhere in the file.
 */
function sarif(input) {
    const findings = input.files.flatMap((file) => file.findings);
    // Keyed by id: GitHub rejects a log whose rule table holds an id twice.
    const rules = new Map();
    for (const rule of input.rules)
        if (!rules.has(rule.id))
            rules.set(rule.id, rule);
    for (const finding of findings) {
        if (rules.has(finding.ruleId))
            continue;
        rules.set(finding.ruleId, { id: finding.ruleId, severity: finding.severity, description: finding.ruleId, rationale: finding.ruleId, docsUrl: undefined });
    }
    const ruleIndex = new Map([...rules.keys()].map((id, i) => [id, i]));
    const fingerprints = new Fingerprints();
    const log = {
        $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
        version: '2.1.0',
        runs: [{
                tool: {
                    driver: {
                        name: input.tool.name,
                        version: input.tool.version,
                        semanticVersion: input.tool.version,
                        informationUri: input.tool.informationUri,
                        rules: [...rules.values()].map(sarifRule),
                    },
                },
                originalUriBaseIds: { '%SRCROOT%': { description: { text: 'The repository root, where dbfence ran.' } } },
                results: findings.map((finding) => ({
                    ruleId: finding.ruleId,
                    ruleIndex: ruleIndex.get(finding.ruleId),
                    level: LEVEL[finding.severity],
                    message: { text: finding.message },
                    locations: [{
                            physicalLocation: {
                                artifactLocation: artifactLocation(finding.file),
                                region: region(finding),
                            },
                            ...(finding.path ? { logicalLocations: [{ fullyQualifiedName: finding.path, kind: 'member' }] } : {}),
                        }],
                    partialFingerprints: { 'dbfence/v1': fingerprints.of(finding) },
                })),
            }],
    };
    return `${JSON.stringify(log, null, 2)}\n`;
}
function sarifRule(rule) {
    // A custom rule's `docs` may be any text; SARIF wants an absolute URI in helpUri.
    const helpUri = rule.docsUrl && /^https?:\/\//.test(rule.docsUrl) && URL.canParse(rule.docsUrl) ? rule.docsUrl : undefined;
    const docs = rule.docsUrl ? `\n\nSee ${rule.docsUrl}` : '';
    // No `name`: the ids are already readable, and a name equal to the id is flagged by the SARIF validator.
    return {
        id: rule.id,
        shortDescription: { text: rule.description },
        fullDescription: { text: rule.rationale },
        ...(helpUri ? { helpUri } : {}),
        // GitHub shows help, not helpUri, so the link is repeated there.
        help: { text: `${rule.rationale}${docs}`, markdown: `${rule.rationale}${helpUri ? `\n\n[Documentation](${helpUri})` : docs}` },
        defaultConfiguration: { level: LEVEL[rule.severity] },
        properties: { tags: ['security', 'dbfence'], 'security-severity': SECURITY_SEVERITY[rule.severity], precision: 'very-high' },
    };
}
/**
 * A path inside the working directory is relative to %SRCROOT%, as GitHub
 * expects; one outside it (given as an absolute path) is a file: URI.
 */
function artifactLocation(file) {
    if ((0,external_node_path_.isAbsolute)(file))
        return { uri: (0,external_node_url_.pathToFileURL)(file).href };
    return { uri: file.split('/').map(encodeURIComponent).join('/'), uriBaseId: '%SRCROOT%' };
}
/** 1-based, never empty: GitHub refuses a result without a region or on line 0. */
function region(finding) {
    const startLine = Math.max(1, finding.line);
    const startColumn = Math.max(1, finding.column);
    const endLine = Math.max(startLine, finding.endLine);
    const endColumn = endLine === startLine ? Math.max(finding.endColumn, startColumn + 1) : Math.max(1, finding.endColumn);
    return { startLine, startColumn, endLine, endColumn };
}
/**
 * Keyed on the rule, file, document path and message, not the line: an alert
 * keeps its identity when lines above it move. Findings that would share a key
 * are told apart by their order, as GitHub's own line hashes are.
 */
class Fingerprints {
    seen = new Map();
    of(finding) {
        const hash = (0,external_node_crypto_.createHash)('sha256').update(`${finding.ruleId}\u0000${finding.file}\u0000${finding.path}\u0000${finding.message}`).digest('hex').slice(0, 32);
        const occurrence = (this.seen.get(hash) ?? 0) + 1;
        this.seen.set(hash, occurrence);
        return `${hash}:${occurrence}`;
    }
}

// EXTERNAL MODULE: ./node_modules/yaml/dist/index.js
var dist = __webpack_require__(8815);
// EXTERNAL MODULE: ./lib/lint/secrets.js
var secrets = __webpack_require__(1236);
;// CONCATENATED MODULE: ./lib/report/redact.js


/** An optional `key:` (bare or quoted) after indentation and list dashes, then the value. */
const KEY_VALUE = /^\s*(?:-\s+)*(?:("[^"]*"|'[^']*'|[^\s"'#][^:#]*?)\s*:(?=\s|$)\s*)?(.*)$/;
/** A long run of base64 with upper case, lower case and digits: the body of a key or certificate. */
const KEY_MATERIAL = /[A-Za-z0-9+/=]{32,}/g;
/**
 * Masks what looks like a secret in one source line. The precise redactions
 * come from the parsed document; this is the backstop for what they cannot
 * cover, above all files the parser rejected, whose code frames would
 * otherwise quote a password on the very line the syntax error is about.
 */
function maskSecretsInLine(line) {
    const [, rawKey, value = ''] = KEY_VALUE.exec(line) ?? [];
    let out = line;
    if (value.trim() !== '') {
        const data = rawKey === undefined ? [readValue(value)] : { [unquote(rawKey)]: readValue(value) };
        if ((0,secrets/* findInlineSecrets */.o)(data).length > 0)
            out = line.slice(0, line.length - value.length) + stars(value);
    }
    return out.replace(KEY_MATERIAL, (run) => (/[A-Z]/.test(run) && /[a-z]/.test(run) && /\d/.test(run) ? stars(run) : run));
}
/** The value as YAML reads it when the fragment parses on its own (a flow mapping, a quoted string), else as text. */
function readValue(text) {
    try {
        return (0,dist/* parse */.qg)(text, { logLevel: 'silent' });
    }
    catch {
        return text.trim();
    }
}
function unquote(key) {
    return /^(["']).*\1$/.test(key) ? key.slice(1, -1) : key;
}
function stars(text) {
    return '*'.repeat(text.length);
}

;// CONCATENATED MODULE: ./lib/report/input.js

/**
 * A source line with every secret in it replaced by asterisks: the ranges the
 * parsed document marked, and anything that looks like a secret on the line.
 */
function redactedLine(file, line) {
    const text = file.source.lineText(line);
    const lineStart = file.source.lineCounter.lineStarts[line - 1] ?? 0;
    let out = text;
    for (const { start, end } of file.redactions) {
        const from = Math.max(start - lineStart, 0);
        const to = Math.min(end - lineStart, text.length);
        if (from >= to)
            continue;
        out = out.slice(0, from) + '*'.repeat(to - from) + out.slice(to);
    }
    return maskSecretsInLine(out);
}

;// CONCATENATED MODULE: ./lib/report/stylish.js


const codes = { red: 31, yellow: 33, gray: 90, bold: 1, underline: 4, green: 32 };
/** How much of a source line a code frame quotes, and how much of it comes before the finding. */
const FRAME_WIDTH = 160;
const FRAME_LEAD = 40;
/** ESLint-style output grouped by file, with the offending line quoted and underlined. */
function stylish(input, { color }) {
    const paint = (style, text) => (color ? `\u001b[${codes[style]}m${text}\u001b[0m` : text);
    const out = [];
    for (const file of input.files) {
        if (file.findings.length === 0)
            continue;
        out.push(paint('underline', printable(file.source.name)));
        for (const finding of file.findings) {
            const where = paint('gray', `${finding.line}:${finding.column}`);
            const severity = finding.severity === 'error' ? paint('red', 'error  ') : paint('yellow', 'warning');
            out.push(`  ${where}  ${severity}  ${printable(finding.message)}  ${paint('gray', finding.ruleId)}`);
            out.push(...codeFrame(file, finding.line, finding.column, finding.endLine === finding.line ? finding.endColumn : undefined)
                .map((line) => paint('gray', line)));
        }
        out.push('');
    }
    const findings = input.files.flatMap((file) => file.findings);
    const { errors, warnings } = (0,finding/* summarize */.e)(findings);
    if (findings.length === 0) {
        out.push(paint('green', `✔ no problems in ${input.files.length} file${input.files.length === 1 ? '' : 's'}`));
    }
    else {
        const total = `✖ ${findings.length} problem${findings.length === 1 ? '' : 's'} (${errors} error${errors === 1 ? '' : 's'}, ${warnings} warning${warnings === 1 ? '' : 's'})`;
        out.push(paint(errors > 0 ? 'red' : 'yellow', paint('bold', total)));
    }
    return `${out.join('\n')}\n`;
}
/**
 * The finding's line, with a caret run under the offending text. A long line
 * is cut to a window around the finding, so the carets stay on screen.
 */
function codeFrame(file, line, column, endColumn) {
    const text = printable(redactedLine(file, line));
    if (text.trim() === '')
        return [];
    const start = column - 1 > FRAME_WIDTH - FRAME_LEAD ? column - 1 - FRAME_LEAD : 0;
    const end = start + FRAME_WIDTH;
    const shown = `${start > 0 ? '…' : ''}${text.slice(start, end)}${text.length > end ? '…' : ''}`;
    const caretAt = column - 1 - start + (start > 0 ? 1 : 0);
    const width = Math.min(Math.max(1, (endColumn ?? column + 1) - column), Math.max(1, shown.length - caretAt));
    const gutter = String(line).length;
    return [
        `    ${line} | ${shown}`,
        `    ${' '.repeat(gutter)} | ${' '.repeat(caretAt)}${'^'.repeat(width)}`,
    ];
}
/**
 * One character for one: a tab becomes a space so the carets line up, and a
 * control character becomes U+FFFD so the file cannot drive the terminal.
 */
function printable(text) {
    return text.replace(/\t/g, ' ').replace(/[\u0000-\u001f\u007f-\u009f]/g, '\uFFFD');
}

;// CONCATENATED MODULE: ./lib/report/index.js







const FORMATS = (/* unused pure expression or super */ null && (['stylish', 'json', 'sarif', 'github', 'markdown']));
/** Every rule a finding may carry, built-in and custom, as reporters describe them. */
function ruleDescriptors(run) {
    return [
        ...rules/* CORE_CHECKS */.u7,
        ...rules/* BUILTIN_RULES */.Yb.map((rule) => rule.meta),
        ...rules/* PLAN_RULES */.cK,
        ...run.customRules.map((rule) => ({ ...rule, description: rule.message })),
    ].map(({ id, severity, description, rationale, docsUrl }) => ({ id, severity, description, rationale, docsUrl }));
}
function reportInput(run, findings) {
    return {
        files: run.files.map((file) => ({ source: file.source, findings: findings?.(file) ?? file.findings, redactions: file.redactions })),
        rules: ruleDescriptors(run),
        tool: { name: 'dbfence', version: (0,package_info/* packageVersion */.T)(), informationUri: package_info/* TOOL_URL */.j },
    };
}
function render(format, input, options) {
    switch (format) {
        case 'stylish':
            return stylish(input, options);
        case 'json':
            return json(input);
        case 'sarif':
            return sarif(input);
        case 'github':
            return github(input);
        case 'markdown':
            return (0,markdown/* markdown */.wD)(input);
    }
}


/***/ }),

/***/ 5402:
/***/ ((__unused_webpack___webpack_module__, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   aY: () => (/* binding */ code),
/* harmony export */   kq: () => (/* binding */ escapeCell),
/* harmony export */   wD: () => (/* binding */ markdown)
/* harmony export */ });
/* harmony import */ var _lint_finding_js__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(380);

/** Markdown table of findings, for job summaries and pull-request comments. */
function markdown(input) {
    const findings = input.files.flatMap((file) => file.findings);
    const { errors, warnings } = (0,_lint_finding_js__WEBPACK_IMPORTED_MODULE_0__/* .summarize */ .e)(findings);
    const docs = new Map(input.rules.map((rule) => [rule.id, rule.docsUrl]));
    const lines = [`### dbfence lint: ${findings.length === 0 ? 'no problems' : `${errors} error${errors === 1 ? '' : 's'}, ${warnings} warning${warnings === 1 ? '' : 's'}`}`, ''];
    if (findings.length === 0) {
        lines.push(`Checked ${input.files.map((file) => code(file.source.name)).join(', ')}: nothing to report.`);
        return `${lines.join('\n')}\n`;
    }
    lines.push('| | Location | Rule | Message |', '|---|---|---|---|');
    for (const finding of findings) {
        const icon = finding.severity === 'error' ? '🔴' : '🟡';
        const url = docs.get(finding.ruleId);
        const rule = url && /^https?:\/\/[^\s()<>]+$/.test(url) ? `[${code(finding.ruleId)}](${url})` : code(finding.ruleId);
        lines.push(`| ${icon} | ${code(`${finding.file}:${finding.line}:${finding.column}`)} | ${rule} | ${escapeCell(finding.message)} |`);
    }
    return `${lines.join('\n')}\n`;
}
/**
 * Keeps a message inside its table cell and stops it from rendering markup.
 * Backticks stay: messages use them to mark keys of the file as code.
 */
function escapeCell(text) {
    return oneLine(text)
        .replace(/[\\|*_[\]~]/g, (c) => `\\${c}`)
        .replace(/[&<>]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;' })[c]);
}
/** A code span that survives any text: a fence longer than the text's backtick runs, pipes escaped for the table. */
function code(text) {
    const longest = Math.max(0, ...(text.match(/`+/g) ?? []).map((run) => run.length));
    const fence = '`'.repeat(longest + 1);
    const pad = longest > 0 ? ' ' : '';
    return `${fence}${pad}${oneLine(text).replace(/\|/g, '\\|')}${pad}${fence}`;
}
function oneLine(text) {
    return text.replace(/\r?\n|\r/g, ' ');
}


/***/ })

};
