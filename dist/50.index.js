export const id = 50;
export const ids = [50];
export const modules = {

/***/ 5050:
/***/ ((__unused_webpack___webpack_module__, __webpack_exports__, __webpack_require__) => {

__webpack_require__.r(__webpack_exports__);
/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   runApply: () => (/* binding */ runApply)
/* harmony export */ });
/* harmony import */ var _actions_core__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(8179);
/* harmony import */ var _errors_js__WEBPACK_IMPORTED_MODULE_11__ = __webpack_require__(452);
/* harmony import */ var _lint_run_js__WEBPACK_IMPORTED_MODULE_1__ = __webpack_require__(7248);
/* harmony import */ var _plan_run_js__WEBPACK_IMPORTED_MODULE_2__ = __webpack_require__(2859);
/* harmony import */ var _report_index_js__WEBPACK_IMPORTED_MODULE_3__ = __webpack_require__(9515);
/* harmony import */ var _report_markdown_js__WEBPACK_IMPORTED_MODULE_13__ = __webpack_require__(5402);
/* harmony import */ var _annotations_js__WEBPACK_IMPORTED_MODULE_4__ = __webpack_require__(2508);
/* harmony import */ var _comment_js__WEBPACK_IMPORTED_MODULE_5__ = __webpack_require__(6623);
/* harmony import */ var _github_js__WEBPACK_IMPORTED_MODULE_6__ = __webpack_require__(6859);
/* harmony import */ var _outputs_js__WEBPACK_IMPORTED_MODULE_7__ = __webpack_require__(7352);
/* harmony import */ var _report_js__WEBPACK_IMPORTED_MODULE_8__ = __webpack_require__(5196);
/* harmony import */ var _secrets_js__WEBPACK_IMPORTED_MODULE_9__ = __webpack_require__(7987);
/* harmony import */ var _settle_js__WEBPACK_IMPORTED_MODULE_12__ = __webpack_require__(1743);
/* harmony import */ var _summary_js__WEBPACK_IMPORTED_MODULE_10__ = __webpack_require__(8962);














/** Events apply runs on: a push (a merge) to the default branch, a manual dispatch, a schedule. */
const APPLY_EVENTS = ['push', 'workflow_dispatch', 'schedule'];
/**
 * `apply`: only from the default branch's file on a trusted event; re-plans
 * against the live state, applies, and posts the result to the pull request
 * the commit came from.
 */
async function runApply(inputs, event) {
    refuseEvent(event);
    const github = inputs.comment || event.defaultBranch === undefined ? (0,_github_js__WEBPACK_IMPORTED_MODULE_6__/* .createGitHub */ .Cl)(inputs.githubToken) : undefined;
    const branch = event.defaultBranch ?? (await (0,_github_js__WEBPACK_IMPORTED_MODULE_6__/* .defaultBranch */ .OR)(github, event.repo));
    if (!inputs.allowNonDefaultBranch && event.ref !== `refs/heads/${branch}`) {
        throw new _errors_js__WEBPACK_IMPORTED_MODULE_11__/* .ToolError */ .v(`apply refused: it applies the file of the default branch (${branch}), and this run is on ${event.ref || 'no branch'}; set allow-non-default-branch: true to apply from another branch`);
    }
    // The pull request is looked up while the plan runs. A scheduled run reports
    // to the summary only: the last merged pull request is not its cause.
    const pull = github && inputs.comment && event.name !== 'schedule' ? (0,_settle_js__WEBPACK_IMPORTED_MODULE_12__/* .settle */ .G)((0,_comment_js__WEBPACK_IMPORTED_MODULE_5__/* .findMergedPullRequest */ .g_)(github, event.repo, event.sha)) : undefined;
    const outcome = await planAndApply(inputs);
    (0,_annotations_js__WEBPACK_IMPORTED_MODULE_4__/* .annotate */ .fz)(outcome.findings);
    const title = applyTitle(outcome, event);
    _actions_core__WEBPACK_IMPORTED_MODULE_0__/* .info */ .pq((0,_report_js__WEBPACK_IMPORTED_MODULE_8__/* .logLine */ .BP)(title));
    const parts = applySections(outcome);
    await (0,_summary_js__WEBPACK_IMPORTED_MODULE_10__/* .writeSummary */ .S)(`${title}\n${(0,_report_js__WEBPACK_IMPORTED_MODULE_8__/* .fitSections */ .WK)(parts, _summary_js__WEBPACK_IMPORTED_MODULE_10__/* .SUMMARY_LIMIT */ .J).text}`);
    const failures = outcome.status === 'refused' || outcome.status === 'error' || outcome.status === 'failed' ? [outcome.reason ?? 'apply failed'] : [];
    let commentUrl;
    if (pull) {
        try {
            commentUrl = await postApplyResult(github, event, await (0,_settle_js__WEBPACK_IMPORTED_MODULE_12__/* .unwrap */ .o)(pull), outcome.file, title, parts);
        }
        catch (error) {
            failures.push((0,_github_js__WEBPACK_IMPORTED_MODULE_6__/* .describeApiError */ .gg)(error, 'cannot post the apply result to the pull request', 'pull-requests: write'));
        }
    }
    const errors = outcome.findings.filter((finding) => finding.severity === 'error').length;
    (0,_outputs_js__WEBPACK_IMPORTED_MODULE_7__/* .setOutputs */ .n)({ errors, warnings: outcome.findings.length - errors, changes: outcome.plan?.changes.length, drift: undefined, commentUrl, sarifFile: undefined });
    if (failures.length > 0)
        _actions_core__WEBPACK_IMPORTED_MODULE_0__/* .setFailed */ .C1((0,_secrets_js__WEBPACK_IMPORTED_MODULE_9__/* .scrubSecrets */ .Z)(`dbfence: ${failures.join('; ')}`));
}
/** Apply never runs for a pull request: its files are not reviewed yet, and a fork's may be hostile. */
function refuseEvent(event) {
    if (event.name.startsWith('pull_request')) {
        throw new _errors_js__WEBPACK_IMPORTED_MODULE_11__/* .ToolError */ .v(`apply refused on a ${event.name} event: a pull request's changes are applied after they are merged, from the default branch (see docs/action.md)`);
    }
    if (!APPLY_EVENTS.includes(event.name))
        throw new _errors_js__WEBPACK_IMPORTED_MODULE_11__/* .ToolError */ .v(`apply refused on a ${event.name || 'unknown'} event: it runs on ${APPLY_EVENTS.join(', ')}`);
}
async function planAndApply(inputs) {
    const file = (0,_lint_run_js__WEBPACK_IMPORTED_MODULE_1__/* .displayName */ .QC)(inputs.config);
    try {
        return await (0,_plan_run_js__WEBPACK_IMPORTED_MODULE_2__/* .withPlan */ .m)({
            file: inputs.config,
            policiesDir: inputs.policies,
            allowDestructive: inputs.allowDestructive,
            onSecret: _secrets_js__WEBPACK_IMPORTED_MODULE_9__/* .maskSecret */ .$,
            log: (message) => _actions_core__WEBPACK_IMPORTED_MODULE_0__/* .info */ .pq(message),
        }, async (run, provider) => {
            const base = { file: run.file.source.name, findings: [...run.file.findings, ...run.findings], rules: (0,_report_index_js__WEBPACK_IMPORTED_MODULE_3__/* .ruleDescriptors */ .tP)(run.lint), plan: run.plan };
            if (run.blocked || !run.plan)
                return { ...base, status: 'refused', reason: `apply refused: ${run.blocked ?? 'there is no plan'}` };
            if (run.plan.changes.length === 0)
                return { ...base, status: 'no-changes' };
            const result = await (0,_plan_run_js__WEBPACK_IMPORTED_MODULE_2__/* .applyPlan */ .g)(run, provider, inputs.allowDestructive);
            return { ...base, status: result.ok ? 'applied' : 'failed', result, ...(result.ok ? {} : { reason: 'apply failed: see the changes it could not make' }) };
        });
    }
    catch (error) {
        // Reported to the pull request too, then the step fails with the same line.
        const reason = error instanceof _errors_js__WEBPACK_IMPORTED_MODULE_11__/* .ToolError */ .v ? error.message : `internal error: ${error.message ?? String(error)}`;
        if (!(error instanceof _errors_js__WEBPACK_IMPORTED_MODULE_11__/* .ToolError */ .v))
            _actions_core__WEBPACK_IMPORTED_MODULE_0__/* .debug */ .Yz(error.stack ?? reason);
        return { status: 'error', file, findings: [], rules: [], plan: undefined, reason: `apply could not run: ${reason}` };
    }
}
const STATUS_LINE = {
    applied: (o) => `✅ applied ${(0,_report_js__WEBPACK_IMPORTED_MODULE_8__/* .plural */ .LS)(o.plan?.changes.length ?? 0, 'change')}`,
    'no-changes': () => '✅ nothing to apply: the live state already matches the file',
    failed: (o) => `❌ apply failed: ${o.result?.outcomes.filter((x) => x.status === 'applied').length ?? 0} of ${(0,_report_js__WEBPACK_IMPORTED_MODULE_8__/* .plural */ .LS)(o.result?.outcomes.length ?? 0, 'change')} applied; the rest was rolled back or skipped`,
    refused: (o) => `⛔ ${(0,_report_markdown_js__WEBPACK_IMPORTED_MODULE_13__/* .escapeCell */ .kq)(o.reason ?? 'apply refused')}`,
    error: (o) => `❌ ${(0,_report_markdown_js__WEBPACK_IMPORTED_MODULE_13__/* .escapeCell */ .kq)(o.reason ?? 'apply could not run')}`,
};
function applyTitle(outcome, event) {
    return `### dbfence apply: ${(0,_report_markdown_js__WEBPACK_IMPORTED_MODULE_13__/* .code */ .aY)(outcome.file)}\n\n${STATUS_LINE[outcome.status](outcome)} · commit ${event.sha.slice(0, 7)}\n`;
}
const OUTCOME_ICON = { applied: '✔', failed: '✖', 'rolled-back': '↺', skipped: '·' };
function applySections(outcome) {
    const { errors, warnings } = (0,_report_js__WEBPACK_IMPORTED_MODULE_8__/* .findingsSections */ .XG)(outcome.findings, outcome.rules);
    const parts = [];
    if (outcome.result) {
        const rows = outcome.result.outcomes.map(({ change, status, error }) => `| ${OUTCOME_ICON[status]} | ${(0,_report_markdown_js__WEBPACK_IMPORTED_MODULE_13__/* .code */ .aY)(change.address)} | ${status}${error ? `: ${(0,_report_markdown_js__WEBPACK_IMPORTED_MODULE_13__/* .escapeCell */ .kq)(error)}` : ''} |\n`);
        const full = `| | Resource | Result |\n|---|---|---|\n${rows.join('')}`;
        const counts = new Map();
        for (const { status } of outcome.result.outcomes)
            counts.set(status, (counts.get(status) ?? 0) + 1);
        const short = `${[...counts].map(([status, n]) => `${n} ${status}`).join(', ')}; the list of changes is in the job summary.\n`;
        parts.push({ full, shorten: () => short });
    }
    // A refused apply shows the plan it refused, so the reason can be read in it.
    const plan = outcome.status === 'refused' && outcome.plan ? [(0,_report_js__WEBPACK_IMPORTED_MODULE_8__/* .planSection */ .lA)({ plan: outcome.plan, planSkipped: undefined, driftSkipped: undefined })] : [];
    return [...parts, ...errors, ...plan, ...warnings];
}
async function postApplyResult(github, event, pull, file, title, parts) {
    if (pull === undefined) {
        _actions_core__WEBPACK_IMPORTED_MODULE_0__/* .info */ .pq(`No merged pull request has commit ${event.sha.slice(0, 7)}: the result is in the job summary only.`);
        return undefined;
    }
    const meta = { sha: event.sha, config: file, run: event.runId, at: new Date().toISOString() };
    const body = (0,_comment_js__WEBPACK_IMPORTED_MODULE_5__/* .commentBody */ .I2)(_comment_js__WEBPACK_IMPORTED_MODULE_5__/* .APPLY_MARKER */ .Op, meta, title, parts, event.runUrl);
    const { data } = await github.rest.issues.createComment({ ...event.repo, issue_number: pull, body });
    _actions_core__WEBPACK_IMPORTED_MODULE_0__/* .info */ .pq(`Apply result posted to pull request #${pull}: ${data.html_url}`);
    return data.html_url;
}


/***/ })

};
