import ipaddr from 'ipaddr.js';
import { ToolError } from '../errors.js';

/**
 * Where a provider may send its credential: the one origin its `apiUrl`
 * names, over https, or over plain http to a loopback address only (a local
 * stand-in for the API). Checked before any secret is read, so a file that
 * points elsewhere never even loads the credential. `setting` names the
 * setting in messages (`provider.apiUrl`).
 */
export function credentialDestination(apiUrl: string, setting: string): URL {
  let url: URL;
  try {
    // A trailing slash makes request paths resolve under any path prefix of the URL.
    url = new URL(apiUrl.endsWith('/') ? apiUrl : `${apiUrl}/`);
  } catch {
    throw new ToolError(`${setting}: ${apiUrl} is not a URL`);
  }
  if (url.username !== '' || url.password !== '') throw new ToolError(`${setting}: the URL must not carry a user or password; credentials are given as secret references`);
  if (url.protocol === 'https:') return url;
  if (url.protocol === 'http:' && isLoopback(url.hostname)) return url;
  const why = url.protocol === 'http:' ? `plain http is allowed only to a loopback address (127.0.0.0/8, ::1), and ${url.hostname} is not one` : `${url.protocol} is not https`;
  throw new ToolError(`${setting}: refusing to send the credential to ${url.origin}: ${why}`);
}

/**
 * A URL the API handed back (a link, a page) resolved against the
 * destination; on any other origin it is refused, since following it would
 * send the credential there.
 */
export function sameDestination(destination: URL, target: string, api: string): URL {
  let url: URL;
  try {
    url = new URL(target.replace(/^\//, ''), destination);
  } catch {
    throw new ToolError(`${api}: cannot read the link ${JSON.stringify(target)}`);
  }
  if (url.origin !== destination.origin) {
    throw new ToolError(`${api}: a link points to ${url.origin}, outside ${destination.origin}; refusing to send the credential there`);
  }
  return url;
}

/**
 * The message for a redirect, which is never followed: the credential goes
 * only to the destination, and a redirect even to the same host may downgrade
 * the scheme or change the port.
 */
export function redirectRefusal(api: string, label: string, status: number, location: string | null, destination: URL): string {
  let where = '';
  if (location !== null && URL.canParse(location, destination.href)) {
    const target = new URL(location, destination);
    where = target.origin === destination.origin ? ` to ${target.pathname}` : ` to ${target.origin}`;
  }
  return `${api}: ${label} was redirected (${status})${where}; redirects are not followed with the credential: set provider.apiUrl to the API's own address`;
}

function isLoopback(hostname: string): boolean {
  const literal = hostname.replace(/^\[(.*)\]$/, '$1');
  if (!ipaddr.isValid(literal)) return false;
  // ipaddr.process reads an IPv4-mapped IPv6 address (::ffff:127.0.0.1) as the IPv4 address it is.
  return ipaddr.process(literal).range() === 'loopback';
}
