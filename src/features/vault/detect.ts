/**
 * Which ConfigMap keys hold secrets, by the key's name and by the value's shape. Pure. The answer says
 * why in words that never quote the value.
 */

/** Name words that mean a credential (`DATABASE_PASSWORD`, `hive.s3.aws-secret-key`, `apiToken`). */
const SECRET_WORDS = new Set([
  'password',
  'passwd',
  'pwd',
  'pass',
  'passphrase',
  'secret',
  'secrets',
  'token',
  'tokens',
  'credential',
  'credentials',
  'key',
  'apikey',
  'secretkey',
  'accesskey',
  'privatekey',
  'dsn',
  'jaas',
  'salt',
]);

/** Name words that are about a key or token without being one (`S3_BUCKET_KEY_PREFIX`, `TOKEN_TTL`). */
const HARMLESS_AFTER = new Set([
  'prefix',
  'suffix',
  'ttl',
  'expiry',
  'expiration',
  'timeout',
  'length',
  'size',
  'type',
  'name',
  'path',
  'file',
  'url',
  'endpoint',
  'header',
  'id',
  'ids',
  'count',
]);

/** `SPRING_DATASOURCE_PASSWORD` → spring, datasource, password; `apiToken` → api, token. */
export function nameWords(name: string): string[] {
  return name
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map((w) => w.toLowerCase());
}

function secretByName(name: string): boolean {
  const words = nameWords(name);
  return words.some((word, i) => {
    if (!SECRET_WORDS.has(word)) return false;
    const next = words[i + 1] ?? '';
    // An access key id is half of a credential; other `…_KEY_ID`, `…_TOKEN_TTL` name one.
    return !HARMLESS_AFTER.has(next) || (next === 'id' && words[i - 1] === 'access');
  });
}

interface Shape {
  test: (value: string) => boolean;
  why: string;
}

/** A password in a properties or env line: `connection-password=…`, `hive.s3.aws-secret-key: …`. */
const PROPERTY_LINE = /^[ \t]*([A-Za-z0-9_.-]+)[ \t]*[=:][ \t]*(\S+)/gm;

const SHAPES: Shape[] = [
  {
    why: 'a connection string with a user and password',
    test: (v) => /[a-z][a-z0-9+.-]*:\/\/[^\s:/@]+:[^\s@/]+@/i.test(v),
  },
  { why: 'a connection string with a password parameter', test: (v) => /[?&;](password|pwd)=[^&;\s]+/i.test(v) },
  { why: 'a login configuration with a password', test: (v) => /password\s*=\s*"[^"]+"/i.test(v) },
  { why: 'a private key', test: (v) => /-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(v) },
  { why: 'an AWS access key id', test: (v) => /\b(AKIA|ASIA)[0-9A-Z]{16}\b/.test(v) },
  { why: 'a JSON Web Token', test: (v) => /\beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}/.test(v) },
  {
    why: 'an API token',
    test: (v) =>
      /\b(ghp_[A-Za-z0-9]{20,}|xox[abpr]-[A-Za-z0-9-]{10,}|glpat-[A-Za-z0-9_-]{16,}|sk_live_[A-Za-z0-9]{16,})/.test(v),
  },
  {
    why: 'a configuration file with credentials',
    test: (v) => {
      if (!v.includes('\n')) return false;
      for (const match of v.matchAll(PROPERTY_LINE)) if (secretByName(match[1]!) && isLiteral(match[2]!)) return true;
      return false;
    },
  },
  { why: 'a long random-looking string', test: (v) => isHighEntropy(v) },
];

/**
 * A literal value, not code or a reference: `secret = os.environ.get(…)` in a script, `password: ${DB_PASSWORD}`
 * in a template and `key = tuple(row)` name a credential without holding one.
 */
const isLiteral = (value: string): boolean => value.length > 0 && !/[()[\]{}$]/.test(value);

/** One token of 24+ characters from a key alphabet with at least 3.5 bits of entropy a character. */
export function isHighEntropy(value: string): boolean {
  if (value.length < 24 || value.length > 4096 || !/^[A-Za-z0-9+/=_-]+$/.test(value)) return false;
  const classes = [/[a-z]/, /[A-Z]/, /[0-9]/].filter((r) => r.test(value)).length;
  if (classes < 2) return false;
  const counts = new Map<string, number>();
  for (const ch of value) counts.set(ch, (counts.get(ch) ?? 0) + 1);
  let bits = 0;
  for (const n of counts.values()) bits -= (n / value.length) * Math.log2(n / value.length);
  return bits >= 3.5;
}

export interface Detection {
  secret: boolean;
  /** `name` or `value: <shape>`: never the value. */
  why?: string;
}

export function detectSecret(key: string, value: string): Detection {
  if (secretByName(key) && value.trim() !== '') return { secret: true, why: 'name' };
  const shape = SHAPES.find((s) => s.test(value));
  return shape === undefined ? { secret: false } : { secret: true, why: `value: ${shape.why}` };
}

/** The secret-looking keys of a ConfigMap's data, in key order. */
export function secretKeys(data: Record<string, string> | undefined): { key: string; why: string }[] {
  return Object.keys(data ?? {})
    .sort()
    .flatMap((key) => {
      const found = detectSecret(key, data![key]!);
      return found.secret ? [{ key, why: found.why! }] : [];
    });
}

export const MASK = '[masked]';

/** Value shapes masked wherever they appear in a line of text (a log line), each replaced by MASK. */
const INLINE_SHAPES: { pattern: RegExp; replace: string }[] = [
  // scheme://user:password@host → the password
  { pattern: /([a-z][a-z0-9+.-]*:\/\/[^\s:/@]+:)[^\s@/]+@/gi, replace: `$1${MASK}@` },
  { pattern: /-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?(-----END [A-Z ]*PRIVATE KEY-----|$)/g, replace: MASK },
  { pattern: /\b(AKIA|ASIA)[0-9A-Z]{16}\b/g, replace: MASK },
  { pattern: /\beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}/g, replace: MASK },
  {
    pattern: /\b(ghp_[A-Za-z0-9]{20,}|xox[abpr]-[A-Za-z0-9-]{10,}|glpat-[A-Za-z0-9_-]{16,}|sk_live_[A-Za-z0-9]{16,})/g,
    replace: MASK,
  },
  { pattern: /\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]{8,}/g, replace: `$1 ${MASK}` },
];

/** `password=…`, `"apiToken": "…"`, `DB_PASS: …`: a credential's name, then its value. */
const NAMED_VALUE = /([A-Za-z0-9_.-]+)("?\s*[=:]\s*"?)([^\s",;&]+)/g;

/**
 * A line of text (a container's log) with every value that looks like a credential masked: the shapes the
 * ConfigMap scan detects, values after a credential's name, and long random-looking tokens. Pure; never
 * returns a detected value.
 */
export function maskSecrets(line: string): { text: string; masked: number } {
  let masked = 0;
  let text = line;
  for (const shape of INLINE_SHAPES) {
    text = text.replace(shape.pattern, (...match: string[]) => {
      masked += 1;
      return shape.replace.replace('$1', match[1] ?? '');
    });
  }
  text = text.replace(NAMED_VALUE, (whole, name: string, sep: string, value: string) => {
    if (value === MASK || !secretByName(name) || !isLiteral(value)) return whole;
    masked += 1;
    return `${name}${sep}${MASK}`;
  });
  text = text.replace(/[A-Za-z0-9+/_-]{24,}={0,2}/g, (token) => {
    // a random token mixes upper and lower case and digits; an identifier (`JdbcSourceConnectorConfig`,
    // `kafka_connect_3_offsets`), a hex digest or a uuid does not
    if (!/[0-9]/.test(token) || !/[a-z]/.test(token) || !/[A-Z]/.test(token) || !isHighEntropy(token)) return token;
    masked += 1;
    return MASK;
  });
  return { text, masked };
}
