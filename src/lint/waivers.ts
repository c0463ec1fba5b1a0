import type { LocationIndex, OffsetRange } from '../model/locations.js';
import { type DocPath, pathStartsWith } from '../model/path.js';
import type { SourceFile } from '../model/source.js';
import type { Severity } from './finding.js';
import { PLAN_RULES } from './rules/index.js';
import { closest } from './suggest.js';

/** One `# dbfence-ignore` comment, read and checked. */
export interface Waiver {
  ruleIds: string[];
  until: string | undefined;
  reason: string | undefined;
  /** Offsets of the comment, for findings about the waiver itself. */
  start: number;
  end: number;
  /** The node the waiver covers (with everything inside it); undefined when no node follows. */
  target: DocPath | undefined;
  /** Why the waiver does not apply, if it does not. */
  problem: string | undefined;
  /** Ids of the rules whose findings fell under the waiver: waived, or reported again if it is broken. */
  matched: Set<string>;
}

const MARKER = 'dbfence-ignore';
const WAIVER_COMMENT = /^#[ \t]*dbfence-ignore\b(.*)$/;
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const EXPECTED = 'expected: # dbfence-ignore RULE-ID[,RULE-ID] [until=YYYY-MM-DD] reason="why"';
/** Their findings come from `dbfence plan`: lint cannot tell whether a waiver of one is used. */
const PLAN_IDS = new Set(PLAN_RULES.map((meta) => meta.id));

export interface WaiverOptions {
  /** Today as YYYY-MM-DD (UTC); a waiver is valid through its `until` day. */
  today: string;
  knownRuleIds: ReadonlySet<string>;
  /** Ids whose findings are about the file's form and cannot be waived. */
  unwaivable: ReadonlySet<string>;
  /** The team's policies forbid in-file waivers: every waiver is refused. */
  forbidden?: boolean;
}

/** Reads every waiver comment of a file and finds the node each one covers. */
export function readWaivers(source: SourceFile, data: unknown, locations: LocationIndex, options: WaiverOptions): Waiver[] {
  if (!source.text.includes(MARKER)) return [];
  const { nodeStarts, scalars } = mapNodes(source, data, locations);
  const lineStarts = source.lineCounter.lineStarts;
  const waivers: Waiver[] = [];
  for (let line = 1; line <= lineStarts.length; line++) {
    const text = source.lineText(line);
    if (!text.includes(MARKER)) continue;
    const lineStart = lineStarts[line - 1]!;
    const hash = commentStart(text, lineStart, scalars);
    if (hash === undefined) continue;
    const match = WAIVER_COMMENT.exec(text.slice(hash));
    // The marker in a scalar, or further along a comment that says something else, is text.
    if (!match) continue;
    const waiver = parseWaiver(match[1]!, lineStart + hash, lineStart + text.length, options);
    const ownLine = text.slice(0, hash).trim() === '';
    waiver.target = ownLine ? nodeAfter(source, line, nodeStarts) : nodeStarts.get(line);
    if (!ownLine) {
      waiver.problem = `a waiver must stand on its own line, just above the node it waives, not after it; ${EXPECTED}`;
    } else if (!waiver.problem && !waiver.target) {
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
function mapNodes(source: SourceFile, data: unknown, locations: LocationIndex) {
  const nodeStarts = new Map<number, DocPath>();
  const scalars: [number, number][] = [];
  for (const { path, range } of locations.walk(data)) {
    const line = source.position(Math.min(range.keyStart, range.valueStart)).line;
    if (!nodeStarts.has(line)) nodeStarts.set(line, path);
    if (range.keyStart !== range.valueStart) scalars.push([range.keyStart, range.keyEnd]);
    const value = valueAt(data, path);
    if (value === null || typeof value !== 'object') scalars.push([range.valueStart, range.valueEnd]);
  }
  return { nodeStarts, scalars };
}

function valueAt(data: unknown, path: DocPath): unknown {
  let node = data;
  for (const segment of path) node = (node as Record<string | number, unknown>)[segment];
  return node;
}

/** Where the line's YAML comment starts (index in the line), if it has one. */
function commentStart(text: string, lineStart: number, scalars: readonly [number, number][]): number | undefined {
  for (let i = text.indexOf('#'); i !== -1; i = text.indexOf('#', i + 1)) {
    if (i > 0 && text[i - 1] !== ' ' && text[i - 1] !== '\t') continue;
    const offset = lineStart + i;
    if (scalars.some(([from, to]) => from <= offset && offset < to)) continue;
    return i;
  }
  return undefined;
}

/** The outermost node that starts on the next line holding something other than comments or blanks. */
function nodeAfter(source: SourceFile, line: number, nodeStarts: Map<number, DocPath>): DocPath | undefined {
  for (let next = line + 1; next <= source.lineCount; next++) {
    const text = source.lineText(next).trim();
    if (text === '' || text.startsWith('#')) continue;
    return nodeStarts.get(next);
  }
  return undefined;
}

function parseWaiver(body: string, start: number, end: number, options: WaiverOptions): Waiver {
  const waiver: Waiver = { ruleIds: [], until: undefined, reason: undefined, start, end, target: undefined, problem: undefined, matched: new Set() };
  const tokens = /\s*(?:until=(\S*)|reason="((?:[^"\\]|\\.)*)"|reason=(\S+)|(\S+))/gy;
  let match: RegExpExecArray | null;
  const stray: string[] = [];
  while ((match = tokens.exec(body)) !== null && match[0] !== '') {
    if (match[1] !== undefined) waiver.until = match[1];
    else if (match[2] !== undefined || match[3] !== undefined) waiver.reason = (match[2] ?? match[3])!.replace(/\\(.)/g, '$1').trim();
    else if (waiver.ruleIds.length === 0 && waiver.until === undefined && waiver.reason === undefined) {
      waiver.ruleIds = match[4]!.split(',').filter(Boolean);
    } else stray.push(match[4]!);
  }
  const unknown = waiver.ruleIds.filter((id) => !options.knownRuleIds.has(id) && !options.unwaivable.has(id));
  if (waiver.ruleIds.length === 0) waiver.problem = `the waiver names no rule; ${EXPECTED}`;
  else if (stray.length > 0) waiver.problem = `the waiver has unexpected words (${stray.join(' ')}); ${EXPECTED}`;
  else if (waiver.ruleIds.some((id) => options.unwaivable.has(id))) {
    const refused = waiver.ruleIds.filter((id) => options.unwaivable.has(id));
    // Destructive changes are acknowledged where the change is made, not in the file that asks for it.
    const advice = refused.includes('destructive-change') ? 'acknowledge destructive changes with --allow-destructive (allow-destructive in the Action)' : 'fix the file instead';
    waiver.problem = `${refused.join(', ')} cannot be waived: ${advice}`;
  } else if (unknown.length > 0) {
    const guesses = unknown.map((id) => closest(id, [...options.knownRuleIds])).filter(Boolean);
    waiver.problem = `the waiver names an unknown rule: ${unknown.join(', ')}${guesses.length > 0 ? ` (did you mean ${guesses.join(', ')}?)` : ''}`;
  } else if (!waiver.reason) waiver.problem = 'the waiver gives no reason: add reason="…" saying why the finding is acceptable';
  else if (waiver.until !== undefined) {
    if (!isDate(waiver.until)) waiver.problem = `until=${waiver.until} is not a date written YYYY-MM-DD`;
    else if (waiver.until < options.today) waiver.problem = `the waiver expired on ${waiver.until}`;
  }
  return waiver;
}

function isDate(text: string): boolean {
  const match = DATE.exec(text);
  if (!match) return false;
  const date = new Date(Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3])));
  return date.toISOString().slice(0, 10) === text;
}

/** What waivers need of a finding before it is reported. */
interface Waivable {
  ruleId: string;
  path: DocPath;
}

/**
 * Drops the reports a valid waiver covers (its node or anything inside it,
 * for a rule it names), and records on every waiver, valid or not, which of
 * its rules it met.
 */
export function applyWaivers<Report extends Waivable>(waivers: readonly Waiver[], reports: readonly Report[]): { kept: Report[]; waived: number } {
  const kept: Report[] = [];
  let waived = 0;
  for (const report of reports) {
    const covering = waivers.filter((waiver) =>
      waiver.target !== undefined && waiver.ruleIds.includes(report.ruleId) && pathStartsWith(report.path, waiver.target));
    for (const waiver of covering) waiver.matched.add(report.ruleId);
    if (covering.some((waiver) => !waiver.problem)) waived++;
    else kept.push(report);
  }
  return { kept, waived };
}

export interface WaiverReport {
  ruleId: 'waiver' | 'unused-waiver';
  severity: Severity;
  message: string;
  range: OffsetRange;
  path: DocPath;
}

/**
 * Findings about the waivers themselves, once `applyWaivers` has run: broken
 * waivers, and lint rule ids that waived nothing, except where `unread` says
 * the rules did not read the waiver's node (a part of the file that failed
 * the schema): there a finding may yet come.
 */
export function waiverReports(waivers: readonly Waiver[], unread: (path: DocPath) => boolean): WaiverReport[] {
  const reports: WaiverReport[] = [];
  for (const waiver of waivers) {
    const range = { start: waiver.start, end: waiver.end };
    const path = waiver.target ?? [];
    if (waiver.problem) {
      const again = waiver.matched.size > 0 ? ' (the finding it meant to waive is reported)' : '';
      reports.push({ ruleId: 'waiver', severity: 'error', message: `${waiver.problem}${again}`, range, path });
      continue;
    }
    const unused = waiver.ruleIds.filter((id) => !waiver.matched.has(id) && !PLAN_IDS.has(id));
    if (unused.length === 0 || unread(path)) continue;
    const advice = unused.length === waiver.ruleIds.length ? 'remove the waiver' : `remove ${unused.length === 1 ? 'that id' : 'those ids'} from it`;
    reports.push({ ruleId: 'unused-waiver', severity: 'warning', message: `this waiver of ${unused.join(', ')} waives no finding: ${advice}`, range, path });
  }
  return reports;
}
