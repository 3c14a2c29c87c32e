import { resourcePath, statusOf, type Kube } from './kubernetes.js';

/** A cert-manager Certificate as the reports need it: when it stops being valid, whether it is Ready. */
export interface CertificateState {
  namespace: string;
  name: string;
  /** `status.notAfter`: absent until cert-manager has issued the certificate. */
  notAfter?: Date;
  /** The Ready condition's status; absent when cert-manager has not reported one. */
  ready?: boolean;
  secretName?: string;
  /** `spec.dnsNames`: the hosts it is for (the health report matches a URL's host). */
  dnsNames?: string[];
}

export type CertificatesRead =
  | { served: true; items: CertificateState[] }
  /** The cluster does not serve cert-manager's API, or carbon-ops may not list it: the reason says which. */
  | { served: false; reason: string };

const GROUP = 'cert-manager.io';
const VERSION = 'v1';
const PLURAL = 'certificates';
const MAX_PAGES = 100;

interface CertificateObject {
  metadata?: { name?: string; namespace?: string };
  spec?: { secretName?: string; dnsNames?: string[] };
  status?: { notAfter?: string; conditions?: { type?: string; status?: string }[] };
}

/**
 * Every Certificate in the cluster (cert-manager.io/v1, all namespaces), in pages, each call bounded
 * like every other Kubernetes call. Not served (404) and forbidden (403) are answers, not failures.
 */
export async function listCertificates(kube: Kube, pageSize = 500): Promise<CertificatesRead> {
  const items: CertificateState[] = [];
  let cont: string | undefined;
  try {
    for (let page = 0; page < MAX_PAGES; page++) {
      const list = await kube.request<{ items?: CertificateObject[]; metadata?: { continue?: string } }>({
        method: 'GET',
        path: resourcePath(`${GROUP}/${VERSION}`, PLURAL),
        query: { limit: pageSize, continue: cont },
        what: `list ${PLURAL}.${GROUP}`,
      });
      items.push(...(list.items ?? []).map(toState));
      cont = list.metadata?.continue || undefined;
      if (cont === undefined) break;
    }
  } catch (error) {
    const status = statusOf(error);
    if (status === 404)
      return {
        served: false,
        reason: `this cluster does not serve ${PLURAL}.${GROUP}/${VERSION} (cert-manager is not installed)`,
      };
    if (status === 403)
      return { served: false, reason: `carbon-ops may not list ${PLURAL}.${GROUP} (add it to the ClusterRole)` };
    throw error;
  }
  return { served: true, items };
}

function toState(object: CertificateObject): CertificateState {
  const notAfter = object.status?.notAfter ? new Date(object.status.notAfter) : undefined;
  const ready = object.status?.conditions?.find((c) => c.type === 'Ready')?.status;
  return {
    namespace: object.metadata?.namespace ?? '',
    name: object.metadata?.name ?? '',
    ...(notAfter !== undefined && !Number.isNaN(notAfter.getTime()) ? { notAfter } : {}),
    ...(ready === 'True' ? { ready: true } : ready === 'False' ? { ready: false } : {}),
    ...(object.spec?.secretName ? { secretName: object.spec.secretName } : {}),
    ...(object.spec?.dnsNames ? { dnsNames: object.spec.dnsNames } : {}),
  };
}
