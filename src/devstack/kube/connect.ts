// The subresources that reach into a running container or a service's endpoints: pods/log, pods/exec,
// pods/attach, pods/portforward and services/proxy. The stand-in's pods run no processes, so it answers
// them with a Status that says so: 501 Not Implemented (the HTTP code for "the server does not support the
// functionality required to fulfil the request"; a real server with no kubelet to proxy to answers a 5xx
// too). A subresource modelled later (per-pod logs) gets a handler here instead of its entry in
// UNMODELLED.
import type { ResourceInfo } from './resources.js';
import { ApiError } from './status.js';

const UNMODELLED: Record<string, Record<string, string>> = {
  pods: {
    log: 'container logs',
    exec: 'running commands in containers',
    attach: 'attaching to containers',
    portforward: 'port forwarding',
  },
  services: { proxy: 'proxying to services' },
};

/** Whether `plural/subresource` is one of these connect-style subresources. */
export function isConnectSubresource(plural: string, subresource: string): boolean {
  return UNMODELLED[plural]?.[subresource] !== undefined;
}

export function connect(info: ResourceInfo, name: string, subresource: string): never {
  const what = UNMODELLED[info.plural]?.[subresource] ?? subresource;
  throw new ApiError(
    501,
    'NotImplemented',
    `${info.plural}/${subresource} is not modelled by the carbon-ops Kubernetes stand-in: its pods run no containers (${what} is not available for ${info.plural} "${name}")`,
    { name, kind: info.plural },
  );
}
