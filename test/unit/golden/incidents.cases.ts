import * as incidents from '../../../src/features/incidents/render.js';
import type { Alert, Notification } from '../../../src/features/incidents/notification.js';
import { goldenModule } from '../../support/golden.js';

const common = { alertname: 'KafkaConnectDown', namespace: 'kafka', deployment: 'kafka-connect', severity: 'critical' };

const alert = (pod: string, status: Alert['status'], summary?: string): Alert => ({
  status,
  labels: { ...common, pod },
  annotations: summary !== undefined ? { summary } : {},
  startsAt: '2026-11-21T08:55:00Z',
  endsAt: status === 'resolved' ? '2026-11-21T09:05:00Z' : '0001-01-01T00:00:00Z',
  generatorURL: '',
  fingerprint: pod.length.toString(16).padStart(16, '0') + pod.slice(-1).charCodeAt(0).toString(16),
});

const notification = (alerts: Alert[], truncatedAlerts = 0): Notification => ({
  version: '4',
  groupKey: '{}:{alertname="KafkaConnectDown", namespace="kafka"}',
  truncatedAlerts,
  status: alerts.some((a) => a.status === 'firing') ? 'firing' : 'resolved',
  receiver: 'carbon-ops',
  groupLabels: { alertname: 'KafkaConnectDown', namespace: 'kafka' },
  commonLabels: common,
  commonAnnotations: { summary: 'Kafka Connect has no ready replica' },
  externalURL: 'http://alertmanager.monitoring:9093',
  alerts,
});

const firing = alert('kafka-connect-6b5c-x2k4p', 'firing', 'crash loop <!channel> *now*');
const second = alert('kafka-connect-6b5c-q7w2e', 'firing');

export default [
  goldenModule('incidents', 'features/incidents/render.ts', incidents, {
    groupMessage: {
      'firing-with-buttons': () => incidents.groupMessage(notification([firing, second]), '0123456789abcdef'),
      resolved: () =>
        incidents.groupMessage(
          notification([
            { ...firing, status: 'resolved' },
            { ...second, status: 'resolved' },
          ]),
          '0123456789abcdef',
        ),
      'storm-truncated': () =>
        incidents.groupMessage(
          notification(
            Array.from({ length: 40 }, (_, i) => alert(`kafka-connect-${i}`, 'firing')),
            500,
          ),
          '0123456789abcdef',
        ),
      // No workload in the labels: Silence only; the name raw in the plain-text header, escaped once elsewhere.
      'no-workload-escaped': () =>
        incidents.groupMessage(
          {
            ...notification([{ ...second, labels: { alertname: 'Disk <full> & co', instance: 'db-1' } }]),
            groupLabels: { alertname: 'Disk <full> & co' },
            commonLabels: { alertname: 'Disk <full> & co', instance: 'db-1' },
          },
          '0123456789abcdef',
        ),
    },
    changeMessage: {
      'one-fires-one-resolves': () =>
        incidents.changeMessage(notification([{ ...firing, status: 'resolved' }, second]), {
          [firing.fingerprint]: 'firing',
        })!,
    },
    alertLine: {
      escaped: () => incidents.alertLine(firing, {}),
    },
  }),
];
