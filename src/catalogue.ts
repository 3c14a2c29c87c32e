import { readFile } from 'node:fs/promises';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { ConfigError } from './config.js';

const dnsName = z
  .string()
  .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/)
  .max(63);

const serviceSchema = z.strictObject({
  name: dnsName,
  namespace: dnsName,
  workload: z
    .string()
    .regex(/^(deployment|statefulset)\/[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/, 'deployment/NAME or statefulset/NAME'),
  url: z.url().optional(),
  critical: z.boolean().default(false),
});

export type WorkloadKind = 'deployment' | 'statefulset';

export interface Service {
  name: string;
  namespace: string;
  kind: WorkloadKind;
  workload: string;
  url?: string;
  critical: boolean;
}

/** The platform's services: what the health report tables and what `restart <service>` resolves. */
export class Catalogue {
  constructor(readonly services: readonly Service[]) {}

  find(name: string): Service | undefined {
    return this.services.find((s) => s.name === name);
  }

  inNamespace(namespace: string | undefined): readonly Service[] {
    return namespace === undefined ? this.services : this.services.filter((s) => s.namespace === namespace);
  }
}

export async function loadCatalogue(path: string): Promise<Catalogue> {
  let doc: unknown;
  try {
    doc = parseYaml(await readFile(path, 'utf8'));
  } catch (error) {
    throw new ConfigError(`CATALOGUE_FILE ${path} cannot be read: ${(error as Error).message}`);
  }
  const parsed = z.strictObject({ services: z.array(serviceSchema) }).safeParse(doc);
  if (!parsed.success) {
    throw new ConfigError(
      `CATALOGUE_FILE ${path} is invalid:\n` +
        `${parsed.error.issues.map((i) => `  - ${i.path.join('.')}: ${i.message}`).join('\n')}`,
    );
  }
  const names = new Set<string>();
  const services = parsed.data.services.map(({ workload, ...rest }) => {
    if (names.has(rest.name)) throw new ConfigError(`CATALOGUE_FILE ${path}: service ${rest.name} is listed twice.`);
    names.add(rest.name);
    const [kind, name] = workload.split('/') as [WorkloadKind, string];
    return { ...rest, kind, workload: name };
  });
  return new Catalogue(services);
}
