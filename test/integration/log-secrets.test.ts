import { describe, expect, it } from '@jest/globals';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WebClient } from '@slack/web-api';
import { slackClientOptions } from '../../src/integrations/slack.js';
import { createLogger } from '../../src/log.js';

/** A failed Slack call, logged the way the worker logs it, must not write the bot token anywhere. */
describe('logging a failed Slack call', () => {
  it('keeps the error and its cause, never the request or its token', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'carbon-log-'));
    try {
      const token = 'xoxb-CANARY-7f3a9c1e-TOKEN';
      const client = new WebClient(token, {
        ...slackClientOptions('http://127.0.0.1:1/api/'),
        retryConfig: { retries: 0 },
      });
      const error = await client.chat.postMessage({ channel: 'C1', text: 'hello' }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(Error);

      const file = join(dir, 'carbon.log');
      const log = createLogger('info', file);
      log.error({ err: error, jobId: 'health-1' }, 'job failed');
      log.info({ request: { headers: { Authorization: `Bearer ${token}` } } }, 'ad hoc object');
      log.flush();

      const text = await readFile(file, 'utf8');
      expect(text).toContain('job failed');
      expect(text).toContain('"code":"slack_webapi_request_error"');
      expect(text).not.toContain('CANARY');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
