import { type Alias, type Document, isAlias, isMap, isPair, isSeq, type Node } from 'yaml';

/**
 * Every alias of one YAML document bound to its anchor, in one walk in source
 * order: an alias names the nearest anchor of that name before it, and an
 * anchored collection is open while its own items are read (so an alias inside
 * it can name it: a cycle). The `yaml` package's Alias.resolve walks the whole
 * document for every alias, which is quadratic in a file of many aliases.
 */
export class DocumentAliases {
  /** Each alias's anchored node; undefined when no anchor of that name comes before it. */
  private readonly targets = new Map<Alias, Node | undefined>();
  /** The aliases written in the document, in source order. */
  readonly written: Alias[] = [];
  /** Every name an anchor gives. */
  readonly anchorNames = new Set<string>();
  /** How many nodes (scalars, collections, aliases; keys included) the document holds, aliases unexpanded. */
  readonly nodeCount: number;
  /** How many nodes the expansion of each node adds; memoised, so counting is linear. */
  private readonly sizes = new Map<Node, number>();

  constructor(doc: Document) {
    const anchors = new Map<string, Node>();
    const pending: unknown[] = [doc.contents];
    let nodeCount = 0;
    while (pending.length > 0) {
      const node = pending.pop();
      if (node !== null && typeof node === 'object' && !isPair(node)) nodeCount++;
      if (isAlias(node)) {
        this.targets.set(node, anchors.get(node.source));
        this.written.push(node);
        continue;
      }
      if (node === null || typeof node !== 'object') continue;
      const anchor = (node as Node).anchor;
      if (anchor !== undefined) {
        anchors.set(anchor, node as Node);
        this.anchorNames.add(anchor);
      }
      if (isPair(node)) pending.push(node.value, node.key);
      else if (isMap(node) || isSeq(node)) for (let i = node.items.length - 1; i >= 0; i--) pending.push(node.items[i]);
    }
    this.nodeCount = nodeCount;
  }

  target(alias: Alias): Node | undefined {
    return this.targets.get(alias);
  }

  /**
   * The written aliases whose expansion passes `budget` nodes, counted in
   * source order without expanding anything: the first one over, and the
   * nodes all of them add (Infinity for an alias that contains itself).
   */
  countExpansion(budget: number): { added: number; over: Alias | undefined } {
    let added = 0;
    for (const alias of this.written) {
      added += this.expansionSize(alias);
      if (added > budget) return { added, over: alias };
    }
    return { added, over: undefined };
  }

  /** The nodes converting `node` yields, following aliases; keys are not nodes of the data. */
  private expansionSize(node: unknown): number {
    if (node === null || typeof node !== 'object') return 0;
    if (isAlias(node)) {
      const target = this.targets.get(node);
      return target === undefined ? 1 : this.expansionSize(target);
    }
    if (!isMap(node) && !isSeq(node)) return 1;
    const known = this.sizes.get(node);
    if (known !== undefined) return known;
    // Marks the collection as being counted: meeting it again inside itself is a cycle.
    this.sizes.set(node, Infinity);
    let size = 1;
    for (const item of node.items) size += this.expansionSize(isPair(item) ? item.value : item);
    this.sizes.set(node, size);
    return size;
  }
}
