import { isIP } from 'node:net';
import { ToolError } from '../errors.js';

/** Where a connection to `hostname:port` really goes; TLS still verifies `hostname`. */
export interface Target {
  hostname: string;
  port: number;
  /** The address (or host) the TCP connection is made to. */
  address: string;
  connectPort: number;
}

/**
 * `--resolve HOST:PORT:ADDRESS` (as curl's, and libpq's `hostaddr`) and
 * `--connect-to HOST:PORT:ADDRESS:PORT2` (as curl's) send connections for a
 * name to another address, and port; an IPv6 address goes in brackets.
 */
export class Targets {
  private readonly overrides = new Map<string, { address: string; port: number }>();

  static parse(resolve: readonly string[], connectTo: readonly string[]): Targets {
    const targets = new Targets();
    for (const text of resolve) {
      const [host, port, address] = splitOverride(text, '--resolve', 3);
      targets.set(host!, port!, address!, port!);
    }
    for (const text of connectTo) {
      const [host, port, address, toPort] = splitOverride(text, '--connect-to', 4);
      targets.set(host!, port!, address!, toPort!);
    }
    return targets;
  }

  private set(host: string, port: string, address: string, toPort: string): void {
    this.overrides.set(`${host.toLowerCase()}:${portNumber(port)}`, { address, port: portNumber(toPort) });
  }

  target(hostname: string, port: number): Target {
    const override = this.overrides.get(`${hostname.toLowerCase()}:${port}`);
    return { hostname, port, address: override?.address ?? hostname, connectPort: override?.port ?? port };
  }
}

function splitOverride(text: string, flag: string, parts: number): string[] {
  const form = parts === 3 ? 'HOST:PORT:ADDRESS' : 'HOST:PORT:ADDRESS:PORT2';
  const fields: string[] = [];
  let rest = text;
  while (rest !== '') {
    const bracketed = rest.startsWith('[') ? /^\[([^\]]*)\](?::|$)/.exec(rest) : null;
    if (bracketed) {
      fields.push(bracketed[1]!);
      rest = rest.slice(bracketed[0].length);
    } else {
      const colon = rest.indexOf(':');
      fields.push(colon === -1 ? rest : rest.slice(0, colon));
      rest = colon === -1 ? '' : rest.slice(colon + 1);
    }
  }
  if (fields.length !== parts || fields.some((field) => field === '')) throw new ToolError(`${flag} takes ${form}, not "${text}"`);
  const address = fields[2]!;
  if (isIP(address) === 0 && !/^[a-z0-9.-]+$/i.test(address)) throw new ToolError(`${flag}: "${address}" is not an address or host name`);
  return fields;
}

function portNumber(text: string): number {
  const port = Number(text);
  if (!/^\d{1,5}$/.test(text) || port < 1 || port > 65_535) throw new ToolError(`"${text}" is not a port from 1 to 65535`);
  return port;
}
