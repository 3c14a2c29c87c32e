import { z } from 'zod';

/** Alertmanager's API v2 (`/api/v2/silences`), the part carbon-ops uses. */
export interface SilenceMatcher {
  name: string;
  value: string;
  isRegex: boolean;
  isEqual: boolean;
}

export interface NewSilence {
  matchers: SilenceMatcher[];
  startsAt: Date;
  endsAt: Date;
  createdBy: string;
  comment: string;
}

const silenceSchema = z.object({
  id: z.string(),
  status: z.object({ state: z.enum(['active', 'pending', 'expired']) }),
  comment: z.string(),
  createdBy: z.string(),
  startsAt: z.string(),
  endsAt: z.string(),
});

export type Silence = z.infer<typeof silenceSchema>;

export class AlertmanagerError extends Error {
  override readonly name = 'AlertmanagerError';
  constructor(
    message: string,
    readonly status?: number,
  ) {
    super(message);
  }
}

/** A thin client: every call bounded, every answer checked; an error says what Alertmanager answered. */
export class Alertmanager {
  constructor(
    private readonly url: string,
    private readonly timeoutMs = 10_000,
  ) {}

  private async call(path: string, init: RequestInit = {}): Promise<unknown> {
    let response: Response;
    try {
      response = await fetch(new URL(path, this.url), {
        ...init,
        headers: { 'content-type': 'application/json', accept: 'application/json' },
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (error) {
      throw new AlertmanagerError(`Alertmanager did not answer: ${(error as Error).message}`);
    }
    const text = await response.text();
    if (!response.ok)
      throw new AlertmanagerError(
        `Alertmanager answered ${response.status}: ${text.replace(/\s+/g, ' ').slice(0, 200)}`,
        response.status,
      );
    return text === '' ? undefined : (JSON.parse(text) as unknown);
  }

  /** Creates the silence; its id. */
  async createSilence(silence: NewSilence): Promise<string> {
    const body = { ...silence, startsAt: silence.startsAt.toISOString(), endsAt: silence.endsAt.toISOString() };
    const answer = z
      .object({ silenceID: z.string() })
      .parse(await this.call('/api/v2/silences', { method: 'POST', body: JSON.stringify(body) }));
    return answer.silenceID;
  }

  async silences(): Promise<Silence[]> {
    return z.array(silenceSchema).parse(await this.call('/api/v2/silences'));
  }

  /** The silence, or undefined when Alertmanager no longer has it (it forgets expired ones after its retention). */
  async silence(id: string): Promise<Silence | undefined> {
    try {
      return silenceSchema.parse(await this.call(`/api/v2/silence/${encodeURIComponent(id)}`));
    } catch (error) {
      if (error instanceof AlertmanagerError && error.status === 404) return undefined;
      throw error;
    }
  }
}
