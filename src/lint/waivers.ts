import type { LocationIndex, OffsetRange } from '../model/locations.js';
import type { DocPath } from '../model/path.js';
import type { SourceFile } from '../model/source.js';
import type { Severity } from './finding.js';
import { PLAN_RULES } from './rules/index.js';
import { capText, MAX_QUOTED_LENGTH } from './secrets.js';
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
/** A waiver naming more unknown rules than this names only the first ones, with one suggestion each. */
const MAX_UNKNOWN_SHOWN = 5;
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
  // Waivers stacked above one node share the line they waive: found once, not once per waiver.
  let contentLine = 0;
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
    if (ownLine && contentLine <= line) contentLine = nextContentLine(source, line);
    waiver.target = ownLine ? nodeStarts.get(contentLine) : nodeStarts.get(line);
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
  const scalars: Range[] = [];
  for (const { path, range } of locations.walk(data)) {
    const line = source.position(Math.min(range.keyStart, range.valueStart)).line;
    if (!nodeStarts.has(line)) nodeStarts.set(line, path);
    if (range.keyStart !== range.valueStart) scalars.push([range.keyStart, range.keyEnd]);
    const value = valueAt(data, path);
    if (value === null || typeof value !== 'object') scalars.push([range.valueStart, range.valueEnd]);
  }
  return { nodeStarts, scalars: new RangeIndex(scalars) };
}

type Range = readonly [from: number, to: number];

/** Ranges, sorted once, to ask in logarithmic time whether an offset falls inside one (a line may hold millions of `#`). */
class RangeIndex {
  private readonly starts: number[];
  /** The furthest end of the ranges up to each one, in order of start. */
  private readonly reach: number[];

  constructor(ranges: Range[]) {
    const sorted = [...ranges].sort((a, b) => a[0] - b[0]);
    this.starts = sorted.map(([from]) => from);
    let furthest = -1;
    this.reach = sorted.map(([, to]) => (furthest = Math.max(furthest, to)));
  }

  contains(offset: number): boolean {
    let low = 0;
    let high = this.starts.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (this.starts[middle]! <= offset) low = middle + 1;
      else high = middle;
    }
    // Every range up to low - 1 starts at or before the offset: one of them holds it if the furthest reaches past it.
    return low > 0 && this.reach[low - 1]! > offset;
  }
}

function valueAt(data: unknown, path: DocPath): unknown {
  let node = data;
  for (const segment of path) node = (node as Record<string | number, unknown>)[segment];
  return node;
}

/** Where the line's YAML comment starts (index in the line), if it has one. */
function commentStart(text: string, lineStart: number, scalars: RangeIndex): number | undefined {
  for (let i = text.indexOf('#'); i !== -1; i = text.indexOf('#', i + 1)) {
    if (i > 0 && text[i - 1] !== ' ' && text[i - 1] !== '\t') continue;
    const offset = lineStart + i;
    if (scalars.contains(offset)) continue;
    return i;
  }
  return undefined;
}

/** The next line holding something other than comments or blanks; past the last line if there is none. */
function nextContentLine(source: SourceFile, line: number): number {
  let next = line + 1;
  for (; next <= source.lineCount; next++) {
    const text = source.lineText(next).trim();
    if (text !== '' && !text.startsWith('#')) break;
  }
  return next;
}

function parseWaiver(body: string, start: number, end: number, options: WaiverOptions): Waiver {
  const waiver: Waiver = { ruleIds: [], until: undefined, reason: undefined, start, end, target: undefined, problem: undefined, matched: new Set() };
  const { words, unclosed } = waiverWords(body);
  const stray: string[] = [];
  for (const { key, value } of words) {
    if (key === 'until') waiver.until = value;
    else if (key === 'reason') waiver.reason = value.replace(/\\([\s\S])/g, '$1').trim();
    else if (waiver.ruleIds.length === 0 && waiver.until === undefined && waiver.reason === undefined) {
      waiver.ruleIds = value.split(',').filter(Boolean);
    } else stray.push(value);
  }
  if (unclosed) {
    waiver.problem = `the reason has no closing quote (write \\" for a quote inside it); ${EXPECTED}`;
    return waiver;
  }
  const unknown = waiver.ruleIds.filter((id) => !options.knownRuleIds.has(id) && !options.unwaivable.has(id));
  if (waiver.ruleIds.length === 0) waiver.problem = `the waiver names no rule; ${EXPECTED}`;
  else if (stray.length > 0) waiver.problem = `the waiver has unexpected words (${capText(stray.join(' '), MAX_QUOTED_LENGTH)}); ${EXPECTED}`;
  else if (waiver.ruleIds.some((id) => options.unwaivable.has(id))) {
    const refused = waiver.ruleIds.filter((id) => options.unwaivable.has(id));
    // Destructive changes are acknowledged where the change is made, not in the file that asks for it.
    const advice = refused.includes('destructive-change') ? 'acknowledge destructive changes with --allow-destructive (allow-destructive in the Action)' : 'fix the file instead';
    waiver.problem = `${refused.join(', ')} cannot be waived: ${advice}`;
  } else if (unknown.length > 0) {
    const known = [...options.knownRuleIds];
    const shown = unknown.slice(0, MAX_UNKNOWN_SHOWN);
    const guesses = shown.map((id) => closest(id, known)).filter(Boolean);
    const more = unknown.length > shown.length ? ` and ${unknown.length - shown.length} more` : '';
    waiver.problem = `the waiver names an unknown rule: ${capText(shown.join(', '), MAX_QUOTED_LENGTH)}${more}${guesses.length > 0 ? ` (did you mean ${guesses.join(', ')}?)` : ''}`;
  } else if (!waiver.reason) waiver.problem = 'the waiver gives no reason: add reason="…" saying why the finding is acceptable';
  else if (waiver.until !== undefined) {
    if (!isDate(waiver.until)) waiver.problem = `until=${waiver.until} is not a date written YYYY-MM-DD`;
    else if (waiver.until < options.today) waiver.problem = `the waiver expired on ${waiver.until}`;
  }
  return waiver;
}

interface WaiverWord {
  key: 'until' | 'reason' | undefined;
  /** The text after `key=`, a quoted reason still escaped; the whole word when there is no key. */
  value: string;
}

const SPACES = /\s*/y;
const WORD = /\S*/y;
const QUOTED_REASON = 'reason="';

/**
 * Splits a waiver's text into words: `until=…`, `reason="…"` (with `\\`
 * escapes) or `reason=word`, and plain words. A scan in one pass: a regular
 * expression for the quoted reason overflows the stack on a reason megabytes
 * long. `unclosed` says a quoted reason runs to the end of the line.
 */
function waiverWords(body: string): { words: WaiverWord[]; unclosed: boolean } {
  const words: WaiverWord[] = [];
  let at = 0;
  for (;;) {
    SPACES.lastIndex = at;
    SPACES.exec(body);
    at = SPACES.lastIndex;
    if (at >= body.length) return { words, unclosed: false };
    if (body.startsWith(QUOTED_REASON, at)) {
      const close = closingQuote(body, at + QUOTED_REASON.length);
      if (close === -1) return { words, unclosed: true };
      words.push({ key: 'reason', value: body.slice(at + QUOTED_REASON.length, close) });
      at = close + 1;
      continue;
    }
    WORD.lastIndex = at;
    WORD.exec(body);
    const word = body.slice(at, WORD.lastIndex);
    at = WORD.lastIndex;
    if (word.startsWith('until=')) words.push({ key: 'until', value: word.slice('until='.length) });
    else if (word.startsWith('reason=') && word.length > 'reason='.length) words.push({ key: 'reason', value: word.slice('reason='.length) });
    else words.push({ key: undefined, value: word });
  }
}

/** Index of the `"` that closes a quoted text starting at `from`, skipping `\\`-escaped characters; -1 if none. */
function closingQuote(text: string, from: number): number {
  for (let i = from; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code === BACKSLASH) i++;
    else if (code === QUOTE) return i;
  }
  return -1;
}

const BACKSLASH = 0x5c;
const QUOTE = 0x22;

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
  // The waivers of each rule on each node: a report looks up its own node and those around it, not every waiver.
  const groups = new Map<string, { waivers: Waiver[]; valid: boolean; met: boolean }>();
  for (const waiver of waivers) {
    if (waiver.target === undefined) continue;
    for (const ruleId of waiver.ruleIds) {
      const key = pathKey(ruleId, waiver.target, waiver.target.length);
      const group = groups.get(key);
      if (group) {
        group.waivers.push(waiver);
        group.valid ||= !waiver.problem;
      } else groups.set(key, { waivers: [waiver], valid: !waiver.problem, met: false });
    }
  }
  const kept: Report[] = [];
  let waived = 0;
  for (const report of reports) {
    let covered = false;
    for (let length = 0; length <= report.path.length; length++) {
      const group = groups.get(pathKey(report.ruleId, report.path, length));
      if (!group) continue;
      if (!group.met) for (const waiver of group.waivers) waiver.matched.add(report.ruleId);
      group.met = true;
      covered ||= group.valid;
    }
    if (covered) waived++;
    else kept.push(report);
  }
  return { kept, waived };
}

/** A key for a rule id and the first `length` segments of a path; an index and a key of the same text differ. */
function pathKey(ruleId: string, path: DocPath, length: number): string {
  let key = ruleId;
  for (let i = 0; i < length; i++) {
    const segment = path[i]!;
    key += typeof segment === 'number' ? `\u0000#${segment}` : `\u0000.${segment}`;
  }
  return key;
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
