import type { VaultCommand, VaultMigrateCommand } from '../../contracts/commands.js';
import type { JobFor } from '../../contracts/jobs.js';
import { UsageError } from '../../errors.js';
import { keyPath, RESERVED_PATH, reservedPath, validConfigMapKey, validMount, validSecretPath } from '../../names.js';
import { REQUEST_ID } from '../../approvals/request-id.js';
import { dnsLabel, dnsSubdomain, shown, stringOption, type CommandSpec, type ParsedArgs } from '../../commands/spec.js';

const VAULT_JOBS = {
  status: 'vault-status',
  migrate: 'vault-migrate-plan',
  rollback: 'vault-rollback',
} as const satisfies { [A in VaultCommand['action']]: JobFor<Extract<VaultCommand, { action: A }>> };

const USAGE = {
  status: 'vault status [-n NS]',
  migrate:
    'vault migrate configmap/NAME -n NS [--keys a,b] [--mount secret] [--path P] ' +
    '[--cutover [--apps-read-vault-files]] [--overwrite] [--reason "WHY"]',
  rollback: 'vault rollback MIGRATION_ID',
};

/** A migration moves at most this many keys: a ConfigMap with more is migrated in parts with --keys. */
export const MAX_KEYS = 100;

const CONFIGMAP_KINDS = new Set(['configmap', 'configmaps', 'cm']);

function configMapRef(text: string | undefined): string {
  if (text === undefined) throw new UsageError(`Which ConfigMap? Usage: \`/carbon ${USAGE.migrate}\``);
  const slash = text.indexOf('/');
  if (slash === -1 || !CONFIGMAP_KINDS.has(text.slice(0, slash).toLowerCase())) {
    throw new UsageError(
      `\`${shown(text)}\`: name the ConfigMap as configmap/NAME. Usage: \`/carbon ${USAGE.migrate}\``,
    );
  }
  return dnsSubdomain(text.slice(slash + 1), 'ConfigMap');
}

function keysOption(args: ParsedArgs): string[] | undefined {
  const text = stringOption(args, 'keys');
  if (text === undefined) return undefined;
  const keys = [
    ...new Set(
      text
        .split(',')
        .map((k) => k.trim())
        .filter(Boolean),
    ),
  ];
  if (keys.length === 0)
    throw new UsageError('--keys takes ConfigMap keys, comma-separated, e.g. --keys DATABASE_PASSWORD,API_TOKEN.');
  if (keys.length > MAX_KEYS) throw new UsageError(`--keys names ${keys.length} keys; at most ${MAX_KEYS} at a time.`);
  const bad = keys.find((k) => !validConfigMapKey(k));
  if (bad !== undefined)
    throw new UsageError(`\`${shown(bad)}\` is not a ConfigMap key (letters, digits, '-', '_' and '.').`);
  return keys.sort();
}

function mountOption(args: ParsedArgs): string | undefined {
  const mount = stringOption(args, 'mount');
  if (mount !== undefined && !validMount(mount)) {
    throw new UsageError(
      `\`${shown(mount)}\` is not a KV mount: letters, digits, '-', '_', '.' in up to 4 segments; no '..', ` +
        `no leading '/', not sys, auth, cubbyhole or identity.`,
    );
  }
  return mount;
}

function pathOption(args: ParsedArgs): string | undefined {
  const path = stringOption(args, 'path');
  if (path !== undefined && !validSecretPath(path)) {
    throw new UsageError(
      `\`${shown(path)}\` is not a secret path: segments of letters, digits, '-', '_', '.' joined by '/'; ` +
        `no '..', no leading or trailing '/'.`,
    );
  }
  return path;
}

function reasonOption(args: ParsedArgs): string | undefined {
  const reason = stringOption(args, 'reason');
  if (reason === undefined) return undefined;
  // eslint-disable-next-line no-control-regex -- control characters have no place in an audit record
  if (/[\u0000-\u0008\u000b-\u001f\u007f]/.test(reason))
    throw new UsageError('The reason contains control characters.');
  const clean = reason.replace(/\s+/g, ' ').trim();
  if (clean.length > 300) throw new UsageError(`The reason is ${clean.length} characters long; keep it under 300.`);
  return clean === '' ? undefined : clean;
}

/** The default target path: `<namespace>/<configmap>`, each key under it. */
export const defaultPath = (namespace: string, configMap: string): string => `${namespace}/${configMap}`;

export const vault: CommandSpec<VaultCommand> = {
  route: (command) => ({ job: VAULT_JOBS[command.action] }),
  name: 'vault',
  summary:
    'Secrets in Vault: coverage (status), moving ConfigMap keys to Vault KV v2 after a plan and an ' +
    'approval (migrate), and undoing it (rollback). Values are never shown.',
  usage: `${USAGE.status} | ${USAGE.migrate} | ${USAGE.rollback}`,
  examples: [
    'vault status',
    'vault status -n data-platform',
    'vault migrate configmap/superset-config -n data-platform',
    'vault migrate configmap/portal-api-env -n data-platform --keys DATABASE_URL,JWT_SIGNING_SECRET --cutover',
    'vault rollback k7m2p9xq',
  ],
  options: {
    namespace: { type: 'string', short: 'n' },
    keys: { type: 'string' },
    mount: { type: 'string' },
    path: { type: 'string' },
    cutover: { type: 'boolean' },
    'apps-read-vault-files': { type: 'boolean' },
    overwrite: { type: 'boolean' },
    reason: { type: 'string' },
  },
  actions: {
    status: { options: ['namespace'], usage: USAGE.status },
    migrate: {
      words: ['configmap/NAME'],
      options: ['namespace', 'keys', 'mount', 'path', 'cutover', 'apps-read-vault-files', 'overwrite', 'reason'],
      usage: USAGE.migrate,
    },
    rollback: { words: ['MIGRATION_ID'], usage: USAGE.rollback },
  },
  build(args) {
    const [action, word] = args.positionals;
    const namespace = stringOption(args, 'namespace');
    // The table has checked that the action is one of these, with its own words and options only.
    switch (action!.toLowerCase() as VaultCommand['action']) {
      case 'status':
        return {
          name: 'vault',
          action: 'status',
          ...(namespace !== undefined ? { namespace: dnsLabel(namespace, 'Namespace') } : {}),
        };
      case 'migrate':
        return buildMigrate(args, word, namespace);
      case 'rollback': {
        if (word === undefined)
          throw new UsageError(
            `Which migration? Usage: \`/carbon ${USAGE.rollback}\` (the id is in the migration plan).`,
          );
        if (!REQUEST_ID.test(word.toLowerCase()))
          throw new UsageError(`\`${shown(word)}\` is not a migration id (like \`k7m2p9xq\`).`);
        return { name: 'vault', action: 'rollback', id: word.toLowerCase() };
      }
    }
  },
  policy: (command) => `vault-${command.action}`,
  describe(command) {
    switch (command.action) {
      case 'status':
        return {
          line: `vault status${command.namespace ? ` -n ${command.namespace}` : ''}`,
          ...(command.namespace ? { target: command.namespace } : {}),
        };
      case 'migrate': {
        const options = [
          command.keys && `--keys ${command.keys.join(',')}`,
          command.mount && `--mount ${command.mount}`,
          command.path && `--path ${command.path}`,
          command.cutover && '--cutover',
          command.appsReadVaultFiles && '--apps-read-vault-files',
          command.overwrite && '--overwrite',
        ].filter(Boolean);
        return {
          line: ['vault migrate', `configmap/${command.configMap}`, `-n ${command.namespace}`, ...options].join(' '),
          target: `${command.namespace}/configmap/${command.configMap}`,
          ...(command.reason ? { reason: command.reason } : {}),
        };
      }
      case 'rollback':
        return { line: `vault rollback ${command.id}` };
    }
  },
};

/** `vault migrate configmap/NAME -n NS [...]`: every option checked before any call to the cluster or Vault. */
function buildMigrate(args: ParsedArgs, word: string | undefined, namespace: string | undefined): VaultMigrateCommand {
  const configMap = configMapRef(word);
  if (namespace === undefined)
    throw new UsageError(`Which namespace is configmap/${configMap} in? Add \`-n NAMESPACE\`.`);
  const ns = dnsLabel(namespace, 'Namespace');
  const keys = keysOption(args);
  const mount = mountOption(args);
  const path = pathOption(args);
  const reason = reasonOption(args);
  const appsReadVaultFiles = args.values['apps-read-vault-files'] === true;
  if (appsReadVaultFiles && args.values.cutover !== true)
    throw new UsageError(
      '`--apps-read-vault-files` goes with `--cutover`: it says the apps read /vault/secrets/<KEY>, ' +
        'so the cutover may remove the keys they read through envFrom or a volume.',
    );
  const overwrite = args.values.overwrite === true;
  if (reservedPath(path ?? defaultPath(ns, configMap))) {
    throw new UsageError(
      `\`${RESERVED_PATH}/\` is where carbon-ops keeps its own secrets (the fingerprint key): ` +
        'choose another --path' +
        `${path === undefined ? ` (the default is \`${defaultPath(ns, configMap)}\`)` : ''}.`,
    );
  }
  for (const key of keys ?? [])
    if (!validSecretPath(keyPath(path ?? defaultPath(ns, configMap), key)))
      throw new UsageError(`The target path for \`${shown(key)}\` would be too long or invalid.`);
  return {
    name: 'vault',
    action: 'migrate',
    namespace: ns,
    configMap,
    ...(keys !== undefined ? { keys } : {}),
    ...(mount !== undefined ? { mount } : {}),
    ...(path !== undefined ? { path } : {}),
    cutover: args.values.cutover === true,
    ...(appsReadVaultFiles ? { appsReadVaultFiles } : {}),
    ...(overwrite ? { overwrite } : {}),
    ...(reason !== undefined ? { reason } : {}),
  };
}
