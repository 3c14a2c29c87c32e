import type { WebClient } from '@slack/web-api';
import type { Logger } from '../log.js';

/** Which of the policy's Slack user groups a user belongs to. */
export interface GroupDirectory {
  groupsOf(user: string): Promise<string[]>;
}

/**
 * Membership read from Slack (`usergroups.users.list`, scope `usergroups:read`) for exactly the groups
 * the policy names, cached for `ttlMs`. A group that cannot be read grants nothing: deny by default.
 */
export function slackGroupDirectory(
  client: WebClient,
  groupIds: readonly string[],
  log: Logger,
  ttlMs = 5 * 60_000,
): GroupDirectory {
  const cache = new Map<string, { members: Set<string>; until: number }>();
  const members = async (group: string): Promise<Set<string>> => {
    const cached = cache.get(group);
    if (cached && cached.until > Date.now()) return cached.members;
    try {
      const result = await client.usergroups.users.list({ usergroup: group });
      const entry = { members: new Set(result.users ?? []), until: Date.now() + ttlMs };
      cache.set(group, entry);
      return entry.members;
    } catch (error) {
      log.warn({ err: error, group }, 'user group not readable; it grants nothing');
      return new Set();
    }
  };
  return {
    async groupsOf(user) {
      const found = await Promise.all(
        groupIds.map(async (group) => ((await members(group)).has(user) ? group : undefined)),
      );
      return found.filter((g): g is string => g !== undefined);
    },
  };
}
