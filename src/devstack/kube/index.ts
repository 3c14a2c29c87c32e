// The Kubernetes stand-in: a protocol-faithful API server over a simulated cluster, and its scenarios.
export type { KubeStandin, KubeStandinOptions } from './standin.js';
export { startKubeStandin, clusterFromScenario } from './standin.js';
export type { ClusterOptions, DeletePropagation, ListQuery, WorkloadResource } from './cluster.js';
export { Cluster } from './cluster.js';
export type { Faults, Stats } from './server.js';
export type { Scenario } from './scenario.js';
export { loadScenario, parseScenario } from './scenario.js';
export { generateScenario } from './generate.js';
export { kubeconfigYaml } from './kubeconfig.js';
export type { PodBehaviour, PodState } from './pod-status.js';
export type { KubeObject, Pod, Deployment, StatefulSet, ReplicaSet, PodDisruptionBudget } from './types.js';
export type { StandinFetch, StandinFetchInit } from './fetch.js';
export type { UserInfo } from './authn.js';
