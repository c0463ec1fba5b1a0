import { createServer, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedRequest {
  /** performance.now() when the request arrived, for timing a run from outside. */
  at: number;
  method: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  body: string;
}

export interface FakeComment {
  id: number;
  node_id: string;
  body: string;
  user: { login: string; type: 'Bot' | 'User' };
  html_url: string;
  url: string;
  created_at: string;
  updated_at: string;
}

export interface FakePull {
  number: number;
  head: { sha: string };
  base?: { sha: string };
  merged_at: string | null;
  merge_commit_sha: string | null;
}

type Handler = (match: RegExpExecArray, request: RecordedRequest) => { status: number; body?: unknown; headers?: Record<string, string> };

const NOT_FOUND = { status: 404, body: { message: 'Not Found', documentation_url: 'https://docs.github.com/rest' } };

/**
 * GitHub's REST API for what the Action uses, on node:http, in memory:
 * issue comments (listed with Link-header pagination, created, updated,
 * deleted), file contents at a ref (a folder's listing too), commit comparison over a commit graph,
 * pull requests and the pull requests of a commit, GraphQL's `viewer`. Every
 * request is recorded, body included, so tests can assert what was sent.
 */
export class FakeGitHub {
  readonly requests: RecordedRequest[] = [];
  /** Comments per issue or pull-request number. */
  readonly comments = new Map<number, FakeComment[]>();
  /** File contents by `ref:path`; a folder is every file under `ref:path/`. */
  readonly files = new Map<string, string>();
  /** The commit graph: each commit's parents. */
  readonly parents = new Map<string, string[]>();
  readonly pulls = new Map<number, FakePull>();
  /** Who the token belongs to, as GraphQL's viewer names it. */
  viewer = 'github-actions[bot]';
  /** As the job's token on a fork's pull request: every write is refused. */
  readOnly = false;
  defaultBranch = 'main';
  url = '';
  private nextId = 1000;
  private server: Server | undefined;
  private readonly routes: [string, RegExp, Handler][];

  constructor(readonly owner: string, readonly repo: string, readonly token: string) {
    const repoPath = `/repos/${owner}/${repo}`;
    const r = (pattern: string) => new RegExp(`^${repoPath.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}${pattern}$`);
    this.routes = [
      ['POST', /^\/graphql$/, (_, request) => this.graphql(request)],
      ['GET', r(''), () => ({ status: 200, body: { full_name: `${owner}/${repo}`, default_branch: this.defaultBranch } })],
      ['GET', r('/issues/(\\d+)/comments'), (m, request) => this.listComments(Number(m[1]), request)],
      ['POST', r('/issues/(\\d+)/comments'), (m, request) => this.write(() => this.createComment(Number(m[1]), request))],
      ['PATCH', r('/issues/comments/(\\d+)'), (m, request) => this.write(() => this.updateComment(Number(m[1]), request))],
      ['DELETE', r('/issues/comments/(\\d+)'), (m) => this.write(() => this.deleteComment(Number(m[1])))],
      ['GET', r('/contents/(.+)'), (m, request) => this.contents(decodeURIComponent(m[1]!), request)],
      ['GET', r('/commits/([0-9a-f]+)/pulls'), (m) => ({ status: 200, body: [...this.pulls.values()].filter((pull) => pull.merge_commit_sha === m[1] || pull.head.sha === m[1]).map((pull) => this.pullBody(pull)) })],
      ['GET', r('/compare/([^.]+)\\.\\.\\.(.+)'), (m) => this.compare(m[1]!, m[2]!)],
      ['GET', r('/pulls/(\\d+)'), (m) => {
        const pull = this.pulls.get(Number(m[1]));
        return pull ? { status: 200, body: this.pullBody(pull) } : NOT_FOUND;
      }],
    ];
  }

  async start(): Promise<string> {
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this.url;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  /** A comment as if posted earlier, by `login`. */
  addComment(issue: number, body: string, login = this.viewer): FakeComment {
    const id = this.nextId++;
    const now = new Date().toISOString();
    const comment: FakeComment = {
      id, node_id: `IC_${id}`, body, user: { login, type: login.endsWith('[bot]') ? 'Bot' : 'User' },
      html_url: `https://github.com/${this.owner}/${this.repo}/pull/${issue}#issuecomment-${id}`,
      url: `https://api.github.com/repos/${this.owner}/${this.repo}/issues/comments/${id}`,
      created_at: now, updated_at: now,
    };
    this.comments.set(issue, [...(this.comments.get(issue) ?? []), comment]);
    return comment;
  }

  commentsOn(issue: number): FakeComment[] {
    return this.comments.get(issue) ?? [];
  }

  /** Adds commits to the graph, each the child of the one before (the first of `parent`). */
  addHistory(parent: string | undefined, ...shas: string[]): void {
    let previous = parent;
    for (const sha of shas) {
      this.parents.set(sha, previous ? [previous] : []);
      previous = sha;
    }
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const at = performance.now();
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const url = new URL(req.url ?? '/', this.url);
    const request: RecordedRequest = { at, method: req.method ?? 'GET', path: url.pathname, query: url.searchParams, headers: req.headers, body: Buffer.concat(chunks).toString('utf8') };
    this.requests.push(request);
    let reply: ReturnType<Handler> = NOT_FOUND;
    if (req.headers.authorization !== `token ${this.token}`) reply = { status: 401, body: { message: 'Bad credentials' } };
    else {
      for (const [method, pattern, handler] of this.routes) {
        const match = method === request.method ? pattern.exec(request.path) : null;
        if (match) {
          reply = handler(match, request);
          break;
        }
      }
    }
    const text = typeof reply.body === 'string' ? reply.body : reply.body === undefined ? '' : JSON.stringify(reply.body);
    res.writeHead(reply.status, { 'content-type': 'application/json; charset=utf-8', ...reply.headers });
    res.end(text);
  }

  private write(action: () => ReturnType<Handler>): ReturnType<Handler> {
    if (this.readOnly) return { status: 403, body: { message: 'Resource not accessible by integration' } };
    return action();
  }

  private graphql(request: RecordedRequest): ReturnType<Handler> {
    const { query } = JSON.parse(request.body) as { query: string };
    if (!/\bviewer\b/.test(query)) return { status: 200, body: { errors: [{ message: 'this fake answers viewer only' }] } };
    return { status: 200, body: { data: { viewer: { login: this.viewer } } } };
  }

  private listComments(issue: number, request: RecordedRequest): ReturnType<Handler> {
    const perPage = Number(request.query.get('per_page') ?? 30);
    const page = Number(request.query.get('page') ?? 1);
    const all = this.commentsOn(issue);
    const last = Math.max(1, Math.ceil(all.length / perPage));
    const link = (p: number) => `<${this.url}${request.path}?per_page=${perPage}&page=${p}>`;
    const links = [...(page < last ? [`${link(page + 1)}; rel="next"`, `${link(last)}; rel="last"`] : []), ...(page > 1 ? [`${link(1)}; rel="first"`, `${link(page - 1)}; rel="prev"`] : [])];
    return { status: 200, body: all.slice((page - 1) * perPage, page * perPage), headers: links.length > 0 ? { link: links.join(', ') } : {} };
  }

  private createComment(issue: number, request: RecordedRequest): ReturnType<Handler> {
    const { body } = JSON.parse(request.body) as { body: string };
    const invalid = validateBody(body);
    if (invalid) return invalid;
    return { status: 201, body: this.addComment(issue, body) };
  }

  private updateComment(id: number, request: RecordedRequest): ReturnType<Handler> {
    const comment = [...this.comments.values()].flat().find((c) => c.id === id);
    if (!comment) return NOT_FOUND;
    if (comment.user.login !== this.viewer) return { status: 403, body: { message: 'Resource not accessible by integration' } };
    const { body } = JSON.parse(request.body) as { body: string };
    const invalid = validateBody(body);
    if (invalid) return invalid;
    comment.body = body;
    comment.updated_at = new Date().toISOString();
    return { status: 200, body: comment };
  }

  private deleteComment(id: number): ReturnType<Handler> {
    for (const [issue, list] of this.comments) {
      const comment = list.find((c) => c.id === id);
      if (!comment) continue;
      if (comment.user.login !== this.viewer) return { status: 403, body: { message: 'Resource not accessible by integration' } };
      this.comments.set(issue, list.filter((c) => c.id !== id));
      return { status: 204 };
    }
    return NOT_FOUND;
  }

  private contents(path: string, request: RecordedRequest): ReturnType<Handler> {
    const ref = request.query.get('ref') ?? this.defaultBranch;
    const text = this.files.get(`${ref}:${path}`);
    if (text === undefined) return this.folder(ref, path.replace(/\/$/, ''));
    // As GitHub: the raw media type gets the bytes, the default a JSON object with base64 content.
    if (String(request.headers.accept).includes('raw')) return { status: 200, body: text, headers: { 'content-type': 'text/plain; charset=utf-8' } };
    return { status: 200, body: { type: 'file', encoding: 'base64', path, content: Buffer.from(text).toString('base64') } };
  }

  /** As GitHub lists a folder: its direct entries, files and folders, each with its type. */
  private folder(ref: string, path: string): ReturnType<Handler> {
    const prefix = `${ref}:${path}/`;
    const entries = new Map<string, 'file' | 'dir'>();
    for (const key of this.files.keys()) {
      if (!key.startsWith(prefix)) continue;
      const [name, ...deeper] = key.slice(prefix.length).split('/');
      entries.set(name!, deeper.length > 0 ? 'dir' : 'file');
    }
    if (entries.size === 0) return NOT_FOUND;
    const body = [...entries].sort(([a], [b]) => a.localeCompare(b)).map(([name, type]) => ({
      type, name, path: `${path}/${name}`, size: type === 'file' ? Buffer.byteLength(this.files.get(`${prefix}${name}`)!) : 0,
    }));
    return { status: 200, body };
  }

  private compare(base: string, head: string): ReturnType<Handler> {
    if (!this.parents.has(base) || !this.parents.has(head)) return NOT_FOUND;
    const status = base === head ? 'identical'
      : this.ancestors(head).has(base) ? 'ahead'
        : this.ancestors(base).has(head) ? 'behind' : 'diverged';
    return { status: 200, body: { status, ahead_by: 0, behind_by: 0, total_commits: 0, commits: [], files: [] } };
  }

  private ancestors(sha: string): Set<string> {
    const seen = new Set<string>();
    const queue = [...(this.parents.get(sha) ?? [])];
    while (queue.length > 0) {
      const next = queue.pop()!;
      if (seen.has(next)) continue;
      seen.add(next);
      queue.push(...(this.parents.get(next) ?? []));
    }
    return seen;
  }

  private pullBody(pull: FakePull) {
    return { ...pull, html_url: `https://github.com/${this.owner}/${this.repo}/pull/${pull.number}`, state: pull.merged_at ? 'closed' : 'open' };
  }
}

function validateBody(body: unknown): ReturnType<Handler> | undefined {
  if (typeof body !== 'string' || body === '') return { status: 422, body: { message: 'Validation Failed', errors: [{ resource: 'IssueComment', code: 'missing_field', field: 'body' }] } };
  if (body.length > 65_536) {
    return { status: 422, body: { message: 'Validation Failed', errors: [{ resource: 'IssueComment', code: 'custom', field: 'body', message: 'body is too long (maximum is 65536 characters)' }] } };
  }
  return undefined;
}
