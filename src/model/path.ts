/** A document path: the keys and indexes from the root to a node, as a rule reports it. */
export type DocPath = readonly (string | number)[];

const IDENTIFIER = /^[A-Za-z_$][\w$-]*$/;

/** Formats a path the way the spec's JSON output does: `databases[0].endpoints[1].allow[2].cidr`. */
export function formatPath(path: DocPath): string {
  let out = '';
  for (const segment of path) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else if (IDENTIFIER.test(segment)) out += out === '' ? segment : `.${segment}`;
    else out += `[${JSON.stringify(segment)}]`;
  }
  return out;
}

/** Reads an RFC 6901 JSON Pointer (as ajv reports `instancePath`) into a path, indexes as numbers. */
export function pathFromPointer(pointer: string, data: unknown): (string | number)[] {
  if (pointer === '') return [];
  const path: (string | number)[] = [];
  let node: unknown = data;
  for (const raw of pointer.slice(1).split('/')) {
    const segment = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    const key: string | number = Array.isArray(node) && /^\d+$/.test(segment) ? Number(segment) : segment;
    path.push(key);
    node = node !== null && typeof node === 'object' ? (node as Record<string | number, unknown>)[key] : undefined;
  }
  return path;
}

/** True when `inner` is `outer` or lies inside it. */
export function pathStartsWith(inner: DocPath, outer: DocPath): boolean {
  if (outer.length > inner.length) return false;
  return outer.every((segment, i) => inner[i] === segment);
}
