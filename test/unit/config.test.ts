import { describe, expect, it } from '@jest/globals';
import { kafkaClusters, loadConfig } from '../../src/config.js';
import { redactUrl } from '../../src/log.js';

describe('loadConfig', () => {
  it('has working defaults for the demo', () => {
    const config = loadConfig({});
    expect(config.REDIS_URL).toBe('redis://127.0.0.1:6379');
    expect(config.DATABASE_URL).toBeUndefined();
    expect(config.KUBE_PAGE_SIZE).toBe(500);
    expect(Object.isFrozen(config)).toBe(true);
  });

  it('reads VAULT_SKIP_VERIFY strictly: exactly true or false', () => {
    expect(loadConfig({}).VAULT_SKIP_VERIFY).toBe(false);
    expect(loadConfig({ VAULT_SKIP_VERIFY: 'false' }).VAULT_SKIP_VERIFY).toBe(false);
    expect(loadConfig({ VAULT_SKIP_VERIFY: 'true' }).VAULT_SKIP_VERIFY).toBe(true);
    for (const loose of ['1', 'yes', 'TRUE', 'False', ''])
      expect(() => loadConfig({ VAULT_SKIP_VERIFY: loose })).toThrow(
        /VAULT_SKIP_VERIFY: must be exactly true or false/,
      );
    expect(() => loadConfig({ VAULT_KV_MOUNT: '../sys' })).toThrow(/VAULT_KV_MOUNT/);
    expect(() => loadConfig({ VAULT_ADDR: 'ftp://vault' })).toThrow(/VAULT_ADDR/);
  });

  it('reads the Kafka clusters a benchmark may target: `default` is KAFKA_BROKERS, the others KAFKA_CLUSTERS', () => {
    expect(kafkaClusters(loadConfig({}))).toEqual(new Map([['default', ['127.0.0.1:9092']]]));
    const config = loadConfig({
      KAFKA_BROKERS: 'kafka-0.kafka:9092, kafka-1.kafka:9092',
      KAFKA_CLUSTERS: ' prod = k1.prod:9092,k2.prod:9092 ;staging=[::1]:19092;',
    });
    expect(kafkaClusters(config)).toEqual(
      new Map([
        ['default', ['kafka-0.kafka:9092', 'kafka-1.kafka:9092']],
        ['prod', ['k1.prod:9092', 'k2.prod:9092']],
        ['staging', ['[::1]:19092']],
      ]),
    );
  });

  it('refuses KAFKA_CLUSTERS entries that do not fit, each with a clear message', () => {
    const problems = (KAFKA_CLUSTERS: string) => {
      try {
        loadConfig({ KAFKA_CLUSTERS });
      } catch (error) {
        return (error as Error).message;
      }
      throw new Error(`KAFKA_CLUSTERS=${KAFKA_CLUSTERS} was accepted`);
    };
    expect(problems('k1:9092')).toMatch(
      /KAFKA_CLUSTERS: `k1:9092` is not NAME=HOST:PORT; the format is NAME=HOST:PORT\[,HOST:PORT…\], clusters separated by ';'/,
    );
    expect(problems('Prod=k1:9092')).toMatch(/`Prod` is not a cluster name/);
    expect(problems('default=k1:9092')).toMatch(/`default` is KAFKA_BROKERS: set that instead/);
    expect(problems('a=k1:9092;a=k2:9092')).toMatch(/`a` is named twice/);
    expect(problems('a=')).toMatch(/`a` names no brokers/);
    expect(problems('a=k1:0')).toMatch(/`a`: `k1:0` is not host:port/);
    expect(problems('a=k1;b=k_2:9092')).toMatch(/`a`: `k1` is not host:port[\s\S]*`b`: `k_2:9092` is not host:port/);
    expect(() => loadConfig({ KAFKA_BROKERS: 'kafka:99999' })).toThrow(/KAFKA_BROKERS/);
  });

  it('takes each Slack token only in its own setting, without echoing it', () => {
    const config = loadConfig({ SLACK_BOT_TOKEN: 'xoxb-1-bot', SLACK_APP_TOKEN: 'xapp-1-app' });
    expect([config.SLACK_BOT_TOKEN, config.SLACK_APP_TOKEN]).toEqual(['xoxb-1-bot', 'xapp-1-app']);
    expect(loadConfig({ SLACK_APP_TOKEN: '' }).SLACK_APP_TOKEN).toBeUndefined();
    // Swapped: Slack would refuse both with not_allowed_token_type; Socket Mode would retry that for ever.
    const swapped = () => loadConfig({ SLACK_BOT_TOKEN: 'xapp-1-SECRETAPP', SLACK_APP_TOKEN: 'xoxb-1-SECRETBOT' });
    expect(swapped).toThrow(
      /SLACK_BOT_TOKEN: must be a bot token \(xoxb-…\)[\s\S]*SLACK_APP_TOKEN: must be an app-level token \(xapp-…\)/,
    );
    expect(swapped).not.toThrow(/SECRET/);
  });

  it("reads the proxy from HTTPS_PROXY/NO_PROXY or curl's lower-case names, the upper-case one winning", () => {
    const lower = loadConfig({ https_proxy: 'http://proxy.lan:3128', no_proxy: '.internal' });
    expect([lower.HTTPS_PROXY, lower.NO_PROXY]).toEqual(['http://proxy.lan:3128', '.internal']);
    const both = loadConfig({ HTTPS_PROXY: 'http://upper:3128', https_proxy: 'http://lower:3128' });
    expect(both.HTTPS_PROXY).toBe('http://upper:3128');
    expect(() => loadConfig({ https_proxy: 'socks5://u:SECRETPW@proxy.lan' })).toThrow(/HTTPS_PROXY/);
    expect(() => loadConfig({ https_proxy: 'socks5://u:SECRETPW@proxy.lan' })).not.toThrow(/SECRETPW/);
  });

  it('reports every problem in one message', () => {
    expect(() =>
      loadConfig({ REDIS_URL: 'http://x', KUBE_PAGE_SIZE: 'lots', CARBON_USER: 'alice', DATABASE_URL: 'mysql://x' }),
    ).toThrow(/Invalid settings[\s\S]*REDIS_URL[\s\S]*DATABASE_URL[\s\S]*KUBE_PAGE_SIZE[\s\S]*CARBON_USER/);
  });
});

describe('redactUrl', () => {
  it('hides the password and the query string, where pg also takes passwords', () => {
    expect(redactUrl('postgresql://carbon:S3CRET@db:5432/carbon?password=S3CRET&sslpassword=S3CRET')).toBe(
      'postgresql://carbon:***@db:5432/carbon?…',
    );
    expect(redactUrl('redis://127.0.0.1:6379')).toBe('redis://127.0.0.1:6379');
    expect(redactUrl('not a url')).toBe('(unparsable URL)');
  });
});
