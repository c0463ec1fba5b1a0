import type { DocPath } from './path.js';

/** Source offsets of one child of a mapping or sequence. */
export interface ChildRange {
  keyStart: number;
  keyEnd: number;
  valueStart: number;
  valueEnd: number;
}

export interface OffsetRange {
  start: number;
  end: number;
}

/**
 * Maps document paths to source offsets. Rules report paths; this index is the
 * one place that turns them into positions (as Spectral does), so no rule ever
 * deals with lines or columns.
 */
export class LocationIndex {
  private readonly children = new WeakMap<object, Map<string, ChildRange> | ChildRange[]>();

  constructor(readonly root: OffsetRange) {}

  recordMapChild(container: object, key: string, range: ChildRange): void {
    let entries = this.children.get(container);
    if (!entries) this.children.set(container, (entries = new Map()));
    (entries as Map<string, ChildRange>).set(key, range);
  }

  recordSeqItem(container: unknown[], index: number, range: ChildRange): void {
    let entries = this.children.get(container);
    if (!entries) this.children.set(container, (entries = []));
    (entries as ChildRange[])[index] = range;
  }

  child(container: object, key: string | number): ChildRange | undefined {
    const entries = this.children.get(container);
    if (!entries) return undefined;
    return Array.isArray(entries) ? entries[key as number] : entries.get(String(key));
  }

  /** The keys recorded for a mapping, in source order. */
  keysOf(container: object): string[] {
    const entries = this.children.get(container);
    return entries instanceof Map ? [...entries.keys()] : [];
  }

  /**
   * The range of the deepest node along `path` that exists. With `at: 'key'`
   * a mapping entry resolves to its key rather than its value. Paths that run
   * past the data (a missing property) resolve to the nearest existing parent.
   */
  locate(data: unknown, path: DocPath, at: 'key' | 'value' = 'value'): OffsetRange {
    let node = data;
    let found: OffsetRange = this.root;
    for (let i = 0; i < path.length; i++) {
      if (node === null || typeof node !== 'object') break;
      const segment = path[i]!;
      const range = this.child(node, segment);
      if (!range) break;
      const last = i === path.length - 1;
      const value = (node as Record<string | number, unknown>)[segment];
      const isCollection = value !== null && typeof value === 'object';
      // A mapping or sequence under a key is best shown at its key; a scalar at its value.
      const useKey = range.keyStart !== range.valueStart && (last ? at === 'key' || isCollection : false);
      found = useKey ? { start: range.keyStart, end: range.keyEnd } : { start: range.valueStart, end: range.valueEnd };
      node = value;
    }
    return found;
  }

  /** Visits every recorded node below `data` with its path, depth first in source order. */
  *walk(data: unknown, path: (string | number)[] = []): Generator<{ path: (string | number)[]; range: ChildRange }> {
    if (data === null || typeof data !== 'object') return;
    const entries = this.children.get(data);
    if (!entries) return;
    const pairs: [string | number, ChildRange][] = Array.isArray(entries)
      ? entries.map((range, index) => [index, range] as [number, ChildRange])
      : [...entries];
    for (const [key, range] of pairs) {
      if (!range) continue;
      const childPath = [...path, key];
      yield { path: childPath, range };
      yield* this.walk((data as Record<string | number, unknown>)[key], childPath);
    }
  }
}
