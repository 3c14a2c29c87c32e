// Duplicate fields in a request body, which the API server's strict decoders report under
// fieldValidation=Strict or Warn (JSON.parse and YAML readers keep the last value silently): the JSON
// decoder names the field by its path (`duplicate field "spec.paused"`), the YAML one by its line
// (`line 12: key "paused" already set in map`). JSON is YAML, so one YAML reader finds both.
import YAML, { isMap, isScalar, isSeq, LineCounter } from 'yaml';

export interface Duplicate {
  /** spec.template.spec.containers[0].imagePullPolicy */
  path: string;
  key: string;
  line: number;
}

/** The repeated keys of a JSON or YAML text, in document order; none if it does not parse. */
export function duplicateKeys(text: string): Duplicate[] {
  const lines = new LineCounter();
  const doc = YAML.parseDocument(text, { uniqueKeys: false, lineCounter: lines });
  if (doc.errors.length > 0) return [];
  const found: Duplicate[] = [];
  const walk = (node: unknown, path: string): void => {
    if (isMap(node)) {
      const seen = new Set<string>();
      for (const pair of node.items) {
        const key = isScalar(pair.key) ? String(pair.key.value) : String(pair.key);
        const at = path ? `${path}.${key}` : key;
        if (seen.has(key))
          found.push({ path: at, key, line: lines.linePos(isScalar(pair.key) ? (pair.key.range?.[0] ?? 0) : 0).line });
        seen.add(key);
        walk(pair.value, at);
      }
    } else if (isSeq(node)) node.items.forEach((item, i) => walk(item, `${path}[${i}]`));
  };
  walk(doc.contents, '');
  return found;
}

/** How go-yaml words repeated keys. */
export const yamlDuplicate = (d: Duplicate): string => `line ${d.line}: key "${d.key}" already set in map`;
