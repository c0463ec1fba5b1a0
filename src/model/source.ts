import { LineCounter } from 'yaml';

/** A 1-based line and column, columns counted in UTF-16 code units as editors and SARIF do. */
export interface Position {
  line: number;
  column: number;
}

/** The text of one input file and the means to turn offsets into positions. */
export class SourceFile {
  readonly lineCounter: LineCounter;

  constructor(
    /** The name findings carry: the path as the user gave it, with forward slashes. */
    readonly name: string,
    readonly text: string,
    lineCounter?: LineCounter,
  ) {
    this.lineCounter = lineCounter ?? countLines(text);
  }

  position(offset: number): Position {
    const { line, col } = this.lineCounter.linePos(Math.max(0, Math.min(offset, this.text.length)));
    return { line: Math.max(line, 1), column: Math.max(col, 1) };
  }

  /** The text of a 1-based line, without its line break. */
  lineText(line: number): string {
    const starts = this.lineCounter.lineStarts;
    const start = starts[line - 1];
    if (start === undefined) return '';
    const next = starts[line];
    const end = next === undefined ? this.text.length : next - 1;
    return this.text.slice(start, end).replace(/\r$/, '');
  }

  get lineCount(): number {
    return this.lineCounter.lineStarts.length;
  }
}

/** Builds a LineCounter without parsing, for text that is parsed in pieces or not at all. */
export function countLines(text: string): LineCounter {
  const counter = new LineCounter();
  counter.addNewLine(0);
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) counter.addNewLine(i + 1);
  return counter;
}
