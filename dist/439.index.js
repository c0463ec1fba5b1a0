export const id = 439;
export const ids = [439];
export const modules = {

/***/ 1439:
/***/ ((__unused_webpack___webpack_module__, __webpack_exports__, __webpack_require__) => {

// ESM COMPAT FLAG
__webpack_require__.r(__webpack_exports__);

// EXPORTS
__webpack_require__.d(__webpack_exports__, {
  runCheck: () => (/* binding */ runCheck)
});

// EXTERNAL MODULE: ./node_modules/@actions/core/lib/core.js + 16 modules
var core = __webpack_require__(8179);
// EXTERNAL MODULE: external "node:fs"
var external_node_fs_ = __webpack_require__(3024);
// EXTERNAL MODULE: external "node:path"
var external_node_path_ = __webpack_require__(6760);
// EXTERNAL MODULE: ./lib/errors.js
var errors = __webpack_require__(452);
// EXTERNAL MODULE: ./lib/lint/run.js + 10 modules
var run = __webpack_require__(7248);
// EXTERNAL MODULE: ./lib/plan/run.js + 3 modules
var plan_run = __webpack_require__(2859);
// EXTERNAL MODULE: ./lib/report/index.js + 6 modules
var report = __webpack_require__(9515);
// EXTERNAL MODULE: ./lib/action/annotations.js
var action_annotations = __webpack_require__(2508);
// EXTERNAL MODULE: external "node:os"
var external_node_os_ = __webpack_require__(8161);
// EXTERNAL MODULE: ./lib/action/github.js
var action_github = __webpack_require__(6859);
;// CONCATENATED MODULE: ./lib/action/baseline.js




/**
 * The config file as it stands at `ref` (the pull request's base commit),
 * written to a temporary file for the plan's drift check. It is read through
 * the contents API, so a shallow checkout is enough. A file that did not exist
 * at `ref` is no baseline: drift is then reported as not checked, never as none.
 */
async function fetchBaseline(github, repo, config, ref) {
    const path = repositoryPath(config);
    if (path === undefined)
        return { path: undefined, reason: `${config} is outside the workspace, so its version at ${shortRef(ref)} cannot be read` };
    let text;
    try {
        const response = await github.rest.repos.getContent({ ...repo, path, ref, mediaType: { format: 'raw' } });
        // The raw media type answers with the file's bytes, which Octokit hands over as text or as a buffer.
        const data = response.data;
        text = typeof data === 'string' ? data : new TextDecoder().decode(data);
    }
    catch (error) {
        if ((0,action_github/* httpStatus */.nG)(error) === 404)
            return { path: undefined, reason: `${path} does not exist at ${shortRef(ref)}` };
        return { path: undefined, reason: (0,action_github/* describeApiError */.gg)(error, `cannot read ${path} at ${shortRef(ref)}`, 'contents: read') };
    }
    const dir = (0,external_node_fs_.mkdtempSync)((0,external_node_path_.join)(process.env.RUNNER_TEMP || (0,external_node_os_.tmpdir)(), 'dbfence-baseline-'));
    const file = (0,external_node_path_.join)(dir, (0,external_node_path_.basename)(path));
    (0,external_node_fs_.writeFileSync)(file, text);
    return { path: file, ref, dispose: () => (0,external_node_fs_.rmSync)(dir, { recursive: true, force: true }) };
}
/** The file's path in the repository: relative to the workspace, with forward slashes. */
function repositoryPath(config) {
    const workspace = process.env.GITHUB_WORKSPACE || process.cwd();
    const rel = (0,external_node_path_.relative)(workspace, (0,external_node_path_.resolve)(config));
    if (rel === '' || rel.startsWith('..') || (0,external_node_path_.isAbsolute)(rel))
        return undefined;
    return rel.split(external_node_path_.sep).join('/');
}
function shortRef(ref) {
    return /^[0-9a-f]{40}$/.test(ref) ? ref.slice(0, 7) : ref;
}

// EXTERNAL MODULE: ./lib/action/comment.js
var comment = __webpack_require__(6623);
// EXTERNAL MODULE: ./lib/action/outputs.js
var outputs = __webpack_require__(7352);
// EXTERNAL MODULE: ./lib/action/report.js + 1 modules
var action_report = __webpack_require__(5196);
// EXTERNAL MODULE: ./lib/action/secrets.js
var secrets = __webpack_require__(7987);
// EXTERNAL MODULE: ./lib/action/settle.js
var settle = __webpack_require__(1743);
// EXTERNAL MODULE: ./lib/action/summary.js
var summary = __webpack_require__(8962);
;// CONCATENATED MODULE: ./lib/action/check.js
















/**
 * `lint` and `plan`: findings as annotations, SARIF, the job summary and, on
 * a pull request, the sticky comment. A run that must not see provider
 * credentials (a fork's pull request, pull_request_target) is linted only.
 */
async function runCheck(inputs, event) {
    const file = (0,run/* displayName */.QC)(inputs.config);
    const prEvent = event.pullRequest ? event : undefined;
    const commenting = inputs.comment && prEvent !== undefined && !event.readOnlyToken;
    if (inputs.comment && prEvent && event.readOnlyToken) {
        core/* notice */.lm(`No pull-request comment: ${event.untrusted}, so the job's token is read-only. The findings are in the annotations and the job summary.`);
    }
    const planning = inputs.command === 'plan' && event.untrusted === undefined;
    const baselineRef = planning ? inputs.baselineRef ?? event.pullRequest?.baseSha : undefined;
    const github = commenting || baselineRef !== undefined ? (0,action_github/* createGitHub */.Cl)(inputs.githubToken) : undefined;
    // Who we are and our earlier comments are looked up while the plan runs.
    const lookup = commenting ? (0,settle/* settle */.G)(ownComments(github, prEvent, file)) : undefined;
    let checked;
    if (planning)
        checked = await plan(inputs, event, github, baselineRef);
    else {
        const skipped = inputs.command === 'plan' ? `${event.untrusted}; provider credentials are never used in such a run` : undefined;
        if (skipped)
            core/* notice */.lm(`Plan not run: ${skipped}. The file is linted only.`);
        checked = await lintOnly(inputs, skipped);
    }
    const { result } = checked;
    const { error: errors, warning: warnings } = (0,action_report/* counts */.tQ)(result);
    core/* info */.pq((0,action_report/* logLine */.BP)((0,action_report/* headline */.Pl)(result)));
    const annotations = (0,action_annotations/* annotate */.fz)(result.findings);
    const sarifFile = inputs.sarifFile ? writeSarif(inputs.sarifFile, checked.lint) : undefined;
    const note = (0,action_annotations/* hiddenAnnotationsNote */.f7)(annotations);
    await (0,summary/* writeSummary */.S)(`${(0,action_report/* headline */.Pl)(result)}\n${(0,action_report/* fitSections */.WK)((0,action_report/* sections */.V0)(result), summary/* SUMMARY_LIMIT */.J).text}${note ? `\n> ${note}\n` : ''}`);
    const failures = checked.failure ? [checked.failure] : [];
    let commentUrl;
    if (lookup) {
        try {
            commentUrl = await postReport(github, prEvent, lookup, result);
        }
        catch (error) {
            failures.push((0,action_github/* describeApiError */.gg)(error, 'cannot post the pull-request comment', 'pull-requests: write'));
        }
    }
    (0,outputs/* setOutputs */.n)({
        errors, warnings, changes: result.plan?.changes.length, drift: result.plan?.driftChecked ? result.plan.drift.length : undefined, commentUrl, sarifFile,
    });
    if (errors > 0 || (inputs.failOn === 'warning' && warnings > 0)) {
        failures.push(`${(0,action_report/* plural */.LS)(errors, 'error')} and ${(0,action_report/* plural */.LS)(warnings, 'warning')} in ${file} (fail-on: ${inputs.failOn}); see the job summary`);
    }
    if (failures.length > 0)
        core/* setFailed */.C1((0,secrets/* scrubSecrets */.Z)(`dbfence: ${failures.join('; ')}`));
}
async function plan(inputs, event, github, baselineRef) {
    const baseline = github && baselineRef !== undefined ? await fetchBaseline(github, event.repo, inputs.config, baselineRef) : undefined;
    const noDrift = baseline === undefined
        ? 'drift is checked against a pull request\'s base commit, or the commit the baseline-ref input names'
        : baseline.path === undefined ? baseline.reason : undefined;
    if (noDrift)
        core/* notice */.lm(`Drift not checked: ${noDrift}.`);
    try {
        return await (0,plan_run/* withPlan */.m)({
            file: inputs.config,
            baseline: baseline?.path,
            policiesDir: inputs.policies,
            allowDestructive: inputs.allowDestructive,
            onSecret: secrets/* maskSecret */.$,
            log: (message) => core/* info */.pq(message),
        }, async (run) => ({
            lint: run.lint,
            result: {
                command: 'plan',
                file: run.file.source.name,
                findings: [...run.file.findings, ...run.findings],
                rules: (0,report/* ruleDescriptors */.tP)(run.lint),
                plan: run.plan,
                planSkipped: run.plan ? undefined : run.blocked,
                driftSkipped: run.driftSkipped ?? noDrift,
            },
        }));
    }
    catch (error) {
        if (!(error instanceof errors/* ToolError */.v))
            throw error;
        // The report still shows the file's findings, and why there is no plan.
        return { ...(await lintOnly(inputs, `the plan could not run: ${error.message}`)), failure: error.message };
    }
    finally {
        if (baseline?.path !== undefined)
            baseline.dispose();
    }
}
/** Lint alone; `planSkipped` says why a plan that was asked for was not made. */
async function lintOnly(inputs, planSkipped) {
    const lint = await (0,run/* runLint */.nU)([inputs.config], { policiesDir: inputs.policies });
    return {
        lint,
        result: {
            command: inputs.command === 'lint' ? 'lint' : 'plan',
            file: (0,run/* displayName */.QC)(inputs.config),
            findings: lint.files.flatMap((linted) => linted.findings),
            rules: (0,report/* ruleDescriptors */.tP)(lint),
            plan: undefined,
            planSkipped,
            driftSkipped: undefined,
        },
    };
}
async function ownComments(github, event, file) {
    const me = await (0,action_github/* whoAmI */.Wc)(github);
    return (0,comment/* findReportComments */.Qc)(github, event.repo, event.pullRequest.number, me, file);
}
async function postReport(github, event, lookup, result) {
    const meta = { sha: event.pullRequest.headSha, config: result.file, run: event.runId, at: new Date().toISOString() };
    const body = (0,comment/* commentBody */.I2)(comment/* REPORT_MARKER */.Eg, meta, (0,action_report/* headline */.Pl)(result), (0,action_report/* sections */.V0)(result), event.runUrl);
    const outcome = await (0,comment/* upsertReportComment */.R6)(github, event, await (0,settle/* unwrap */.o)(lookup), body, (0,action_report/* isQuiet */.rM)(result));
    switch (outcome.action) {
        case 'none':
            core/* info */.pq('No pull-request comment: nothing was found and nothing would change.');
            return undefined;
        case 'kept-newer':
            core/* info */.pq(`The pull-request comment already shows a newer commit (${outcome.sha.slice(0, 7)}); it was left as it is.`);
            return outcome.url;
        default:
            core/* info */.pq(`Pull-request comment ${outcome.action}: ${outcome.url}`);
            return outcome.url;
    }
}
function writeSarif(path, lint) {
    try {
        (0,external_node_fs_.mkdirSync)((0,external_node_path_.dirname)(path), { recursive: true });
        (0,external_node_fs_.writeFileSync)(path, (0,secrets/* scrubSecrets */.Z)((0,report/* render */.XX)('sarif', (0,report/* reportInput */.BO)(lint), { color: false })));
    }
    catch (error) {
        throw new errors/* ToolError */.v(`cannot write the SARIF file ${path}: ${error.code ?? error.message}`);
    }
    return path;
}


/***/ })

};
