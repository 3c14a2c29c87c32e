// Label and field selectors with the grammar and error messages of k8s.io/apimachinery: label selectors
// support =, ==, !=, in, notin, exists (key), !key, gt/lt; field selectors =, ==, != on the fields each
// resource declares.
import type { ResourceInfo } from './resources.js';
import { badRequest } from './status.js';
import type { KubeObject, LabelSelector } from './types.js';
import { isRecord } from './types.js';

export type Operator = 'in' | 'notin' | 'exists' | '!' | 'gt' | 'lt';

export interface Requirement {
  key: string;
  op: Operator;
  values: string[];
}

const NAME = /^([A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)?$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

function validKey(key: string): boolean {
  const slash = key.indexOf('/');
  const name = slash < 0 ? key : key.slice(slash + 1);
  const prefix = slash < 0 ? undefined : key.slice(0, slash);
  if (prefix !== undefined && (prefix.length > 253 || !DNS_SUBDOMAIN.test(prefix))) return false;
  return name.length > 0 && name.length <= 63 && NAME.test(name);
}

function validValue(value: string): boolean {
  return value.length <= 63 && NAME.test(value);
}

const TOKEN = /\s*(!=|==|=|!|\(|\)|,|>|<|[^\s!=(),<>]+)/y;

function tokenize(text: string): string[] {
  const tokens: string[] = [];
  TOKEN.lastIndex = 0;
  while (TOKEN.lastIndex < text.length) {
    const start = TOKEN.lastIndex;
    const match = TOKEN.exec(text);
    if (!match) {
      if (/^\s*$/.test(text.slice(start))) break;
      throw badRequest(`unable to parse requirement: unexpected character in "${text}"`);
    }
    tokens.push(match[1] as string);
  }
  return tokens;
}

/** Parses `?labelSelector=`; an empty string selects everything. */
export function parseLabelSelector(text: string): Requirement[] {
  const tokens = tokenize(text);
  const requirements: Requirement[] = [];
  let i = 0;
  const fail = (why: string): never => {
    throw badRequest(`unable to parse requirement: ${why}`);
  };
  const next = (): string | undefined => tokens[i++];
  const key = (token: string | undefined): string => {
    if (token === undefined || !validKey(token)) fail(`invalid label key "${token ?? ''}"`);
    return token as string;
  };
  const value = (token: string | undefined): string => {
    const v = token === undefined || token === ',' ? '' : token;
    if (!validValue(v)) fail(`invalid label value: "${v}"`);
    return v;
  };

  while (i < tokens.length) {
    const first = next();
    if (first === '!') {
      requirements.push({ key: key(next()), op: '!', values: [] });
    } else {
      const k = key(first);
      const op = tokens[i];
      if (op === undefined || op === ',') {
        requirements.push({ key: k, op: 'exists', values: [] });
      } else if (op === '=' || op === '==' || op === '!=') {
        i++;
        const v = tokens[i] === ',' || tokens[i] === undefined ? '' : (next() as string);
        requirements.push({ key: k, op: op === '!=' ? 'notin' : 'in', values: [value(v)] });
      } else if (op === 'in' || op === 'notin') {
        i++;
        if (next() !== '(') fail(`found '${tokens[i - 1] ?? ''}', expected: '('`);
        const values: string[] = [];
        for (let t = next(); t !== ')'; t = next()) {
          if (t === undefined) fail("found end of string, expected: ')'");
          if (t !== ',') values.push(value(t));
        }
        requirements.push({ key: k, op, values });
      } else if (op === '>' || op === '<') {
        i++;
        const v = next();
        if (v === undefined || !/^-?\d+$/.test(v)) fail(`for 'Gt', 'Lt' operators, the value must be an integer`);
        requirements.push({ key: k, op: op === '>' ? 'gt' : 'lt', values: [v as string] });
      } else {
        fail(`found '${op}', expected: in, notin, =, ==, !=, gt, lt`);
      }
    }
    const sep = next();
    if (sep !== undefined && sep !== ',') fail(`found '${sep}', expected: ',' or 'end of string'`);
  }
  return requirements;
}

export function matchesLabels(requirements: Requirement[], labels: Record<string, string> | undefined): boolean {
  for (const r of requirements) {
    const has = labels !== undefined && Object.hasOwn(labels, r.key);
    const v = has ? (labels as Record<string, string>)[r.key] : undefined;
    switch (r.op) {
      case 'in':
        if (v === undefined || !r.values.includes(v)) return false;
        break;
      case 'notin':
        if (v !== undefined && r.values.includes(v)) return false;
        break;
      case 'exists':
        if (!has) return false;
        break;
      case '!':
        if (has) return false;
        break;
      case 'gt':
      case 'lt': {
        if (v === undefined || !/^-?\d+$/.test(v)) return false;
        const n = Number(v);
        const bound = Number(r.values[0]);
        if (r.op === 'gt' ? !(n > bound) : !(n < bound)) return false;
      }
    }
  }
  return true;
}

/** A spec selector (Deployment, PDB, …) as requirements; undefined selects nothing, {} everything. */
export function requirementsOf(selector: LabelSelector | undefined): Requirement[] | undefined {
  if (!selector) return undefined;
  const out: Requirement[] = Object.entries(selector.matchLabels ?? {}).map(([key, v]) => ({
    key,
    op: 'in',
    values: [v],
  }));
  for (const e of selector.matchExpressions ?? []) {
    const op: Operator =
      e.operator === 'In' ? 'in' : e.operator === 'NotIn' ? 'notin' : e.operator === 'Exists' ? 'exists' : '!';
    out.push({ key: e.key, op, values: e.values ?? [] });
  }
  return out;
}

export function selects(selector: LabelSelector | undefined, labels: Record<string, string> | undefined): boolean {
  const requirements = requirementsOf(selector);
  return requirements !== undefined && matchesLabels(requirements, labels);
}

/** metav1.FormatLabelSelector: "app=trino,component in (worker)", or "<none>". */
export function formatLabelSelector(selector: LabelSelector | undefined): string {
  const parts = Object.entries(selector?.matchLabels ?? {})
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([k, v]) => `${k}=${v}`);
  for (const e of selector?.matchExpressions ?? []) {
    if (e.operator === 'In' || e.operator === 'NotIn')
      parts.push(`${e.key} ${e.operator.toLowerCase()} (${(e.values ?? []).join(',')})`);
    else parts.push(e.operator === 'Exists' ? e.key : `!${e.key}`);
  }
  return parts.length > 0 ? parts.join(',') : '<none>';
}

export interface FieldRequirement {
  field: string;
  equals: boolean;
  value: string;
}

/** Splits on unescaped commas; values may escape `,`, `=` and `\` with a backslash. */
function splitEscaped(text: string, separator: string): string[] {
  const parts: string[] = [];
  let current = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i] as string;
    if (c === '\\' && i + 1 < text.length) {
      current += c + (text[++i] as string);
    } else if (c === separator) {
      parts.push(current);
      current = '';
    } else current += c;
  }
  parts.push(current);
  return parts;
}

const unescape = (text: string): string => text.replace(/\\(.)/g, '$1');

export function parseFieldSelector(text: string, info: ResourceInfo): FieldRequirement[] {
  if (text.trim() === '') return [];
  return splitEscaped(text, ',').map((part) => {
    const m = /^([^=!]+?)\s*(==|=|!=)\s*(.*)$/s.exec(part);
    if (!m) throw badRequest(`invalid selector: '${text}'; can't understand '${part}'`);
    const field = (m[1] as string).trim();
    if (field !== 'metadata.name' && field !== 'metadata.namespace' && !info.fields.includes(field)) {
      const gv = info.group ? `${info.group}/${info.version}` : `/${info.version}`;
      throw badRequest(
        `Unable to find "${gv}, Resource=${info.plural}" that match label selector "", field selector "${text}": field label not supported: ${field}`,
      );
    }
    return { field, equals: m[2] !== '!=', value: unescape(m[3] as string) };
  });
}

/** The string value of a selectable field, as the server's field-set functions produce it. */
function fieldValue(object: KubeObject, field: string): string {
  if (field === 'source') {
    const source = object['source'];
    return isRecord(source) && typeof source['component'] === 'string' ? source['component'] : '';
  }
  let current: unknown = object;
  for (const part of field.split('.')) current = isRecord(current) ? current[part] : undefined;
  if (current === undefined || current === null)
    return field === 'spec.hostNetwork' || field === 'spec.unschedulable' ? 'false' : '';
  return String(current);
}

export function matchesFields(requirements: FieldRequirement[], object: KubeObject): boolean {
  return requirements.every((r) => (fieldValue(object, r.field) === r.value) === r.equals);
}
