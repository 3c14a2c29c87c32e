import { mkdir, writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { untilSignal } from '../app/worker.js';
import { wireConfigMapConsumers } from './demo-secrets.js';
import { generateScenario, loadScenario, startKubeStandin } from './kube/index.js';
import { startVaultStandin } from './vault/index.js';

const USAGE = 'Usage: carbon devstack [--scenario 254carbon | --pods N --namespaces M] [--port P] [--out DIR]';

/**
 * `carbon devstack`: serves the stand-ins until stopped and writes into DIR two kubeconfigs, the admin's
 * (for people and kubectl) and the bot's (the carbon-ops ServiceAccount, under manifests/bot/base/rbac.yaml),
 * and an env file that points `carbon` at the stand-ins as the bot (KUBECONFIG, VAULT_ADDR, VAULT_TOKEN),
 * so state lasts across several `carbon run` calls.
 */
export async function runDevstack(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      scenario: { type: 'string' },
      pods: { type: 'string' },
      namespaces: { type: 'string' },
      port: { type: 'string', default: '0' },
      out: { type: 'string', default: '.carbon/devstack' },
    },
  });
  const port = Number(values.port);
  const generated = values.pods !== undefined || values.namespaces !== undefined;
  if (!Number.isInteger(port) || port < 0 || port > 65535 || (generated && values.scenario !== undefined)) {
    console.error(USAGE);
    return 2;
  }
  const scenario = generated
    ? generateScenario({ pods: positive(values.pods, 1000), namespaces: positive(values.namespaces, 10) })
    : await loadScenario(values.scenario ?? '254carbon');

  const kube = await startKubeStandin({ scenario, port });
  if (!generated && scenario.name === '254carbon') wireConfigMapConsumers(kube.cluster);
  const vault = await startVaultStandin();
  const out = resolve(values.out!);
  await mkdir(out, { recursive: true });
  const kubeconfig = resolve(out, 'kubeconfig');
  await kube.writeKubeconfig(kubeconfig);
  const botKubeconfig = resolve(out, 'bot-kubeconfig');
  await kube.writeBotKubeconfig(botKubeconfig);
  const envFile = resolve(out, 'devstack.env');
  // The stand-in's root token, like `vault server -dev`: it guards made-up demo values only.
  await writeFile(
    envFile,
    `# Written by carbon devstack: point carbon at the stand-ins as its ServiceAccount (set -a; . ${envFile}; set +a)\nKUBECONFIG=${botKubeconfig}\nVAULT_ADDR=${vault.url}\nVAULT_TOKEN=${vault.rootToken}\n`,
    { mode: 0o600 },
  );

  console.log(`Kubernetes stand-in: ${kube.url}`);
  console.log(`Vault stand-in:      ${vault.url}   (KV v2 at secret/)`);
  console.log(`kubeconfig:          ${kubeconfig}   (the admin: kubectl --kubeconfig ${kubeconfig} get pods -A)`);
  console.log(
    `bot kubeconfig:      ${botKubeconfig}   (ServiceAccount carbon-ops/carbon-ops: kubectl --kubeconfig ${botKubeconfig} auth can-i --list)`,
  );
  console.log(`env file:            ${envFile}   (set -a; . ${envFile}; set +a; npx carbon run health)`);
  console.log('Serving until Ctrl-C.');
  await untilSignal();
  await vault.close();
  await kube.close();
  return 0;
}

function positive(value: string | undefined, fallback: number): number {
  const n = value === undefined ? fallback : Number(value);
  if (!Number.isInteger(n) || n <= 0) throw new Error(`${USAGE}\n--pods and --namespaces take positive whole numbers.`);
  return n;
}
