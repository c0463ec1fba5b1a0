import type { LocationIndex } from '../model/locations.js';
import type { DocPath } from '../model/path.js';
import type { SourceFile } from '../model/source.js';

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
  used: boolean;
}

const MARKER = 'dbfence-ignore';
const COMMENT_LINE = /^[ \t]*#[ \t]*dbfence-ignore\b(.*)$/;
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

export interface WaiverOptions {
  /** Today as YYYY-MM-DD (UTC); a waiver is valid through its `until` day. */
  today: string;
  knownRuleIds: ReadonlySet<string>;
  /** Ids whose findings are about the file's form and cannot be waived. */
  unwaivable: ReadonlySet<string>;
}

/** Reads every waiver comment of a file and finds the node each one covers. */
export function readWaivers(source: SourceFile, data: unknown, locations: LocationIndex, options: WaiverOptions): Waiver[] {
  if (!source.text.includes(MARKER)) return [];
  const lineStarts = source.lineCounter.lineStarts;
  const nodeStarts = new Map<number, DocPath>();
  const insideScalar: [number, number][] = [];
  for (const { path, range } of locations.walk(data)) {
    const start = Math.min(range.keyStart, range.valueStart);
    const line = source.position(start).line;
    if (!nodeStarts.has(line)) nodeStarts.set(line, path);
    const opener = source.text[range.valueStart];
    const isTextScalar = opener === '|' || opener === '>' || opener === '"' || opener === "'";
    if (isTextScalar && source.text.slice(range.valueStart, range.valueEnd).includes('\n')) {
      insideScalar.push([range.valueStart, range.valueEnd]);
    }
  }
  const waivers: Waiver[] = [];
  for (let line = 1; line <= lineStarts.length; line++) {
    const text = source.lineText(line);
    if (!text.includes(MARKER)) continue;
    const match = COMMENT_LINE.exec(text);
    if (!match) continue;
    const start = lineStarts[line - 1]!;
    const commentStart = start + text.indexOf('#');
    // A "comment" inside a multi-line scalar is text, not a waiver.
    if (insideScalar.some(([from, to]) => from < commentStart && commentStart < to)) continue;
    const waiver = parseWaiver(match[1]!, commentStart, start + text.length, options);
    waiver.target = nodeAfter(source, line, nodeStarts);
    if (!waiver.problem && !waiver.target) waiver.problem = 'no node follows this waiver: put it on the line just above the node it waives';
    waivers.push(waiver);
  }
  return waivers;
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
  const waiver: Waiver = { ruleIds: [], until: undefined, reason: undefined, start, end, target: undefined, problem: undefined, used: false };
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
  const expected = 'expected: # dbfence-ignore RULE-ID[,RULE-ID] [until=YYYY-MM-DD] reason="why"';
  if (waiver.ruleIds.length === 0) waiver.problem = `the waiver names no rule; ${expected}`;
  else if (stray.length > 0) waiver.problem = `the waiver has unexpected words (${stray.join(' ')}); ${expected}`;
  else if (waiver.ruleIds.some((id) => options.unwaivable.has(id))) {
    waiver.problem = `${waiver.ruleIds.filter((id) => options.unwaivable.has(id)).join(', ')} cannot be waived: fix the file instead`;
  } else if (waiver.ruleIds.some((id) => !options.knownRuleIds.has(id))) {
    waiver.problem = `the waiver names an unknown rule: ${waiver.ruleIds.filter((id) => !options.knownRuleIds.has(id)).join(', ')}`;
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
