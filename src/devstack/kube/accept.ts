// Content negotiation on the Accept header: kubectl lists what it wants in order of preference, e.g.
// "application/json;as=Table;v=v1;g=meta.k8s.io,application/json"; we answer with the first we can
// produce. Protobuf is never produced; clients that also accept JSON fall back to it.
import { ApiError } from './status.js';

export type Representation =
  { as: 'object' } | { as: 'Table'; apiVersion: string } | { as: 'APIGroupDiscoveryList'; apiVersion: string };

const JSON_TYPES = new Set(['application/json', 'application/*', '*/*']);

export function negotiate(accept: string | undefined): Representation {
  if (!accept || accept.trim() === '') return { as: 'object' };
  for (const range of accept.split(',')) {
    const [type = '', ...rest] = range.split(';').map((p) => p.trim());
    const params = Object.fromEntries(rest.map((p) => p.split('=').map((s) => s.trim())));
    if (!JSON_TYPES.has(type.toLowerCase())) continue;
    const { as, g, v } = params as Record<string, string | undefined>;
    if (as === undefined) return { as: 'object' };
    if (as === 'Table' && g === 'meta.k8s.io' && (v === 'v1' || v === 'v1beta1'))
      return { as: 'Table', apiVersion: `meta.k8s.io/${v}` };
    if (as === 'APIGroupDiscoveryList' && g === 'apidiscovery.k8s.io' && (v === 'v2' || v === 'v2beta1'))
      return { as: 'APIGroupDiscoveryList', apiVersion: `apidiscovery.k8s.io/${v}` };
  }
  throw new ApiError(
    406,
    'NotAcceptable',
    `only the following media types are accepted: application/json, application/json;as=Table;v=v1;g=meta.k8s.io`,
  );
}
