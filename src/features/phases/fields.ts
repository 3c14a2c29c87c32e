import { z } from 'zod';

/** The fields of the runbook YAML that several of its parts share: names, selectors, manifest files. */

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

export const namespace = z.string().max(63).regex(DNS_LABEL, 'a namespace name (lowercase letters, digits and -)');

export const taskId = z.string().max(40).regex(DNS_LABEL, 'a task id (lowercase letters, digits and -, at most 40)');

/** A manifest file under the manifests directory: relative, no `..`, YAML. */
export const manifestPath = z
  .string()
  .regex(/^[A-Za-z0-9_][-A-Za-z0-9_./]*\.ya?ml$/, 'a YAML file under manifests/phases, e.g. pdb.yaml')
  .refine((p) => !p.split('/').includes('..'), 'must stay under manifests/phases (no ..)');

export const labelSelector = z
  .string()
  .trim()
  .min(1)
  .max(300)
  .regex(/^[-A-Za-z0-9_./=!,() ]+$/, 'a label selector such as app=harbor or job-name or "app in (a, b)"');

/** Which objects of the named manifests a task or check means (all when absent). */
export const selection = z.strictObject({
  /** Object kinds, e.g. [NetworkPolicy]. */
  kinds: z.array(z.string().min(1)).min(1).optional(),
  /** `name` or `namespace/name`. */
  names: z.array(z.string().min(1)).min(1).optional(),
  /** Labels every selected object carries. */
  labels: z.record(z.string(), z.string()).optional(),
});

export type Selection = z.infer<typeof selection>;
