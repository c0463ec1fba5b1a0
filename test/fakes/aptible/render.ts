import type { FakeAccount, FakeDatabase, FakeOperation, FakeService, FakeVhost } from './model.js';

/**
 * HAL+JSON bodies shaped like the OpenAPI schemas (`account`, `database`,
 * `service`, `vhost`, `operation`, `List*_200_response`), with absolute hrefs
 * built from the fake's own base URL, as the real API does.
 */
export class HalRenderer {
  constructor(private readonly base: string) {}

  href(path: string): { href: string } {
    return { href: `${this.base}${path}` };
  }

  account(account: FakeAccount): object {
    const path = `/accounts/${account.id}`;
    return {
      id: account.id, _type: 'account', handle: account.handle, name: account.handle, type: 'production',
      activated: true, number: `${account.id}`, syslog_host: null, syslog_port: null,
      ca_body: account.caBody, created_at: '2026-01-01T00:00:00.000Z', updated_at: '2026-01-01T00:00:00.000Z',
      _links: {
        self: this.href(path), stack: this.href('/stacks/1'), apps: this.href(`${path}/apps`),
        databases: this.href(`${path}/databases`), services: this.href(`${path}/services`),
        operations: this.href(`${path}/operations`), vhosts: this.href(`${path}/vhosts`),
        certificates: this.href(`${path}/certificates`),
      },
    };
  }

  database(database: FakeDatabase, options: { embed: boolean; sensitive: boolean }): object {
    const path = `/databases/${database.id}`;
    const links: Record<string, { href: string }> = {
      self: this.href(path), account: this.href(`/accounts/${database.accountId}`),
      operations: this.href(`${path}/operations`), backups: this.href(`${path}/backups`),
      database_credentials: this.href(`${path}/database_credentials`),
    };
    // A database that is not provisioned has no service link (CLI: "Database is not provisioned").
    if (database.serviceId !== undefined) links.service = this.href(`/services/${database.serviceId}`);
    return {
      id: database.id, _type: 'database', handle: database.handle, type: database.type,
      provisioned: database.status === 'provisioned', status: database.status,
      connection_url: options.sensitive ? database.connectionUrl : null,
      port_mapping: [[5432, 5432]], docker_repo: `quay.io/aptible/${database.type}`,
      created_at: '2026-01-01T00:00:00.000Z', updated_at: '2026-01-01T00:00:00.000Z',
      ...(options.embed ? { _embedded: { last_operation: null, disk: null, database_credentials: [] } } : {}),
      _links: links,
    };
  }

  service(service: FakeService): object {
    const path = `/services/${service.id}`;
    return {
      id: service.id, _type: 'service', handle: service.handle, process_type: service.databaseId ? 'postgresql' : 'web',
      command: null, container_count: 1, container_memory_limit_mb: 1024,
      created_at: '2026-01-01T00:00:00.000Z', updated_at: '2026-01-01T00:00:00.000Z',
      _links: {
        self: this.href(path), account: this.href(`/accounts/${service.accountId}`),
        operations: this.href(`${path}/operations`), vhosts: this.href(`${path}/vhosts`),
        ...(service.databaseId !== undefined ? { database: this.href(`/databases/${service.databaseId}`) } : {}),
        ...(service.appId !== undefined ? { app: this.href(`/apps/${service.appId}`) } : {}),
      },
    };
  }

  vhost(vhost: FakeVhost): object {
    const path = `/vhosts/${vhost.id}`;
    return {
      id: vhost.id, _type: 'vhost', type: vhost.type, platform: 'elb', internal: vhost.internal,
      ip_whitelist: vhost.ipWhitelist, status: vhost.status,
      external_host: vhost.externalHost, virtual_domain: vhost.externalHost,
      container_port: null, container_ports: [], container_exposed_ports: null, host_mapped_ports: null,
      default: false, acme: false, acme_status: null, user_domain: null,
      elastic_load_balancer_name: null, security_group_id: null, internal_host: null,
      shared: false, created_at: vhost.createdAt, updated_at: vhost.updatedAt,
      _links: {
        self: this.href(path), service: this.href(`/services/${vhost.serviceId}`),
        operations: this.href(`${path}/operations`),
      },
    };
  }

  operation(operation: FakeOperation): object {
    const path = `/operations/${operation.id}`;
    return {
      id: operation.id, _type: 'operation', type: operation.type, status: operation.status,
      cancelled: false, aborted: false, handle: null, created_at: operation.createdAt, updated_at: operation.updatedAt,
      _links: {
        self: this.href(path), account: this.href(`/accounts/${operation.accountId}`),
        resource: this.href(`/${operation.target.kind === 'vhost' ? 'vhosts' : 'databases'}/${operation.target.id}`),
        logs: this.href(`${path}/logs`),
      },
    };
  }

  /** One page of a list, with `next`/`prev` links that keep the query. */
  page(url: URL, collection: string, items: object[], maxPerPage: number, parent?: Record<string, { href: string }>): object {
    const requested = Number(url.searchParams.get('per_page') ?? maxPerPage);
    const perPage = Math.max(1, Math.min(Number.isFinite(requested) ? requested : maxPerPage, maxPerPage));
    const current = Math.max(1, Number(url.searchParams.get('page') ?? 1) || 1);
    const pageHref = (page: number) => {
      const link = new URL(url.href);
      link.searchParams.set('page', String(page));
      return { href: `${this.base}${link.pathname}${link.search}` };
    };
    const links: Record<string, { href: string }> = { self: pageHref(current), ...parent };
    if (current * perPage < items.length) links.next = pageHref(current + 1);
    if (current > 1) links.prev = pageHref(current - 1);
    return {
      _embedded: { [collection]: items.slice((current - 1) * perPage, current * perPage) },
      total_count: items.length, per_page: perPage, current_page: current, _links: links,
    };
  }
}
