import type { KubeStandin } from '../../src/devstack/kube/index.js';

export const BOT_USER = 'system:serviceaccount:carbon-ops:carbon-ops';

/**
 * Fails when the stand-in refused the bot anything: every integration test runs the bot as its
 * ServiceAccount, and a call its role does not grant is a bug to fix (grant the narrowest rule in
 * manifests/bot/base/rbac.yaml, with a comment), even when the bot recovered from the 403.
 */
export function assertBotNeverRefused(kube: KubeStandin | undefined): void {
  const refused = (kube?.stats.refused ?? [])
    .filter(({ username }) => username === BOT_USER)
    .map(({ message }) => message);
  if (refused.length > 0)
    throw new Error(
      `the stand-in refused the bot ${refused.length} request(s) its RBAC does not grant (manifests/bot/base/rbac.yaml):\n${[...new Set(refused)].join('\n')}`,
    );
}
