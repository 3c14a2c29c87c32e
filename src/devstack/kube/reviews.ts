// The access-review APIs: authorization.k8s.io/v1 SelfSubjectAccessReview (`kubectl auth can-i`),
// SelfSubjectRulesReview (`can-i --list`), SubjectAccessReview and LocalSubjectAccessReview (asking for
// someone else: admins), and authentication.k8s.io/v1 SelfSubjectReview (`kubectl auth whoami`). They are
// create-only and stored nowhere: the answer is the request with its status filled in.
import type { UserInfo } from './authn.js';
import type { PolicyRule } from './rbac.js';
import { authorize, rulesFor } from './rbac.js';
import type { Attributes } from './request-info.js';
import type { ResourceInfo } from './resources.js';
import { ApiError, decodeJsonObject, methodNotAllowed } from './status.js';
import type { Store } from './store.js';
import type { JsonObject } from './types.js';
import { isRecord } from './types.js';

function review(plural: string, kind: string, group: string, namespaced = false): ResourceInfo {
  return {
    plural,
    singular: kind.toLowerCase(),
    kind,
    group,
    version: 'v1',
    namespaced,
    shortNames: [],
    categories: [],
    subresources: [],
    fields: [],
    crd: false,
  };
}

/** Served beside RESOURCES (discovery lists them, with the one verb `create`), never stored. */
export const REVIEW_RESOURCES: readonly ResourceInfo[] = [
  review('selfsubjectreviews', 'SelfSubjectReview', 'authentication.k8s.io'),
  review('localsubjectaccessreviews', 'LocalSubjectAccessReview', 'authorization.k8s.io', true),
  review('selfsubjectaccessreviews', 'SelfSubjectAccessReview', 'authorization.k8s.io'),
  review('selfsubjectrulesreviews', 'SelfSubjectRulesReview', 'authorization.k8s.io'),
  review('subjectaccessreviews', 'SubjectAccessReview', 'authorization.k8s.io'),
];
export const REVIEW_GROUPS: readonly string[] = [...new Set(REVIEW_RESOURCES.map((r) => r.group))];

export function findReview(group: string, version: string, plural: string): ResourceInfo | undefined {
  return REVIEW_RESOURCES.find((r) => r.group === group && r.version === version && r.plural === plural);
}

export interface ReviewRequest {
  info: ResourceInfo;
  method: string;
  namespace: string | undefined;
  body: string;
  user: UserInfo;
}

function invalid(info: ResourceInfo, field: string, message: string): ApiError {
  return new ApiError(422, 'Invalid', `${info.kind}.${info.group} "" is invalid: ${field}: ${message}`, {
    group: info.group,
    kind: info.kind,
    causes: [{ reason: 'FieldValueInvalid', message, field }],
  });
}

const str = (o: JsonObject, key: string): string => (typeof o[key] === 'string' ? (o[key] as string) : '');

/** The attributes an access review asks about, for `user`. */
function reviewedAttributes(
  info: ResourceInfo,
  spec: JsonObject,
  user: UserInfo,
  namespace: string | undefined,
): Attributes {
  const resource = isRecord(spec['resourceAttributes']) ? spec['resourceAttributes'] : undefined;
  const nonResource = isRecord(spec['nonResourceAttributes']) ? spec['nonResourceAttributes'] : undefined;
  if ((resource === undefined) === (nonResource === undefined))
    throw invalid(
      info,
      'spec.resourceAttributes',
      'Invalid value: "null": exactly one of nonResourceAttributes or resourceAttributes must be specified',
    );
  if (nonResource)
    return {
      user,
      verb: str(nonResource, 'verb'),
      resourceRequest: false,
      path: str(nonResource, 'path'),
      apiGroup: '',
      resource: '',
      subresource: '',
      namespace: '',
      name: '',
    };
  const ns = str(resource as JsonObject, 'namespace');
  if (namespace !== undefined && ns !== namespace)
    throw invalid(info, 'spec.resourceAttributes.namespace', `Invalid value: "${ns}": must match metadata.namespace`);
  const r = resource as JsonObject;
  return {
    user,
    verb: str(r, 'verb'),
    resourceRequest: true,
    path: '',
    apiGroup: str(r, 'group'),
    resource: str(r, 'resource'),
    subresource: str(r, 'subresource'),
    namespace: ns,
    name: str(r, 'name'),
  };
}

function subjectOf(info: ResourceInfo, spec: JsonObject): UserInfo {
  const username = str(spec, 'user');
  const groups = Array.isArray(spec['groups'])
    ? (spec['groups'] as unknown[]).filter((g): g is string => typeof g === 'string')
    : [];
  if (!username && groups.length === 0)
    throw invalid(info, 'spec.user', 'Invalid value: "": at least one of user or group must be specified');
  return { username, groups, ...(str(spec, 'uid') ? { uid: str(spec, 'uid') } : {}) };
}

function rulesReview(store: Store, user: UserInfo, spec: JsonObject): JsonObject {
  const namespace = str(spec, 'namespace');
  const { rules, missing } = rulesFor(store, user, namespace);
  const resourceRules = rules
    .filter((r) => !r.nonResourceURLs?.length)
    .map((r: PolicyRule) => ({
      verbs: r.verbs,
      ...(r.apiGroups ? { apiGroups: r.apiGroups } : {}),
      ...(r.resources ? { resources: r.resources } : {}),
      ...(r.resourceNames ? { resourceNames: r.resourceNames } : {}),
    }));
  const nonResourceRules = rules
    .filter((r) => r.nonResourceURLs?.length)
    .map((r) => ({ verbs: r.verbs, nonResourceURLs: r.nonResourceURLs }));
  return {
    resourceRules,
    nonResourceRules,
    incomplete: missing.length > 0,
    ...(missing.length ? { evaluationError: missing.join(', ') } : {}),
  };
}

export function handleReview(store: Store, req: ReviewRequest): { code: number; body: unknown } {
  const { info } = req;
  if (req.method !== 'POST') throw methodNotAllowed();
  const input = decodeJsonObject(req.body);
  const spec = isRecord(input['spec']) ? input['spec'] : {};
  const metadata = {
    ...(isRecord(input['metadata']) ? input['metadata'] : {}),
    creationTimestamp: null,
    ...(req.namespace ? { namespace: req.namespace } : {}),
  };
  const answer = (status: JsonObject, echoed: JsonObject = spec): { code: number; body: unknown } => ({
    code: 201,
    body: {
      kind: info.kind,
      apiVersion: `${info.group}/v1`,
      metadata,
      ...(info.kind === 'SelfSubjectReview' ? {} : { spec: echoed }),
      status,
    },
  });
  switch (info.kind) {
    case 'SelfSubjectReview':
      return answer({
        userInfo: {
          username: req.user.username,
          ...(req.user.uid ? { uid: req.user.uid } : {}),
          groups: req.user.groups,
        },
      });
    case 'SelfSubjectRulesReview':
      return answer(rulesReview(store, req.user, spec));
    case 'SelfSubjectAccessReview': {
      const decision = authorize(store, reviewedAttributes(info, spec, req.user, undefined));
      return answer({ allowed: decision.allowed, ...(decision.reason ? { reason: decision.reason } : {}) });
    }
    default: {
      // SubjectAccessReview and LocalSubjectAccessReview: about the user the spec names. The authenticated
      // group is not implied: the caller lists the groups it wants checked, as on a real server.
      const subject = subjectOf(info, spec);
      const decision = authorize(store, reviewedAttributes(info, spec, subject, req.namespace));
      return answer({ allowed: decision.allowed, ...(decision.reason ? { reason: decision.reason } : {}) });
    }
  }
}
