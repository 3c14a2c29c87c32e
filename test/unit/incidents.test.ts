import { describe, expect, it } from '@jest/globals';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { channelFor, loadAlertRoutes } from '../../src/features/incidents/routes.js';
import { alertTarget } from '../../src/features/incidents/target.js';
import { NOTIFICATION_LIMITS, parseNotification } from '../../src/features/incidents/notification.js';

async function routesFile(text: string): Promise<string> {
  const file = join(await mkdtemp(join(tmpdir(), 'routes-')), 'routes.yaml');
  await writeFile(file, text);
  return file;
}

describe('alert routes', () => {
  it('sends a group to the first route whose matchers all hold, else the default', async () => {
    const routes = await loadAlertRoutes(
      await routesFile(`
routes:
  - matchers: ['severity=critical', 'namespace!=sandbox']
    channel: C0CRIT
  - matchers: ['namespace=~"kafka|data-.*"']
    channel: C0DATA
`),
    );
    expect(channelFor(routes, { severity: 'critical', namespace: 'kafka' }, 'C0DEF')).toBe('C0CRIT');
    expect(channelFor(routes, { severity: 'critical', namespace: 'sandbox' }, 'C0DEF')).toBe('C0DEF');
    expect(channelFor(routes, { severity: 'warning', namespace: 'data-platform' }, 'C0DEF')).toBe('C0DATA');
    expect(channelFor(routes, { severity: 'warning', namespace: 'kafkax' }, undefined)).toBeUndefined();
  });

  it('names the file and the problem when the file is wrong', async () => {
    const file = await routesFile('routes:\n  - matchers: ["severity critical"]\n    channel: C0CRIT\n');
    await expect(loadAlertRoutes(file)).rejects.toThrow(/routes\.yaml: `severity critical` is not a matcher/);
    await expect(
      loadAlertRoutes(await routesFile('routes:\n  - matchers: ["a=b"]\n    channel: general\n')),
    ).rejects.toThrow(/Slack channel ID/);
  });
});

describe('alert target', () => {
  it('reads the workload from the labels kube-state-metrics uses', () => {
    expect(alertTarget({ namespace: 'kafka', deployment: 'kafka-connect' })).toEqual({
      namespace: 'kafka',
      kind: 'deployment',
      name: 'kafka-connect',
    });
    expect(alertTarget({ namespace: 'kafka', pod: 'kafka-0' })).toEqual({
      namespace: 'kafka',
      kind: 'pod',
      name: 'kafka-0',
    });
    expect(alertTarget({ deployment: 'x' })).toBeUndefined();
    expect(alertTarget({ namespace: 'kafka', deployment: 'Bad Name <!channel>' })).toBeUndefined();
  });
});

describe('notification payload', () => {
  it('names what a payload lacks', () => {
    const result = parseNotification({ version: '4', groupKey: 'k' });
    expect(result).toEqual({ problem: expect.stringMatching(/^status: /) });
  });

  it('clips an oversized payload instead of refusing it: Alertmanager does not retry a 4xx', () => {
    const alert = (i: number) => ({
      status: 'firing',
      labels: { alertname: 'Storm', instance: `node-${i}` },
      annotations: { summary: 'x'.repeat(10_000) },
      startsAt: '2026-12-07T10:00:00Z',
      fingerprint: i.toString(16),
    });
    const many = Object.fromEntries(Array.from({ length: 100 }, (_, i) => [`l${i}`, 'v']));
    const result = parseNotification({
      version: '4',
      groupKey: 'k',
      truncatedAlerts: 7,
      status: 'firing',
      receiver: 'carbon-ops',
      groupLabels: { alertname: 'Storm' },
      commonLabels: many,
      alerts: Array.from({ length: NOTIFICATION_LIMITS.alerts + 3 }, (_, i) => alert(i)),
    });
    if (!('notification' in result)) throw new Error(result.problem);
    const n = result.notification;
    expect(n.alerts).toHaveLength(NOTIFICATION_LIMITS.alerts);
    expect(n.truncatedAlerts).toBe(10);
    expect(n.alerts[0]!.annotations['summary']).toHaveLength(NOTIFICATION_LIMITS.labelValue);
    expect(Object.keys(n.commonLabels)).toHaveLength(NOTIFICATION_LIMITS.labels);
  });
});

describe('a pod’s owner, from its name', () => {
  it('reads a Deployment’s and a StatefulSet’s pods, and nothing else', async () => {
    const { podOwner } = await import('../../src/features/incidents/owner.js');
    expect(podOwner('superset-worker-7d9f5c8b6-x2k4p')).toEqual({ kind: 'deployment', name: 'superset-worker' });
    expect(podOwner('kafka-2')).toEqual({ kind: 'statefulset', name: 'kafka' });
    expect(podOwner('node-exporter-x2k4p')).toBeUndefined(); // a DaemonSet's
    expect(podOwner('debug')).toBeUndefined();
  });
});

describe('incident button values', () => {
  it('refuses a value carbon-ops did not write: a group id or a name it would not have put there', async () => {
    const { incidentCommand } = await import('../../src/handlers/incident-buttons.js');
    const { decodeIncidentValue } = await import('../../src/features/incidents/buttons.js');
    const click = (action: string, value: object) => () =>
      incidentCommand(action, decodeIncidentValue(JSON.stringify(value)));
    const group = '0123456789abcdef0123456789abcdef';
    expect(click('incident-silence-1h', { groupKey: group, hours: 1 })()).toEqual({
      name: 'silence',
      group,
      minutes: 60,
    });
    expect(click('incident-silence-1h', { groupKey: '`<!channel>`', hours: 1 })).toThrow(/does not carry an incident/);
    const target = { namespace: 'kafka', kind: 'deployment', name: 'kafka-connect' };
    expect(click('incident-logs', { target })()).toMatchObject({ name: 'logs', namespace: 'kafka' });
    expect(click('incident-logs', { target: { ...target, name: 'Bad <!here>' } })).toThrow(/does not carry/);
    expect(click('incident-restart', { groupKey: group })).toThrow(/does not carry/); // no workload: no restart
  });
});
