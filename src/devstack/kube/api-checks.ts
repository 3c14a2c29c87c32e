// Checks the API server makes in Go (pkg/apis/*/validation) where the OpenAPI schemas are silent:
// port numbers are 1-65535 (ValidatePortNumOrName, validatePortNum), a host port may also be 0; every
// container has a name and an image (the schemas' `required` lists are not enforced by the decoder).
import type { ResourceInfo } from './resources.js';
import type { Cause } from './status.js';
import type { JsonObject } from './types.js';
import { isRecord } from './types.js';

const PORT_RANGE = 'must be between 1 and 65535, inclusive';

const items = (value: unknown): unknown[] => (Array.isArray(value) ? value : []);

function port(causes: Cause[], value: unknown, field: string, zeroAllowed = false): void {
  if (typeof value !== 'number' || !Number.isInteger(value)) return; // a named port, or a type error reported elsewhere
  if ((value >= 1 && value <= 65535) || (zeroAllowed && value === 0)) return;
  causes.push({ reason: 'FieldValueInvalid', message: `Invalid value: ${value}: ${PORT_RANGE}`, field });
}

/** The pod spec inside each kind that has one, with its path. */
function podSpecs(info: ResourceInfo, object: JsonObject): [JsonObject, string][] {
  const spec = isRecord(object['spec']) ? object['spec'] : undefined;
  if (!spec) return [];
  if (info.plural === 'pods') return [[spec, 'spec']];
  const template =
    info.plural === 'cronjobs' && isRecord(spec['jobTemplate']) && isRecord(spec['jobTemplate']['spec'])
      ? spec['jobTemplate']['spec']['template']
      : spec['template'];
  const prefix = info.plural === 'cronjobs' ? 'spec.jobTemplate.spec.template.spec' : 'spec.template.spec';
  return isRecord(template) && isRecord(template['spec']) ? [[template['spec'], prefix]] : [];
}

const missing = (value: unknown): boolean => value === undefined || value === null || value === '';

function containers(causes: Cause[], podSpec: JsonObject, at: string): void {
  for (const list of ['initContainers', 'containers'])
    items(podSpec[list]).forEach((c, i) => {
      if (!isRecord(c)) return;
      for (const field of ['name', 'image'])
        if (missing(c[field]))
          causes.push({
            reason: 'FieldValueRequired',
            message: 'Required value',
            field: `${at}.${list}[${i}].${field}`,
          });
      items(c['ports']).forEach((p, j) => {
        if (!isRecord(p)) return;
        port(causes, p['containerPort'], `${at}.${list}[${i}].ports[${j}].containerPort`);
        port(causes, p['hostPort'], `${at}.${list}[${i}].ports[${j}].hostPort`, true);
      });
    });
}

function networkPolicyPorts(causes: Cause[], spec: JsonObject): void {
  for (const direction of ['ingress', 'egress'])
    items(spec[direction]).forEach((rule, i) => {
      if (!isRecord(rule)) return;
      items(rule['ports']).forEach((p, j) => {
        if (!isRecord(p)) return;
        port(causes, p['port'], `spec.${direction}[${i}].ports[${j}].port`);
        port(causes, p['endPort'], `spec.${direction}[${i}].ports[${j}].endPort`);
      });
    });
}

function servicePorts(causes: Cause[], spec: JsonObject): void {
  items(spec['ports']).forEach((p, i) => {
    if (!isRecord(p)) return;
    port(causes, p['port'], `spec.ports[${i}].port`);
    port(causes, p['targetPort'], `spec.ports[${i}].targetPort`);
    port(causes, p['nodePort'], `spec.ports[${i}].nodePort`, true);
  });
}

export function apiCauses(info: ResourceInfo, object: JsonObject): Cause[] {
  const causes: Cause[] = [];
  for (const [podSpec, at] of podSpecs(info, object)) containers(causes, podSpec, at);
  const spec = isRecord(object['spec']) ? object['spec'] : undefined;
  if (spec && info.plural === 'networkpolicies') networkPolicyPorts(causes, spec);
  if (spec && info.plural === 'services') servicePorts(causes, spec);
  return causes;
}
