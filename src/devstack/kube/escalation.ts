// RBAC escalation prevention, as the rbac registry's policy-based storage enforces it on create and
// update: a Role or ClusterRole may only hold rules its writer already holds (or the writer may
// `escalate` it); a binding may only grant a role whose rules its writer already holds (or the writer may
// `bind` that role). Members of system:masters skip the check, as on a real server.
import type { UserInfo } from './authn.js';
import { MASTERS } from './authn.js';
import type { PolicyRule } from './rbac.js';
import { authorize, roleRules, rulesFor } from './rbac.js';
import type { ResourceInfo } from './resources.js';
import { qualifiedName } from './resources.js';
import { Refusal } from './status.js';
import type { Store } from './store.js';
import type { KubeObject } from './types.js';

const RBAC_GROUP = 'rbac.authorization.k8s.io';

/** Every rule as single-verb, single-resource (and single-name) rules, in the real BreakdownRule's order. */
function breakdown(rule: PolicyRule): PolicyRule[] {
  const out: PolicyRule[] = [];
  for (const group of rule.apiGroups ?? [])
    for (const resource of rule.resources ?? [])
      for (const verb of rule.verbs) {
        const names = rule.resourceNames ?? [];
        if (names.length === 0) out.push({ apiGroups: [group], resources: [resource], verbs: [verb] });
        for (const name of names)
          out.push({ apiGroups: [group], resources: [resource], verbs: [verb], resourceNames: [name] });
      }
  for (const url of rule.nonResourceURLs ?? [])
    for (const verb of rule.verbs) out.push({ nonResourceURLs: [url], verbs: [verb] });
  return out;
}

const holds = (list: string[] | undefined, value: string): boolean =>
  (list ?? []).some((v) => v === '*' || v === value);

function resourceCovered(owner: string[] | undefined, resource: string): boolean {
  if (holds(owner, resource)) return true;
  const slash = resource.indexOf('/');
  return slash > 0 && (owner ?? []).includes(`*${resource.slice(slash)}`);
}

function covers(owner: PolicyRule, atom: PolicyRule): boolean {
  if (!holds(owner.verbs, atom.verbs[0] as string)) return false;
  const url = atom.nonResourceURLs?.[0];
  if (url !== undefined)
    return (owner.nonResourceURLs ?? []).some(
      (u) => u === '*' || u === url || (u.endsWith('*') && url.startsWith(u.slice(0, -1))),
    );
  const names = owner.resourceNames ?? [];
  const name = atom.resourceNames?.[0];
  return (
    holds(owner.apiGroups, atom.apiGroups?.[0] as string) &&
    resourceCovered(owner.resources, atom.resources?.[0] as string) &&
    (names.length === 0 || (name !== undefined && names.includes(name)))
  );
}

const quote = (list: string[]): string => `[${list.map((v) => JSON.stringify(v)).join(' ')}]`;

/** rbacv1helpers.CompactString: `{APIGroups:["apps"], Resources:["deployments"], Verbs:["get" "list"]}`. */
function compactString(rule: PolicyRule): string {
  const parts: string[] = [];
  if (rule.apiGroups?.length) parts.push(`APIGroups:${quote(rule.apiGroups)}`);
  if (rule.resources?.length) parts.push(`Resources:${quote(rule.resources)}`);
  if (rule.nonResourceURLs?.length) parts.push(`NonResourceURLs:${quote(rule.nonResourceURLs)}`);
  if (rule.resourceNames?.length) parts.push(`ResourceNames:${quote(rule.resourceNames)}`);
  if (rule.verbs.length) parts.push(`Verbs:${quote(rule.verbs)}`);
  return `{${parts.join(', ')}}`;
}

/** The missing single rules, with the verbs of the same group/resource/name merged (CompactRules). */
function describeMissing(missing: PolicyRule[]): string {
  const merged = new Map<string, PolicyRule>();
  for (const atom of missing) {
    if (atom.nonResourceURLs) {
      merged.set(`url ${atom.nonResourceURLs[0]} ${atom.verbs[0]}`, atom);
      continue;
    }
    const key = JSON.stringify([atom.apiGroups, atom.resources, atom.resourceNames]);
    const found = merged.get(key);
    if (found) found.verbs = [...found.verbs, ...atom.verbs];
    else merged.set(key, { ...atom, verbs: [...atom.verbs] });
  }
  return [...new Set([...merged.values()].map(compactString))].sort().join('\n');
}

function confirmNoEscalation(
  store: Store,
  user: UserInfo,
  namespace: string,
  rules: PolicyRule[],
  info: ResourceInfo,
  name: string,
): void {
  const { rules: owned } = rulesFor(store, user, namespace);
  const missing = rules.flatMap(breakdown).filter((atom) => !owned.some((rule) => covers(rule, atom)));
  if (missing.length === 0) return;
  const groups = quote(user.groups);
  throw new Refusal(
    user.username,
    `${qualifiedName(info)} "${name}" is forbidden: user "${user.username}" (groups=${groups}) is attempting to grant RBAC permissions not currently held:\n${describeMissing(missing)}`,
    { name, group: RBAC_GROUP, kind: info.plural },
  );
}

const allowed = (
  store: Store,
  user: UserInfo,
  verb: string,
  resource: string,
  namespace: string,
  name: string,
): boolean =>
  authorize(store, {
    user,
    verb,
    resourceRequest: true,
    path: '',
    apiGroup: RBAC_GROUP,
    resource,
    subresource: '',
    namespace,
    name,
  }).allowed;

/** Refuses a create or update of a Role, ClusterRole or binding that would grant its writer more than it holds. */
export function guardRbacWrite(
  store: Store,
  user: UserInfo | undefined,
  info: ResourceInfo,
  object: KubeObject,
  namespace: string | undefined,
): void {
  if (info.group !== RBAC_GROUP || !user || user.groups.includes(MASTERS)) return;
  const ns = namespace ?? '';
  const name = object.metadata.name;
  if (info.plural === 'roles' || info.plural === 'clusterroles') {
    if (allowed(store, user, 'escalate', info.plural, ns, name)) return;
    confirmNoEscalation(
      store,
      user,
      ns,
      Array.isArray(object['rules']) ? (object['rules'] as PolicyRule[]) : [],
      info,
      name,
    );
    return;
  }
  const ref = (object['roleRef'] ?? {}) as { kind?: string; name?: string };
  if (!ref.kind || !ref.name) return; // validation refuses it
  const refResource = ref.kind === 'ClusterRole' ? 'clusterroles' : 'roles';
  if (allowed(store, user, 'bind', refResource, ns, ref.name)) return;
  const rules = roleRules(store, { kind: ref.kind, name: ref.name }, ns);
  if (!rules)
    throw new Refusal(
      user.username,
      `${qualifiedName(info)} "${name}" is forbidden: ${refResource.slice(0, -1)}.${RBAC_GROUP} "${ref.name}" not found`,
      { name, group: RBAC_GROUP, kind: info.plural },
    );
  confirmNoEscalation(store, user, ns, rules, info, name);
}
