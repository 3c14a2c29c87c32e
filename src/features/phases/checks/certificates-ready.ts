import { z } from 'zod';
import { manifestPath } from '../fields.js';
import type { PhaseObject } from '../manifests.js';
import { fail, names, pass, ref, type CheckKind } from './kind.js';

const schema = z.strictObject({ manifests: z.array(manifestPath).min(1) });

/** The Certificates of these manifests all have Ready=True. */
export type CertificatesReady = { kind: 'certificatesReady'; objects?: PhaseObject[] } & z.infer<typeof schema>;

export const certificatesReady: CheckKind<CertificatesReady> = {
  kind: 'certificatesReady',
  schema,
  async resolve(check, at, manifests, problems) {
    const objects = await manifests.select(check.manifests, { kinds: ['Certificate'] }, at, problems);
    return objects === undefined ? undefined : { ...check, objects };
  },
  describe: (check) => `the ${check.objects?.length ?? 0} Certificates of ${check.manifests.join(', ')} are Ready`,
  async evaluate(check, { kube }) {
    const objects = check.objects ?? [];
    const missing: string[] = [];
    const notReady: string[] = [];
    for (const { object } of objects) {
      const live = (await kube.read(object)) as
        | { status?: { conditions?: { type?: string; status?: string; reason?: string; message?: string }[] } }
        | undefined;
      if (live === undefined) {
        missing.push(ref(object));
        continue;
      }
      const ready = live.status?.conditions?.find((c) => c.type === 'Ready');
      if (ready?.status !== 'True') notReady.push(`${ref(object)} (${ready?.reason ?? 'no Ready condition yet'})`);
    }
    const readyCount = objects.length - missing.length - notReady.length;
    const summary = `${readyCount} of ${objects.length} certificates Ready`;
    if (missing.length === 0 && notReady.length === 0) return pass(summary);
    return fail(
      [
        summary,
        notReady.length ? `not ready: ${names(notReady)}` : '',
        missing.length ? `missing: ${names(missing)}` : '',
      ]
        .filter(Boolean)
        .join('; '),
    );
  },
};
