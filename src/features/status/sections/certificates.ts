import { listCertificates, type CertificateState } from '../../../integrations/cert-manager.js';
import { measured, notMeasured, type SectionProvider } from '../sections.js';

export interface ExpiringCertificate extends CertificateState {
  notAfter: Date;
  /** Whole days left (negative: expired). */
  daysLeft: number;
}

export interface CertificateExpiry {
  withinDays: number;
  total: number;
  /** Expiring within `withinDays` or already expired, soonest first. */
  expiring: ExpiringCertificate[];
  /** No `status.notAfter` yet (not issued): their expiry is not measured. */
  unissued: CertificateState[];
  /** Ready condition False. */
  notReady: CertificateState[];
}

const DAY_MS = 86_400_000;

/** cert-manager Certificates' `status.notAfter`, read from the Kubernetes API. */
export const certificateExpiry: SectionProvider<CertificateExpiry, { withinDays: number }> = {
  title: 'Certificates',
  async collect(ctx, { withinDays }) {
    const read = await listCertificates(ctx.kube, ctx.config.KUBE_PAGE_SIZE);
    if (!read.served) return notMeasured(`${read.reason}.`);
    return measured(expiryOf(read.items, ctx.now, withinDays));
  },
};

export function expiryOf(items: readonly CertificateState[], now: Date, withinDays: number): CertificateExpiry {
  const horizon = now.getTime() + withinDays * DAY_MS;
  const expiring = items
    .filter(
      (c): c is CertificateState & { notAfter: Date } => c.notAfter !== undefined && c.notAfter.getTime() <= horizon,
    )
    .map((c) => ({ ...c, daysLeft: Math.floor((c.notAfter.getTime() - now.getTime()) / DAY_MS) }))
    .sort((a, b) => a.notAfter.getTime() - b.notAfter.getTime());
  return {
    withinDays,
    total: items.length,
    expiring,
    unissued: items.filter((c) => c.notAfter === undefined),
    notReady: items.filter((c) => c.ready === false),
  };
}
