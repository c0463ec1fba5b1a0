/**
 * The state of the fake Aptible Deploy API and how operations change it, as
 * described in shared/research/aptible-api.md (§2, §5): environments
 * ("accounts"), databases with one service each, endpoints ("vhosts") on
 * services, and operations that move queued → running → succeeded | failed
 * as they are polled.
 */

export interface FakeAccount {
  id: number;
  handle: string;
  caBody: string | null;
}

export interface FakeDatabase {
  id: number;
  accountId: number;
  handle: string;
  type: string;
  status: string;
  serviceId: number | undefined;
  /** What the served certificate names: the endpoint hostnames as of the last restart. */
  certificateHostnames: string[];
  /** Shown only when a request asks for sensitive extras. */
  connectionUrl: string;
}

export interface FakeService {
  id: number;
  accountId: number;
  handle: string;
  databaseId: number | undefined;
  appId: number | undefined;
}

export interface FakeVhost {
  id: number;
  serviceId: number;
  type: string;
  internal: boolean;
  ipWhitelist: string[];
  status: string;
  externalHost: string | null;
  createdAt: string;
  updatedAt: string;
}

/** How an operation ends: `hang` stays queued forever. */
export type OperationOutcome = 'succeed' | 'fail' | 'hang';

export interface FakeOperation {
  id: number;
  accountId: number;
  type: string;
  status: 'queued' | 'running' | 'succeeded' | 'failed';
  target: { kind: 'vhost' | 'database'; id: number };
  outcome: OperationOutcome;
  polls: number;
  createdAt: string;
  updatedAt: string;
}

const TIMESTAMP = '2026-01-01T00:00:00.000Z';

export class FakeAptibleModel {
  readonly accounts = new Map<number, FakeAccount>();
  readonly databases = new Map<number, FakeDatabase>();
  readonly services = new Map<number, FakeService>();
  readonly vhosts = new Map<number, FakeVhost>();
  readonly operations = new Map<number, FakeOperation>();
  /** Decides each new operation's fate; tests replace it. */
  operationOutcome: (operation: Pick<FakeOperation, 'type' | 'target'>) => OperationOutcome = () => 'succeed';
  /** Polls of GET /operations/:id until an operation ends (the first one moves it to running). */
  pollsToFinish = 2;
  private nextId = 1;

  addEnvironment(handle: string, caBody: string | null = null): FakeAccount {
    const account = { id: this.nextId++, handle, caBody };
    this.accounts.set(account.id, account);
    return account;
  }

  addDatabase(account: FakeAccount, handle: string, options: { type?: string; provisioned?: boolean } = {}): FakeDatabase {
    const provisioned = options.provisioned ?? true;
    const id = this.nextId++;
    const type = options.type ?? 'postgresql';
    const serviceId = provisioned ? this.addService(account, handle, { databaseId: id }).id : undefined;
    const database: FakeDatabase = {
      id, accountId: account.id, handle, type, status: provisioned ? 'provisioned' : 'pending', serviceId,
      certificateHostnames: [], connectionUrl: `${type}://aptible:fake-db-password-${id}@db-${id}.aptible.in:5432/db`,
    };
    this.databases.set(id, database);
    return database;
  }

  /** An app's web service, whose endpoints are not database endpoints. */
  addApp(account: FakeAccount, handle: string): FakeService {
    return this.addService(account, handle, { appId: this.nextId++ });
  }

  addEndpoint(
    owner: FakeDatabase | FakeService,
    options: { ipWhitelist?: string[]; internal?: boolean; status?: string; type?: string } = {},
  ): FakeVhost {
    const serviceId = 'serviceId' in owner ? owner.serviceId : owner.id;
    if (serviceId === undefined) throw new Error('the database has no service');
    const id = this.nextId++;
    const status = options.status ?? 'provisioned';
    const vhost: FakeVhost = {
      id, serviceId, type: options.type ?? 'tcp', internal: options.internal ?? false,
      ipWhitelist: options.ipWhitelist ?? [], status,
      externalHost: status === 'provisioned' ? this.hostnameFor(id) : null,
      createdAt: TIMESTAMP, updatedAt: TIMESTAMP,
    };
    this.vhosts.set(id, vhost);
    return vhost;
  }

  createVhost(service: FakeService, fields: { type: string; internal: boolean; ipWhitelist: string[] }): FakeVhost {
    return this.addEndpoint(service, { ...fields, status: 'pending' });
  }

  endpointsOf(database: FakeDatabase): FakeVhost[] {
    return [...this.vhosts.values()].filter((vhost) => vhost.serviceId === database.serviceId);
  }

  startOperation(accountId: number, type: string, target: FakeOperation['target']): FakeOperation {
    const operation: FakeOperation = {
      id: this.nextId++, accountId, type, status: 'queued', target,
      outcome: this.operationOutcome({ type, target }), polls: 0, createdAt: TIMESTAMP, updatedAt: TIMESTAMP,
    };
    this.operations.set(operation.id, operation);
    return operation;
  }

  /** One poll of an operation: it starts, then ends after `pollsToFinish` polls. */
  advance(operation: FakeOperation): void {
    if (operation.outcome === 'hang' || operation.status === 'succeeded' || operation.status === 'failed') return;
    operation.polls += 1;
    if (operation.status === 'queued') {
      operation.status = 'running';
      this.onRunning(operation);
    }
    if (operation.polls >= this.pollsToFinish) {
      operation.status = operation.outcome === 'succeed' ? 'succeeded' : 'failed';
      this.onFinished(operation);
    }
  }

  private addService(account: FakeAccount, handle: string, owner: { databaseId?: number; appId?: number }): FakeService {
    const service: FakeService = { id: this.nextId++, accountId: account.id, handle, databaseId: owner.databaseId, appId: owner.appId };
    this.services.set(service.id, service);
    return service;
  }

  private hostnameFor(vhostId: number): string {
    return `elb-fake-stack-${vhostId}.aptible.in`;
  }

  private onRunning(operation: FakeOperation): void {
    const vhost = operation.target.kind === 'vhost' ? this.vhosts.get(operation.target.id) : undefined;
    if (vhost && operation.type === 'provision') vhost.status = 'provisioning';
    if (vhost && operation.type === 'deprovision') vhost.status = 'deprovisioning';
  }

  private onFinished(operation: FakeOperation): void {
    const succeeded = operation.status === 'succeeded';
    if (operation.target.kind === 'database') {
      const database = this.databases.get(operation.target.id);
      if (database && succeeded && operation.type === 'restart') {
        database.certificateHostnames = this.endpointsOf(database)
          .filter((vhost) => vhost.status === 'provisioned' && vhost.externalHost !== null)
          .map((vhost) => vhost.externalHost!);
      }
      return;
    }
    const vhost = this.vhosts.get(operation.target.id);
    if (!vhost) return;
    if (operation.type === 'provision') {
      vhost.status = succeeded ? 'provisioned' : 'provision_failed';
      if (succeeded) vhost.externalHost ??= this.hostnameFor(vhost.id);
    } else if (operation.type === 'deprovision') {
      if (succeeded) this.vhosts.delete(vhost.id);
      else vhost.status = 'deprovision_failed';
    }
  }
}
