// The RBAC authorizer over the Roles, ClusterRoles and their bindings the stand-in holds, as
// plugin/pkg/auth/authorizer/rbac decides: ClusterRoleBindings apply everywhere, RoleBindings in their
// namespace; a rule allows a request when its verbs, API groups, resources (with `*/sub` forms) and
// resourceNames all match, or its nonResourceURLs match the path. Members of system:masters are allowed
// everything before RBAC is asked (the API server's privileged-group authorizer). A server-side apply that
// creates its object is also authorized as `create` of that name (authorizeCreateOnApply).
// Not modelled: aggregated ClusterRoles (aggregationRule) are read as the rules they hold; no controller
// gathers the rules of the roles they select.
import type { UserInfo } from './authn.js';
import { MASTERS } from './authn.js';
import type { Attributes } from './request-info.js';
import { Refusal } from './status.js';
import type { Store } from './store.js';
import type { KubeObject } from './types.js';

export interface PolicyRule {
  verbs: string[];
  apiGroups?: string[];
  resources?: string[];
  resourceNames?: string[];
  nonResourceURLs?: string[];
}

interface Subject {
  kind: string;
  name: string;
  namespace?: string;
}

interface RoleRef {
  kind: string;
  name: string;
}

/** Where a rule came from, worded as the real authorizer's reasons word it. */
type RuleVisitor = (source: string, rule: PolicyRule) => boolean;

const has = (list: string[] | undefined, value: string): boolean => (list ?? []).some((v) => v === '*' || v === value);

function resourceMatches(rule: PolicyRule, combined: string, subresource: string): boolean {
  return (rule.resources ?? []).some(
    (r) => r === '*' || r === combined || (subresource !== '' && r === `*/${subresource}`),
  );
}

function urlMatches(rule: PolicyRule, path: string): boolean {
  return (rule.nonResourceURLs ?? []).some(
    (u) => u === '*' || u === path || (u.endsWith('*') && path.startsWith(u.slice(0, -1))),
  );
}

export function ruleAllows(attrs: Attributes, rule: PolicyRule): boolean {
  if (!has(rule.verbs, attrs.verb)) return false;
  if (!attrs.resourceRequest) return urlMatches(rule, attrs.path);
  const combined = attrs.subresource ? `${attrs.resource}/${attrs.subresource}` : attrs.resource;
  const names = rule.resourceNames ?? [];
  return (
    has(rule.apiGroups, attrs.apiGroup) &&
    resourceMatches(rule, combined, attrs.subresource) &&
    (names.length === 0 || names.includes(attrs.name))
  );
}

function subjectsOf(binding: KubeObject): Subject[] {
  return Array.isArray(binding['subjects']) ? (binding['subjects'] as Subject[]) : [];
}

function appliesTo(subject: Subject, user: UserInfo, bindingNamespace: string): boolean {
  switch (subject.kind) {
    case 'User':
      return user.username === subject.name;
    case 'Group':
      return user.groups.includes(subject.name);
    case 'ServiceAccount':
      return user.username === `system:serviceaccount:${subject.namespace || bindingNamespace}:${subject.name}`;
    default:
      return false;
  }
}

function describeSubject(subject: Subject, bindingNamespace: string): string {
  if (subject.kind === 'ServiceAccount')
    return `${subject.kind} "${subject.name}/${subject.namespace || bindingNamespace}"`;
  return `${subject.kind} "${subject.name}"`;
}

/** The rules a role reference grants; undefined when the role does not exist. */
export function roleRules(store: Store, ref: RoleRef, namespace: string): PolicyRule[] | undefined {
  const role =
    ref.kind === 'ClusterRole'
      ? store.get('clusterroles', undefined, ref.name)
      : ref.kind === 'Role'
        ? store.get('roles', namespace, ref.name)
        : undefined;
  if (!role) return undefined;
  return Array.isArray(role['rules']) ? (role['rules'] as PolicyRule[]) : [];
}

/** Visits every rule granted to `user` at cluster scope and, with a namespace, in that namespace; stops
 * when the visitor returns false. Returns the role references that could not be resolved. */
export function visitRulesFor(store: Store, user: UserInfo, namespace: string, visit: RuleVisitor): string[] {
  const missing: string[] = [];
  const walk = (resource: 'clusterrolebindings' | 'rolebindings', ns: string | undefined): boolean => {
    for (const [, binding] of store.scan(resource, ns)) {
      const bindingNamespace = binding.metadata.namespace ?? '';
      const subject = subjectsOf(binding).find((s) => appliesTo(s, user, bindingNamespace));
      if (!subject) continue;
      const ref = binding['roleRef'] as RoleRef;
      const rules = roleRules(store, ref, bindingNamespace);
      if (!rules) {
        missing.push(`${ref.kind.toLowerCase()}.rbac.authorization.k8s.io "${ref.name}" not found`);
        continue;
      }
      const source =
        resource === 'clusterrolebindings'
          ? `ClusterRoleBinding "${binding.metadata.name}" of ${ref.kind} "${ref.name}" to ${describeSubject(subject, '')}`
          : `RoleBinding "${binding.metadata.name}/${bindingNamespace}" of ${ref.kind} "${ref.name}" to ${describeSubject(subject, bindingNamespace)}`;
      for (const rule of rules) if (!visit(source, rule)) return false;
    }
    return true;
  };
  if (walk('clusterrolebindings', undefined) && namespace !== '') walk('rolebindings', namespace);
  return missing;
}

export function rulesFor(store: Store, user: UserInfo, namespace: string): { rules: PolicyRule[]; missing: string[] } {
  const rules: PolicyRule[] = [];
  const missing = visitRulesFor(store, user, namespace, (_source, rule) => rules.push(rule) > 0);
  return { rules, missing };
}

export interface Decision {
  allowed: boolean;
  reason: string;
}

export function authorize(store: Store, attrs: Attributes): Decision {
  if (attrs.user.groups.includes(MASTERS)) return { allowed: true, reason: '' };
  let reason = '';
  visitRulesFor(store, attrs.user, attrs.namespace, (source, rule) => {
    if (!ruleAllows(attrs, rule)) return true;
    reason = `RBAC: allowed by ${source}`;
    return false;
  });
  return { allowed: reason !== '', reason };
}

/**
 * A server-side apply that creates the object is authorized a second time, as `create` of that name
 * (handlers/patch.go's createAuthorizerAttributes, checked by withAuthorization when the patch turns out to
 * create): `patch` alone never makes an object. The name is known here, so a rule's resourceNames can allow it.
 * The refusal is NewForbidden with the authorizer's reason, which RBAC leaves empty.
 */
export function authorizeCreateOnApply(
  store: Store,
  user: UserInfo | undefined,
  info: { group: string; version: string; plural: string },
  namespace: string | undefined,
  name: string,
): void {
  if (!user) return;
  const scope = namespace ? `/namespaces/${namespace}` : '';
  const attrs: Attributes = {
    user,
    verb: 'create',
    resourceRequest: true,
    path: `${info.group ? `/apis/${info.group}` : '/api'}/${info.version}${scope}/${info.plural}/${name}`,
    apiGroup: info.group,
    resource: info.plural,
    subresource: '',
    namespace: namespace ?? '',
    name,
  };
  if (authorize(store, attrs).allowed) return;
  const qualified = info.group ? `${info.plural}.${info.group}` : info.plural;
  throw new Refusal(user.username, `${qualified} "${name}" is forbidden: `, {
    name,
    ...(info.group ? { group: info.group } : {}),
    kind: info.plural,
  });
}

/** The real server's 403 (responsewriters.Forbidden): `deployments.apps "x" is forbidden: User "u" cannot
 * patch resource "deployments" in API group "apps" in the namespace "kafka"`. */
export function forbidden(attrs: Attributes): Refusal {
  const user = attrs.user.username;
  if (!attrs.resourceRequest)
    return new Refusal(user, `forbidden: User "${user}" cannot ${attrs.verb} path "${attrs.path}"`, {});
  const resource = attrs.subresource ? `${attrs.resource}/${attrs.subresource}` : attrs.resource;
  const scope = attrs.namespace ? `in the namespace "${attrs.namespace}"` : 'at the cluster scope';
  const why = `User "${user}" cannot ${attrs.verb} resource "${resource}" in API group "${attrs.apiGroup}" ${scope}`;
  const qualified = attrs.apiGroup ? `${attrs.resource}.${attrs.apiGroup}` : attrs.resource;
  const subject = attrs.name ? `${qualified} "${attrs.name}"` : qualified;
  return new Refusal(user, `${subject} is forbidden: ${why}`, {
    ...(attrs.name ? { name: attrs.name } : {}),
    ...(attrs.apiGroup ? { group: attrs.apiGroup } : {}),
    kind: attrs.resource,
  });
}
