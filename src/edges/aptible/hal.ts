import { ToolError } from '../../errors.js';

/** A HAL+JSON resource as the Aptible API returns it: fields, `_links` and `_embedded`. */
export interface HalResource {
  _type?: string;
  _links?: Record<string, { href?: unknown } | null | undefined>;
  _embedded?: Record<string, unknown>;
  [field: string]: unknown;
}

function malformed(what: string, detail: string): ToolError {
  return new ToolError(`Aptible API: unexpected response for ${what}: ${detail}`);
}

export function optionalLink(resource: HalResource, rel: string): string | undefined {
  const href = resource._links?.[rel]?.href;
  return typeof href === 'string' && href !== '' ? href : undefined;
}

export function link(resource: HalResource, rel: string, what: string): string {
  const href = optionalLink(resource, rel);
  if (href === undefined) throw malformed(what, `no _links.${rel}`);
  return href;
}

/** The items of one page of a list response (`_embedded.<collection>`). */
export function embeddedList(page: HalResource, collection: string, what: string): HalResource[] {
  const items = page._embedded?.[collection];
  if (!Array.isArray(items)) throw malformed(what, `no _embedded.${collection}`);
  return items.filter((item): item is HalResource => item !== null && typeof item === 'object');
}

export function stringField(resource: HalResource, name: string, what: string): string {
  const value = resource[name];
  if (typeof value !== 'string') throw malformed(what, `${name} is not a string`);
  return value;
}

export function optionalString(resource: HalResource, name: string): string | undefined {
  const value = resource[name];
  return typeof value === 'string' && value !== '' ? value : undefined;
}

export function numberField(resource: HalResource, name: string, what: string): number {
  const value = resource[name];
  if (typeof value !== 'number') throw malformed(what, `${name} is not a number`);
  return value;
}

export function stringList(resource: HalResource, name: string, what: string): string[] {
  const value = resource[name] ?? [];
  if (!Array.isArray(value) || !value.every((item) => typeof item === 'string')) {
    throw malformed(what, `${name} is not a list of strings`);
  }
  return value;
}
