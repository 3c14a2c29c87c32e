import { loadScenario, startKubeStandin } from '/work/wt/validation/src/devstack/kube/index.js';
const scenario = await loadScenario('254carbon');
const s = await startKubeStandin({ scenario, port: 18377 });
await s.writeKubeconfig('/tmp/val-kc.yaml');
console.log('ready', s.url);
