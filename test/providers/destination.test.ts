import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AptibleClient } from '../../src/edges/aptible/http.js';
import { credentialDestination, sameDestination } from '../../src/providers/destination.js';
import { DEFAULT_OPTIONS } from '../../src/edges/skysql/options.js';
import { SkysqlHttp } from '../../src/edges/skysql/http.js';
import { DEFAULT_TIMINGS } from '../../src/edges/aptible/timings.js';

describe('where a provider may send its credential', () => {
  it('accepts https anywhere and plain http to a loopback address only', () => {
    expect(credentialDestination('https://api.aptible.com', 'provider.apiUrl').href).toBe('https://api.aptible.com/');
    for (const url of ['http://127.0.0.1:8080', 'http://127.9.9.9', 'http://[::1]:9000/v1', 'http://[::ffff:127.0.0.1]']) {
      expect(() => credentialDestination(url, 'provider.apiUrl')).not.toThrow();
    }
  });

  it('refuses plain http to any other host, other schemes, and URLs carrying a password, in one line', () => {
    expect(() => credentialDestination('http://198.51.100.7', 'provider.apiUrl')).toThrow(
      'provider.apiUrl: refusing to send the credential to http://198.51.100.7: plain http is allowed only to a loopback address (127.0.0.0/8, ::1), and 198.51.100.7 is not one',
    );
    expect(() => credentialDestination('http://localhost:8080', 'provider.apiUrl')).toThrow(/localhost is not one/);
    expect(() => credentialDestination('http://10.0.0.1', 'provider.apiUrl')).toThrow(/10\.0\.0\.1 is not one/);
    expect(() => credentialDestination('ftp://api.example.com', 'provider.apiUrl')).toThrow(/ftp: is not https/);
    expect(() => credentialDestination('https://u:p@api.example.com', 'provider.apiUrl')).toThrow(/must not carry a user or password/);
    expect(() => credentialDestination('not a url', 'provider.apiUrl')).toThrow('provider.apiUrl: not a url is not a URL');
  });

  it('keeps links on the destination\'s origin', () => {
    const base = credentialDestination('https://api.example.com/v1', 'provider.apiUrl');
    expect(sameDestination(base, '/accounts?page=2', 'API').href).toBe('https://api.example.com/v1/accounts?page=2');
    expect(() => sameDestination(base, 'https://attacker.example/x', 'API')).toThrow('API: a link points to https://attacker.example, outside https://api.example.com; refusing to send the credential there');
    expect(() => sameDestination(base, 'http://api.example.com/x', 'API')).toThrow(/outside/);
  });
});

// A listener that redirects every request to another loopback listener, which records what reaches it.
let redirector: Server;
let elsewhere: Server;
const reached: string[] = [];
let redirectorUrl = '';
beforeAll(async () => {
  elsewhere = createServer((req, res) => {
    reached.push(`${req.method} ${req.url} ${JSON.stringify(req.headers)}`);
    res.end('{}');
  });
  await new Promise<void>((resolve) => elsewhere.listen(0, '127.0.0.1', resolve));
  const target = `http://127.0.0.2:${(elsewhere.address() as AddressInfo).port}`;
  redirector = createServer((req, res) => {
    res.writeHead(307, { location: `${target}${req.url}` });
    res.end();
  });
  await new Promise<void>((resolve) => redirector.listen(0, '127.0.0.1', resolve));
  redirectorUrl = `http://127.0.0.1:${(redirector.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise((resolve) => redirector.close(resolve));
  await new Promise((resolve) => elsewhere.close(resolve));
});

describe('redirects', () => {
  it('are not followed with the Aptible token nor with the SkySQL key', async () => {
    const aptible = new AptibleClient({
      apiUrl: redirectorUrl, token: () => 'aptible-token-secret', tokenSource: 'test', userAgent: 'test',
      timings: DEFAULT_TIMINGS, sleep: async () => {}, now: () => new Date(), log: () => {},
    });
    await expect(aptible.get('/accounts')).rejects.toThrow(/^Aptible API: GET \/accounts was redirected \(307\) to http:\/\/127\.0\.0\.2:\d+; redirects are not followed with the credential/);
    const skysql = new SkysqlHttp({ baseUrl: redirectorUrl, apiKey: () => 'skysql-key-secret', keySource: 'test', options: DEFAULT_OPTIONS, now: () => new Date(), log: () => {} });
    await expect(skysql.request('GET', '/provisioning/v1/services')).rejects.toThrow(/^SkySQL API: GET \/provisioning\/v1\/services was redirected \(307\) to http:\/\/127\.0\.0\.2:\d+/);
    expect(reached).toEqual([]);
  });
});
