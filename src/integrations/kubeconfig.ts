// Where the Kubernetes API is and who we are to it: a kubeconfig (as kubectl reads it) or the in-cluster
// service account. Read with `yaml`, not @kubernetes/client-node, whose KubeConfig loads all its generated
// models (~70 MB and ~1 s of CPU at start). The semantics follow client-go's clientcmd: `-data` fields win
// over files, relative paths resolve against the kubeconfig's directory, a token file wins over a token and
// is read again on every request (bound service-account tokens rotate), CA and client certificate files are
// read again when they change (a stat a request), exec plugins' credentials are kept until they expire.
import { spawn } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { isIPv6 } from 'node:net';
import { basename, delimiter, dirname, isAbsolute, join, resolve } from 'node:path';
import YAML from 'yaml';

/** The kubeconfig cannot be used as written: the message names the file, the entry and the field. */
export class KubeconfigError extends Error {
  override readonly name = 'KubeconfigError';
}

/**
 * The kubeconfig's credentials could not be obtained (an exec plugin failed or hung, a token file is
 * unreadable). The message says what failed in our words only: a plugin's output and stderr can hold
 * tokens or login URLs, so they are never part of it.
 */
export class KubeCredentialsError extends Error {}

/** What goes with one request: its auth headers and the TLS options of the connection. */
export interface RequestCredentials {
  headers: Record<string, string>;
  tls: TlsOptions;
}

export interface TlsOptions {
  ca?: string | Buffer;
  cert?: string | Buffer;
  key?: string | Buffer;
  rejectUnauthorized: boolean;
  servername?: string;
}

/** A file, or its contents (`-data`, base64 in the kubeconfig). */
type Source = { file: string } | { data: Buffer };

interface Cluster {
  server: string;
  ca?: Source;
  insecureSkipTlsVerify: boolean;
  tlsServerName?: string;
  proxyUrl?: string;
  /** extensions[client.authentication.k8s.io/exec].extension, for exec plugins that ask for cluster info. */
  execExtension?: unknown;
}

interface ExecConfig {
  apiVersion: string;
  command: string;
  args: string[];
  env: { name: string; value: string }[];
  provideClusterInfo: boolean;
  installHint?: string;
}

interface User {
  token?: string;
  tokenFile?: string;
  cert?: Source;
  key?: Source;
  basic?: { username: string; password: string };
  exec?: ExecConfig;
}

/** The credential an exec plugin printed, kept until it expires. */
interface ExecCredential {
  token?: string;
  cert?: string;
  key?: string;
  expiresAt?: number;
}

const EXEC_API_VERSIONS = ['client.authentication.k8s.io/v1', 'client.authentication.k8s.io/v1beta1'];
/** An exec plugin's answer is a small JSON document; more is not read. */
const MAX_EXEC_OUTPUT = 1024 * 1024;

/** The API server, context and user in use, and the credentials for each request. */
export class KubeAccess {
  private readonly pemFiles = new ChangedFiles();
  private execCredential: ExecCredential | undefined;
  private execRunning: Promise<ExecCredential> | undefined;

  constructor(
    readonly contextName: string,
    readonly userName: string,
    private readonly cluster: Cluster,
    private readonly user: User,
    /** The context's namespace, when it names one. */
    readonly namespace?: string,
  ) {}

  get server(): string {
    return this.cluster.server;
  }

  get proxyUrl(): string | undefined {
    return this.cluster.proxyUrl;
  }

  /**
   * Headers and TLS for one request, read afresh: token files are read again, CA and client certificate files
   * when they changed (renewed by cert-manager, a Secret's mount swapped), an exec plugin is run again once its
   * credential has expired (killed if it takes longer than `timeoutMs`).
   */
  async credentials(timeoutMs: number): Promise<RequestCredentials> {
    const { cluster, user } = this;
    const tls: TlsOptions = { rejectUnauthorized: !cluster.insecureSkipTlsVerify };
    if (cluster.tlsServerName !== undefined) tls.servername = cluster.tlsServerName;
    const headers: Record<string, string> = {};
    const what = `kubeconfig user "${this.userName}"`;
    const pem = this.pemFiles;
    if (cluster.ca !== undefined)
      tls.ca = await read(cluster.ca, `the certificate authority of cluster at ${cluster.server}`, pem);
    if (user.cert !== undefined) tls.cert = await read(user.cert, `the client certificate of ${what}`, pem);
    if (user.key !== undefined) tls.key = await read(user.key, `the client key of ${what}`, pem);
    if (user.tokenFile !== undefined) {
      const token = (await read({ file: user.tokenFile }, `the token file of ${what}`)).toString('utf8').trim();
      headers.Authorization = `Bearer ${token}`;
    } else if (user.token !== undefined) headers.Authorization = `Bearer ${user.token}`;
    else if (user.basic !== undefined)
      headers.Authorization = `Basic ${Buffer.from(`${user.basic.username}:${user.basic.password}`).toString('base64')}`;
    if (user.exec !== undefined) {
      const credential = await this.execCredentialFor(user.exec, timeoutMs);
      if (credential.token !== undefined) headers.Authorization = `Bearer ${credential.token}`;
      if (credential.cert !== undefined && credential.key !== undefined) {
        tls.cert = credential.cert;
        tls.key = credential.key;
      }
    }
    return { headers, tls };
  }

  /** The plugin's credential while it is valid; one run at a time however many requests wait for it. */
  private execCredentialFor(exec: ExecConfig, timeoutMs: number): Promise<ExecCredential> {
    const cached = this.execCredential;
    if (cached !== undefined && (cached.expiresAt === undefined || cached.expiresAt > Date.now()))
      return Promise.resolve(cached);
    this.execRunning ??= runExecPlugin(exec, this.execInfo(exec), timeoutMs)
      .then((credential) => (this.execCredential = credential))
      .finally(() => (this.execRunning = undefined));
    return this.execRunning;
  }

  /** KUBERNETES_EXEC_INFO: never interactive; the cluster when the plugin asks for it. */
  private execInfo(exec: ExecConfig): string {
    const { cluster } = this;
    const spec: Record<string, unknown> = { interactive: false };
    if (exec.provideClusterInfo) {
      spec.cluster = {
        server: cluster.server,
        ...(cluster.tlsServerName !== undefined ? { 'tls-server-name': cluster.tlsServerName } : {}),
        ...(cluster.insecureSkipTlsVerify ? { 'insecure-skip-tls-verify': true } : {}),
        ...(cluster.ca !== undefined
          ? { 'certificate-authority-data': readSourceSync(cluster.ca).toString('base64') }
          : {}),
        ...(cluster.proxyUrl !== undefined ? { 'proxy-url': cluster.proxyUrl } : {}),
        ...(cluster.execExtension !== undefined ? { config: cluster.execExtension } : {}),
      };
    }
    return JSON.stringify({ apiVersion: exec.apiVersion, kind: 'ExecCredential', spec });
  }
}

/**
 * The kubeconfig at `path`, or several separated by `:` as KUBECONFIG allows (merged as kubectl merges
 * them: the first file to name a cluster, user or context, or to set current-context, wins).
 */
export function kubeAccessFromFile(path: string): KubeAccess {
  const files = path.split(delimiter).filter((p) => p !== '');
  if (files.length === 0) throw new KubeconfigError('KUBECONFIG is empty');
  const parsed = files.map((file) => {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (error) {
      throw new KubeconfigError(
        `kubeconfig ${file} cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'})`,
      );
    }
    return parseKubeconfig(text, dirname(resolve(file)), file);
  });
  return accessOf(mergeKubeconfigs(parsed), files.join(delimiter));
}

/** A kubeconfig given as text; relative paths in it resolve against `dir`. */
export function kubeAccessFromYaml(text: string, dir = process.cwd()): KubeAccess {
  return accessOf(parseKubeconfig(text, dir, 'kubeconfig'), 'kubeconfig');
}

const SERVICE_ACCOUNT_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';

/**
 * The pod's service account, as client-go's InClusterConfig: the API at KUBERNETES_SERVICE_HOST and
 * KUBERNETES_SERVICE_PORT, the mounted CA, the mounted token read again on every request.
 */
export function kubeAccessInCluster(env: NodeJS.ProcessEnv = process.env, dir = SERVICE_ACCOUNT_DIR): KubeAccess {
  const host = env.KUBERNETES_SERVICE_HOST;
  const port = env.KUBERNETES_SERVICE_PORT;
  if (!host || !port)
    throw new KubeconfigError(
      'in-cluster config: KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT must both be set (they are inside a pod)',
    );
  const tokenFile = join(dir, 'token');
  mustExist(tokenFile, 'in-cluster config: the service account token');
  let namespace: string | undefined;
  try {
    namespace = readFileSync(join(dir, 'namespace'), 'utf8').trim() || undefined;
  } catch {
    namespace = undefined;
  }
  return new KubeAccess(
    'inClusterContext',
    'inClusterUser',
    {
      server: `https://${isIPv6(host) ? `[${host}]` : host}:${port}`,
      ca: { file: join(dir, 'ca.crt') },
      insecureSkipTlsVerify: false,
    },
    { tokenFile },
    namespace,
  );
}

// ---- parsing

interface Named<T> {
  name: string;
  value: T;
}

interface ContextEntry {
  cluster?: string;
  user?: string;
  namespace?: string;
}

interface Parsed {
  currentContext?: string;
  clusters: Named<Cluster>[];
  users: Named<User>[];
  contexts: Named<ContextEntry>[];
}

type Fields = Record<string, unknown>;

function parseKubeconfig(text: string, dir: string, where: string): Parsed {
  let doc: unknown;
  try {
    doc = text.trim() === '' ? {} : YAML.parse(text);
  } catch (error) {
    throw new KubeconfigError(`${where} is not YAML (${firstLine((error as Error).message)})`);
  }
  if (!isFields(doc)) throw new KubeconfigError(`${where} is not a kubeconfig (a YAML mapping)`);
  const currentContext = optionalString(doc, 'current-context', where) || undefined;
  return {
    ...(currentContext !== undefined ? { currentContext } : {}),
    clusters: entries(doc, 'clusters', 'cluster', where).map(({ name, value }) => ({
      name,
      value: parseCluster(value, dir, `${where}: cluster "${name}"`),
    })),
    users: entries(doc, 'users', 'user', where).map(({ name, value }) => ({
      name,
      value: parseUser(value, dir, `${where}: user "${name}"`),
    })),
    contexts: entries(doc, 'contexts', 'context', where).map(({ name, value }) => ({
      name,
      value: {
        ...optional('cluster', optionalString(value, 'cluster', `${where}: context "${name}"`)),
        ...optional('user', optionalString(value, 'user', `${where}: context "${name}"`)),
        ...optional('namespace', optionalString(value, 'namespace', `${where}: context "${name}"`)),
      },
    })),
  };
}

/** The `clusters`/`users`/`contexts` list: `[{name, cluster: {...}}]`. */
function entries(doc: Fields, list: string, member: string, where: string): Named<Fields>[] {
  const items = doc[list];
  if (items === undefined || items === null) return [];
  if (!Array.isArray(items)) throw new KubeconfigError(`${where}: ${list} must be a list`);
  return items.map((item: unknown, i) => {
    if (!isFields(item) || typeof item.name !== 'string' || item.name === '')
      throw new KubeconfigError(`${where}: ${list}[${i}] has no name`);
    const value = item[member] ?? {};
    if (!isFields(value))
      throw new KubeconfigError(`${where}: ${list}[${i}] ("${item.name}"): ${member} must be a mapping`);
    return { name: item.name, value };
  });
}

function parseCluster(fields: Fields, dir: string, where: string): Cluster {
  const server = optionalString(fields, 'server', where);
  if (!server) throw new KubeconfigError(`${where} has no server`);
  let url: URL;
  try {
    url = new URL(server);
  } catch {
    throw new KubeconfigError(`${where}: server is not a URL`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:')
    throw new KubeconfigError(`${where}: server must be an https:// (or http://) URL`);
  const ca = source(fields, 'certificate-authority', dir, where);
  const proxyUrl = optionalString(fields, 'proxy-url', where);
  if (proxyUrl && !/^(https?|socks5h?|socks4a?):\/\//.test(proxyUrl))
    throw new KubeconfigError(`${where}: proxy-url must be an http://, https:// or socks5:// URL`);
  const extensions = fields.extensions;
  const execExtension = Array.isArray(extensions)
    ? (extensions as unknown[]).find((e): e is Fields => isFields(e) && e.name === 'client.authentication.k8s.io/exec')
        ?.extension
    : undefined;
  const tlsServerName = optionalString(fields, 'tls-server-name', where);
  return {
    server: server.replace(/\/$/, ''),
    ...optional('ca', ca),
    insecureSkipTlsVerify: fields['insecure-skip-tls-verify'] === true,
    ...optional('tlsServerName', tlsServerName || undefined),
    ...optional('proxyUrl', proxyUrl || undefined),
    ...optional('execExtension', execExtension),
  };
}

function parseUser(fields: Fields, dir: string, where: string): User {
  const authProvider = fields['auth-provider'];
  if (authProvider !== undefined && authProvider !== null) {
    const name = isFields(authProvider) && typeof authProvider.name === 'string' ? authProvider.name : '?';
    throw new KubeconfigError(
      `${where}: auth-provider "${name}" is not supported (kubectl dropped it in 1.26): ` +
        'use an exec plugin instead (gke-gcloud-auth-plugin, kubelogin…)',
    );
  }
  const token = optionalString(fields, 'token', where);
  const tokenFile = optionalString(fields, 'tokenFile', where);
  const username = optionalString(fields, 'username', where);
  const password = optionalString(fields, 'password', where);
  const cert = source(fields, 'client-certificate', dir, where);
  const key = source(fields, 'client-key', dir, where);
  if ((cert === undefined) !== (key === undefined))
    throw new KubeconfigError(
      `${where}: client-certificate${cert === undefined ? '(-data) is missing' : '(-data) is set'} but client-key${key === undefined ? '(-data) is missing' : '(-data) is set'}: both are needed`,
    );
  const exec = fields.exec;
  return {
    ...optional('token', token || undefined),
    ...optional('tokenFile', tokenFile ? resolvePath(tokenFile, dir) : undefined),
    ...optional('cert', cert),
    ...optional('key', key),
    ...optional('basic', username ? { username, password: password ?? '' } : undefined),
    ...optional('exec', exec === undefined || exec === null ? undefined : parseExec(exec, dir, `${where}: exec`)),
  };
}

function parseExec(exec: unknown, dir: string, where: string): ExecConfig {
  if (!isFields(exec)) throw new KubeconfigError(`${where} must be a mapping`);
  const command = optionalString(exec, 'command', where);
  if (!command) throw new KubeconfigError(`${where}: command is missing`);
  const apiVersion = optionalString(exec, 'apiVersion', where);
  if (!apiVersion || !EXEC_API_VERSIONS.includes(apiVersion))
    throw new KubeconfigError(`${where}: apiVersion must be one of ${EXEC_API_VERSIONS.join(', ')}`);
  if (exec.interactiveMode === 'Always')
    throw new KubeconfigError(`${where}: interactiveMode Always needs a terminal, which carbon-ops never has`);
  const args = exec.args ?? [];
  if (!Array.isArray(args) || !args.every((a) => typeof a === 'string'))
    throw new KubeconfigError(`${where}: args must be a list of strings`);
  const env = exec.env ?? [];
  if (
    !Array.isArray(env) ||
    !env.every((e) => isFields(e) && typeof e.name === 'string' && typeof e.value === 'string')
  )
    throw new KubeconfigError(`${where}: env must be a list of {name, value} strings`);
  const installHint = optionalString(exec, 'installHint', where);
  return {
    apiVersion,
    // As kubectl: a command with a path separator is a path, relative to the kubeconfig; a bare name is looked up on PATH.
    command: command.includes('/') ? resolvePath(command, dir) : command,
    args: args as string[],
    env: env as { name: string; value: string }[],
    provideClusterInfo: exec.provideClusterInfo === true,
    ...optional('installHint', installHint || undefined),
  };
}

/** `field` (a path) or `field-data` (base64); the data wins, as in client-go. */
function source(fields: Fields, field: string, dir: string, where: string): Source | undefined {
  const data = optionalString(fields, `${field}-data`, where);
  if (data) return { data: Buffer.from(data, 'base64') };
  const file = optionalString(fields, field, where);
  return file ? { file: resolvePath(file, dir) } : undefined;
}

/** Several kubeconfigs as one: the first to define a name or current-context wins (kubectl's merge). */
function mergeKubeconfigs(configs: Parsed[]): Parsed {
  const firstByName = <T>(lists: Named<T>[][]): Named<T>[] => {
    const seen = new Map<string, Named<T>>();
    for (const list of lists) for (const entry of list) if (!seen.has(entry.name)) seen.set(entry.name, entry);
    return [...seen.values()];
  };
  const currentContext = configs.find((c) => c.currentContext !== undefined)?.currentContext;
  return {
    ...optional('currentContext', currentContext),
    clusters: firstByName(configs.map((c) => c.clusters)),
    users: firstByName(configs.map((c) => c.users)),
    contexts: firstByName(configs.map((c) => c.contexts)),
  };
}

/** The current context's cluster and user, each missing piece named. */
function accessOf(config: Parsed, where: string): KubeAccess {
  const contextName = config.currentContext;
  if (contextName === undefined) throw new KubeconfigError(`${where}: current-context is not set`);
  const context = config.contexts.find((c) => c.name === contextName)?.value;
  if (context === undefined)
    throw new KubeconfigError(`${where}: current-context "${contextName}" is not one of its contexts`);
  if (!context.cluster) throw new KubeconfigError(`${where}: context "${contextName}" names no cluster`);
  const cluster = config.clusters.find((c) => c.name === context.cluster)?.value;
  if (cluster === undefined)
    throw new KubeconfigError(
      `${where}: context "${contextName}" names cluster "${context.cluster}", which is not one of its clusters`,
    );
  // No user is anonymous access, as kubectl allows; a user named but absent is a mistake.
  const userName = context.user ?? '';
  const user = userName === '' ? {} : config.users.find((u) => u.name === userName)?.value;
  if (user === undefined)
    throw new KubeconfigError(
      `${where}: context "${contextName}" names user "${userName}", which is not one of its users`,
    );
  for (const [file, what] of [
    [cluster.ca, `cluster "${context.cluster}": certificate-authority`],
    [user.cert, `user "${userName}": client-certificate`],
    [user.key, `user "${userName}": client-key`],
    [user.tokenFile === undefined ? undefined : { file: user.tokenFile }, `user "${userName}": tokenFile`],
  ] as const)
    if (file !== undefined && 'file' in file) mustExist(file.file, `${where}: ${what}`);
  return new KubeAccess(contextName, userName, cluster, user, context.namespace);
}

// ---- exec plugins

/**
 * Runs an exec credential plugin (client.authentication.k8s.io ExecCredential): its stdin closed, its
 * stderr dropped (it can hold login URLs or tokens), killed after `timeoutMs`.
 */
function runExecPlugin(exec: ExecConfig, execInfo: string, timeoutMs: number): Promise<ExecCredential> {
  const plugin = `the exec plugin "${basename(exec.command)}"`;
  return new Promise((resolve, reject) => {
    const env: NodeJS.ProcessEnv = { ...process.env, KUBERNETES_EXEC_INFO: execInfo };
    for (const { name, value } of exec.env) env[name] = value;
    const child = spawn(exec.command, exec.args, { env, stdio: ['ignore', 'pipe', 'ignore'] });
    const chunks: Buffer[] = [];
    let size = 0;
    let failure: string | undefined;
    const timer = setTimeout(() => {
      failure ??= `did not finish within ${timeoutMs / 1000} s`;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.stdout.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_EXEC_OUTPUT) {
        failure ??= `printed more than ${MAX_EXEC_OUTPUT} bytes`;
        child.kill('SIGKILL');
      } else chunks.push(chunk);
    });
    child.on('error', (error: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      const hint = exec.installHint !== undefined ? ` ${exec.installHint.trim()}` : '';
      reject(
        new KubeCredentialsError(
          error.code === 'ENOENT'
            ? `${plugin} was not found.${hint}`
            : `${plugin} could not be started (${error.code ?? 'error'})`,
        ),
      );
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (failure === undefined && code !== 0)
        failure = code === null ? `was killed (${signal ?? 'signal'})` : `exited with code ${code}`;
      if (failure !== undefined) return reject(new KubeCredentialsError(`${plugin} ${failure}`));
      try {
        resolve(execCredential(Buffer.concat(chunks).toString('utf8'), exec.apiVersion));
      } catch (error) {
        reject(new KubeCredentialsError(`${plugin} ${(error as Error).message}`));
      }
    });
  });
}

/** The credential in a plugin's output, checked; errors say what is wrong, never what was printed. */
function execCredential(output: string, apiVersion: string): ExecCredential {
  let parsed: unknown;
  try {
    parsed = JSON.parse(output);
  } catch {
    throw new Error('printed something other than an ExecCredential in JSON');
  }
  if (!isFields(parsed) || parsed.kind !== 'ExecCredential')
    throw new Error('printed something other than an ExecCredential');
  if (parsed.apiVersion !== apiVersion)
    throw new Error(`answered in apiVersion ${String(parsed.apiVersion)}, not ${apiVersion} as the kubeconfig asks`);
  const status = parsed.status;
  if (!isFields(status)) throw new Error('answered an ExecCredential without a status');
  const token = typeof status.token === 'string' && status.token !== '' ? status.token : undefined;
  const cert = typeof status.clientCertificateData === 'string' ? status.clientCertificateData : undefined;
  const key = typeof status.clientKeyData === 'string' ? status.clientKeyData : undefined;
  if (token === undefined && (cert === undefined || key === undefined))
    throw new Error('answered neither a token nor a client certificate and key');
  let expiresAt: number | undefined;
  if (status.expirationTimestamp !== undefined && status.expirationTimestamp !== null) {
    expiresAt = typeof status.expirationTimestamp === 'string' ? Date.parse(status.expirationTimestamp) : NaN;
    if (Number.isNaN(expiresAt)) throw new Error('answered an expirationTimestamp that is not a time');
  }
  return {
    ...optional('token', token),
    ...(cert !== undefined && key !== undefined ? { cert, key } : {}),
    ...optional('expiresAt', expiresAt),
  };
}

// ---- helpers

/**
 * Files read again only when they changed: the bytes kept with what `stat` said of the file (a replaced file, as a
 * Secret's mount or an atomic rename replaces it, has another inode; one written in place another mtime, ctime or
 * size).
 */
class ChangedFiles {
  private readonly known = new Map<string, { seen: string; bytes: Buffer }>();

  async read(file: string): Promise<Buffer> {
    const { ino, size, mtimeMs, ctimeMs } = await stat(file);
    const seen = `${ino}:${size}:${mtimeMs}:${ctimeMs}`;
    const known = this.known.get(file);
    if (known?.seen === seen) return known.bytes;
    const bytes = await readFile(file);
    this.known.set(file, { seen, bytes });
    return bytes;
  }
}

/** The bytes of `from`: read each time, or through `files` when given (read again only when changed). */
async function read(from: Source, what: string, files?: ChangedFiles): Promise<Buffer> {
  if ('data' in from) return from.data;
  try {
    return await (files ? files.read(from.file) : readFile(from.file));
  } catch (error) {
    throw new KubeCredentialsError(
      `${what} (${from.file}) cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'})`,
    );
  }
}

function readSourceSync(from: Source): Buffer {
  return 'data' in from ? from.data : readFileSync(from.file);
}

function mustExist(file: string, what: string): void {
  try {
    statSync(file);
  } catch (error) {
    throw new KubeconfigError(`${what}: ${file} cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
  }
}

const resolvePath = (path: string, dir: string): string => (isAbsolute(path) ? path : resolve(dir, path));

function optionalString(fields: Fields, field: string, where: string): string | undefined {
  const value = fields[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw new KubeconfigError(`${where}: ${field} must be a string`);
  return value;
}

/** `{[key]: value}` when value is defined, else nothing (exactOptionalPropertyTypes). */
const optional = <K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } =>
  (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };

const isFields = (value: unknown): value is Fields =>
  value !== null && typeof value === 'object' && !Array.isArray(value);

const firstLine = (text: string): string => text.split('\n')[0] ?? '';
