import { readFile } from 'node:fs/promises';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { ConfigError } from '../config.js';

export const ROLES = ['viewer', 'operator', 'approver', 'admin'] as const;
export type Role = (typeof ROLES)[number];

const slackId = z.string().regex(/^[UWS][A-Z0-9]{2,20}$/, 'a Slack user (U…, W…) or user-group (S…) ID');

const ruleSchema = z.strictObject({
  role: z.enum(ROLES),
  /** Names of channel sets from `channels`; absent = any channel. */
  channels: z.union([z.string(), z.array(z.string())]).optional(),
  approvals: z.number().int().min(0).max(5).default(0),
});

const schema = z.strictObject({
  members: z.record(slackId, z.enum(ROLES)).default({}),
  channels: z
    .record(
      z.string(),
      z.strictObject({
        ids: z.array(z.string().regex(/^[CGD][A-Z0-9]{2,20}$/)).default([]),
        prefixes: z.array(z.string().min(1)).default([]),
      }),
    )
    .default({}),
  commands: z.record(z.string(), ruleSchema).default({}),
});

export type PolicyDocument = z.infer<typeof schema>;
export type Rule = z.infer<typeof ruleSchema>;

export interface Actor {
  user: string;
  /** The Slack user groups the user belongs to. */
  groups: readonly string[];
  channel: { id: string; name?: string };
}

export type Decision = { allowed: true; role: Role; approvals: number } | { allowed: false; reason: string };

const rank = (role: Role): number => ROLES.indexOf(role);

export class Policy {
  constructor(private readonly doc: PolicyDocument) {
    for (const [command, rule] of Object.entries(doc.commands)) {
      for (const set of channelSets(rule)) {
        if (!(set in doc.channels))
          throw new ConfigError(`Policy: command ${command} names unknown channel set "${set}".`);
      }
    }
  }

  /** The Slack user groups (S…) the policy gives roles to: the only groups worth looking up. */
  groupIds(): string[] {
    return Object.keys(this.doc.members).filter((id) => id.startsWith('S'));
  }

  /** The highest role among the user's own binding and their groups'. */
  roleOf(user: string, groups: readonly string[]): Role | undefined {
    const roles = [user, ...groups].map((id) => this.doc.members[id]).filter((r): r is Role => r !== undefined);
    return roles.sort((a, b) => rank(b) - rank(a))[0];
  }

  hasRole(actor: Pick<Actor, 'user' | 'groups'>, needed: Role): boolean {
    const role = this.roleOf(actor.user, actor.groups);
    return role !== undefined && rank(role) >= rank(needed);
  }

  authorize(command: string, actor: Actor): Decision {
    const rule = this.doc.commands[command];
    if (rule === undefined)
      return { allowed: false, reason: `\`${command}\` is not allowed by the policy for anyone.` };
    const role = this.roleOf(actor.user, actor.groups);
    if (role === undefined || rank(role) < rank(rule.role)) {
      const have = role === undefined ? 'you have no carbon-ops role' : `your role is ${role}`;
      return {
        allowed: false,
        reason: `\`${command}\` needs the ${rule.role} role; ${have}. Ask an admin to add your Slack ID to the policy.`,
      };
    }
    const sets = channelSets(rule);
    if (sets.length > 0 && !sets.some((set) => this.inChannelSet(set, actor.channel))) {
      return {
        allowed: false,
        reason: `\`${command}\` may only run in ${sets.map((s) => this.describeSet(s)).join(' or ')}.`,
      };
    }
    return { allowed: true, role, approvals: rule.approvals };
  }

  private inChannelSet(set: string, channel: Actor['channel']): boolean {
    const def = this.doc.channels[set];
    if (def === undefined) return false;
    return (
      def.ids.includes(channel.id) ||
      (channel.name !== undefined && def.prefixes.some((p) => channel.name!.startsWith(p)))
    );
  }

  private describeSet(set: string): string {
    const def = this.doc.channels[set];
    const parts = [
      ...(def?.ids ?? []).map((id) => `<#${id}>`),
      ...(def?.prefixes ?? []).map((p) => `channels named ${p}…`),
    ];
    return `${set} channels (${parts.join(', ')})`;
  }
}

const channelSets = (rule: Rule): string[] => (rule.channels === undefined ? [] : [rule.channels].flat());

export async function loadPolicy(path: string): Promise<Policy> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new ConfigError(`POLICY_FILE ${path} cannot be read: ${(error as Error).message}`);
  }
  const parsed = schema.safeParse(parseYaml(text) ?? {});
  if (!parsed.success) {
    throw new ConfigError(
      `POLICY_FILE ${path} is invalid:\n` +
        `${parsed.error.issues.map((i) => `  - ${i.path.join('.')}: ${i.message}`).join('\n')}`,
    );
  }
  return new Policy(parsed.data);
}
