import { readFile } from 'node:fs/promises';
import { parse } from 'yaml';
import { z } from 'zod';

/**
 * Where an alert group is posted: the first route whose matchers all hold for the group's common labels,
 * else the default channel (INCIDENT_CHANNEL). Matchers are Alertmanager's: `name=value`, `name!=value`,
 * `name=~regex`, `name!~regex` (regexes anchored, as Alertmanager anchors them).
 */
export interface AlertRoutes {
  routes: readonly { matchers: readonly Matcher[]; channel: string }[];
}

interface Matcher {
  name: string;
  test: (value: string) => boolean;
}

const MATCHER = /^\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*(=~|!~|!=|=)\s*"?(.*?)"?\s*$/;

function matcher(text: string): Matcher {
  const m = MATCHER.exec(text);
  if (!m) throw new Error(`\`${text}\` is not a matcher (name=value, name!=value, name=~regex, name!~regex)`);
  const [, name, op, value] = m as unknown as [string, string, string, string];
  if (op === '=' || op === '!=') return { name, test: (v) => (v === value) === (op === '=') };
  const re = new RegExp(`^(?:${value})$`);
  return { name, test: (v) => re.test(v) === (op === '=~') };
}

const fileSchema = z.object({
  routes: z
    .array(
      z.object({
        matchers: z.array(z.string()).min(1),
        channel: z.string().regex(/^[CG][A-Z0-9]{2,20}$/, 'must be a Slack channel ID (C…)'),
      }),
    )
    .default([]),
});

export const NO_ROUTES: AlertRoutes = { routes: [] };

/** The routes file (ALERT_ROUTES_FILE); none when unset. Any problem fails the start, with the file's name. */
export async function loadAlertRoutes(file: string | undefined): Promise<AlertRoutes> {
  if (file === undefined) return NO_ROUTES;
  try {
    const parsed = fileSchema.parse(parse(await readFile(file, 'utf8')) ?? {});
    return { routes: parsed.routes.map((r) => ({ channel: r.channel, matchers: r.matchers.map(matcher) })) };
  } catch (error) {
    throw new Error(`${file}: ${(error as Error).message}`);
  }
}

export function channelFor(
  routes: AlertRoutes,
  labels: Readonly<Record<string, string>>,
  fallback: string | undefined,
): string | undefined {
  const route = routes.routes.find((r) => r.matchers.every((m) => m.test(labels[m.name] ?? '')));
  return route?.channel ?? fallback;
}
