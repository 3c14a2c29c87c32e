// core/v1 Events as kubelet and the controllers write them (reason, message, source, involvedObject),
// so `kubectl get events` and `kubectl describe` read like a real cluster's.
import { rfc3339 } from './duration.js';
import type { KubeObject } from './types.js';

interface EventSource {
  component: string;
  host?: string;
}

export interface EventInput {
  type: 'Normal' | 'Warning';
  reason: string;
  message: string;
  source: EventSource;
  fieldPath?: string;
  count?: number;
  /** Defaults to now. */
  firstTimestamp?: string;
  lastTimestamp?: string;
}

let sequence = 0;

export function makeEvent(involved: KubeObject, input: EventInput, uid: string, now: number): KubeObject {
  const last = input.lastTimestamp ?? rfc3339(now);
  const first = input.firstTimestamp ?? last;
  // The real name is "<object>.<unix nanoseconds in hex>"; the sequence keeps same-millisecond events apart.
  const nanos = BigInt(Date.parse(last)) * 1_000_000n + BigInt(sequence++ % 1_000_000);
  const namespace = involved.metadata.namespace ?? 'default';
  return {
    apiVersion: 'v1',
    kind: 'Event',
    metadata: {
      name: `${involved.metadata.name}.${nanos.toString(16)}`,
      namespace,
      uid,
      resourceVersion: '',
      creationTimestamp: last,
    },
    involvedObject: {
      kind: involved.kind,
      namespace,
      name: involved.metadata.name,
      uid: involved.metadata.uid,
      apiVersion: involved.apiVersion,
      resourceVersion: involved.metadata.resourceVersion,
      ...(input.fieldPath ? { fieldPath: input.fieldPath } : {}),
    },
    reason: input.reason,
    message: input.message,
    source: input.source,
    firstTimestamp: first,
    lastTimestamp: last,
    count: input.count ?? 1,
    type: input.type,
    eventTime: null,
    reportingComponent: input.source.component,
    reportingInstance: input.source.host ?? '',
  };
}
