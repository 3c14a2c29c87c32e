import { describe, expect, it } from '@jest/globals';
import { loadPolicy, Policy } from '../../src/policy/policy.js';

const policy = new Policy({
  members: { U0VIEWER: 'viewer', U0OPERATOR: 'operator', U0ADMIN: 'admin', S0PLATFORM: 'approver' },
  channels: { incident: { ids: ['C0INCIDENT'], prefixes: ['inc-'] } },
  commands: {
    health: { role: 'viewer', approvals: 0 },
    restart: { role: 'operator', channels: 'incident', approvals: 1 },
  },
});

const actor = (user: string, channel = 'C0GENERAL', name?: string, groups: string[] = []) => ({
  user,
  groups,
  channel: { id: channel, ...(name ? { name } : {}) },
});

describe('Policy', () => {
  it('denies by default: unknown users and commands without a rule', () => {
    expect(policy.authorize('health', actor('U0STRANGER'))).toEqual({
      allowed: false,
      reason: expect.stringMatching(/needs the viewer role; you have no carbon-ops role/),
    });
    expect(policy.authorize('audit', actor('U0ADMIN'))).toMatchObject({
      allowed: false,
      reason: expect.stringMatching(/not allowed by the policy/),
    });
  });

  it('ranks roles: a higher role includes the lower ones', () => {
    expect(policy.authorize('health', actor('U0OPERATOR'))).toMatchObject({ allowed: true, role: 'operator' });
    expect(policy.authorize('restart', actor('U0VIEWER', 'C0INCIDENT'))).toMatchObject({
      allowed: false,
      reason: expect.stringMatching(/needs the operator role; your role is viewer/),
    });
  });

  it('channel rules narrow but never grant', () => {
    expect(policy.authorize('restart', actor('U0OPERATOR', 'C0GENERAL', 'general'))).toMatchObject({
      allowed: false,
      reason: expect.stringMatching(/only run in incident channels/),
    });
    expect(policy.authorize('restart', actor('U0OPERATOR', 'C0INCIDENT'))).toMatchObject({
      allowed: true,
      approvals: 1,
    });
    expect(policy.authorize('restart', actor('U0OPERATOR', 'C9NEW', 'inc-2026-11-21-trino'))).toMatchObject({
      allowed: true,
    });
    expect(policy.authorize('restart', actor('U0STRANGER', 'C0INCIDENT', 'inc-demo'))).toMatchObject({
      allowed: false,
    });
  });

  it('grants through user groups, keyed on IDs', () => {
    expect(policy.roleOf('U0NOBODY', ['S0PLATFORM'])).toBe('approver');
    expect(policy.roleOf('U0VIEWER', ['S0PLATFORM'])).toBe('approver');
  });

  it('loads the example policy the README documents', async () => {
    const example = await loadPolicy('policy/policy.example.yaml');
    expect(example.roleOf('U0APPROVER', [])).toBe('approver');
    expect(example.authorize('health', actor('U0VIEWER'))).toMatchObject({ allowed: true });
  });

  it('rejects a malformed policy file with a clear message', async () => {
    await expect(loadPolicy('catalogue/services.yaml')).rejects.toThrow(
      /POLICY_FILE catalogue\/services.yaml is invalid/,
    );
    await expect(loadPolicy('no/such/file.yaml')).rejects.toThrow(/cannot be read/);
  });
});
