import { certificatesReady, type CertificatesReady } from './certificates-ready.js';
import { criticalReplicas, type CriticalReplicas } from './critical-replicas.js';
import { criticalServicesUp, type CriticalServicesUp } from './critical-services-up.js';
import { healthAtLeast, type HealthAtLeast } from './health-at-least.js';
import { kafkaBaseline, type KafkaBaseline } from './kafka-baseline.js';
import type { PhaseObject } from '../manifests.js';
import type { CheckKind } from './kind.js';
import { manifestsPresent, type ManifestsPresent } from './manifests-present.js';
import { noProblemPods, type NoProblemPods } from './no-problem-pods.js';
import { pdbsCoverCritical, type PdbsCoverCritical } from './pdbs-cover-critical.js';
import { podsReady, type PodsReady } from './pods-ready.js';
import { quotasPresent, type QuotasPresent } from './quotas-present.js';
import { secretsInVault, type SecretsInVault } from './secrets-in-vault.js';
import { vaultUnsealed, type VaultUnsealed } from './vault-unsealed.js';

/** A check as loaded from a runbook: one of the kinds below; checks that name manifests hold their objects. */
export type ResolvedCheck = (
  | CertificatesReady
  | VaultUnsealed
  | PodsReady
  | NoProblemPods
  | KafkaBaseline
  | PdbsCoverCritical
  | QuotasPresent
  | HealthAtLeast
  | CriticalReplicas
  | CriticalServicesUp
  | SecretsInVault
  | ManifestsPresent
) & { objects?: PhaseObject[] };

export type CheckName = ResolvedCheck['kind'];

/**
 * The conditions a check task can test, one file each; a task names exactly one. In the order the runbook
 * error messages list them.
 */
export const CHECKS: { [K in CheckName]: CheckKind<Extract<ResolvedCheck, { kind: K }>> } = {
  certificatesReady,
  vaultUnsealed,
  podsReady,
  noProblemPods,
  kafkaBaseline,
  pdbsCoverCritical,
  quotasPresent,
  healthAtLeast,
  criticalReplicas,
  criticalServicesUp,
  secretsInVault,
  manifestsPresent,
};

export const CHECK_NAMES = Object.keys(CHECKS) as CheckName[];
