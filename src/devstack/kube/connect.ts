// The subresources that reach into a running container or a service's endpoints: pods/log, pods/exec,
// pods/attach, pods/portforward and services/proxy. The stand-in's pods run no processes, so it answers
// them with a Status that says so: 501 Not Implemented (the HTTP code for "the server does not support the
// functionality required to fulfil the request"; a real server with no kubelet to proxy to answers a 5xx
// too). pods/log is modelled (pod-log.ts: the scenario's lines), answered before these; it stays listed
// here for discovery.
import type { ResourceInfo } from './resources.js';
import { ApiError } from './status.js';

interface Connect {
  /** What the client wanted, for the message. */
  what: string;
  /** The verbs discovery lists for it, as a real server does. */
  verbs: string[];
}

const UNMODELLED: Record<string, Record<string, Connect>> = {
  pods: {
    log: { what: 'container logs', verbs: ['get'] },
    exec: { what: 'running commands in containers', verbs: ['create', 'get'] },
    attach: { what: 'attaching to containers', verbs: ['create', 'get'] },
    portforward: { what: 'port forwarding', verbs: ['create', 'get'] },
  },
  services: { proxy: { what: 'proxying to services', verbs: ['create', 'delete', 'get', 'patch', 'update'] } },
};

/** The connect subresources of a resource, with their verbs, for discovery. */
export function connectSubresources(plural: string): { name: string; verbs: string[] }[] {
  return Object.entries(UNMODELLED[plural] ?? {}).map(([name, c]) => ({ name, verbs: c.verbs }));
}

/** Whether `plural/subresource` is one of these connect-style subresources. */
export function isConnectSubresource(plural: string, subresource: string): boolean {
  return UNMODELLED[plural]?.[subresource] !== undefined;
}

export function connect(info: ResourceInfo, name: string, subresource: string): never {
  const what = UNMODELLED[info.plural]?.[subresource]?.what ?? subresource;
  throw new ApiError(
    501,
    'NotImplemented',
    `${info.plural}/${subresource} is not modelled by the carbon-ops Kubernetes stand-in: its pods run no containers (${what} is not available for ${info.plural} "${name}")`,
    { name, kind: info.plural },
  );
}
