import { describe, expect, it } from '@jest/globals';
import { healthReport } from '../../src/features/health/health-report.js';
import { coalesce, type Clock } from '../../src/jobs/progress.js';

/** A clock that moves only when told: timers run when `advance` passes their time. */
class FakeClock implements Clock {
  private time = 0;
  private timers: { at: number; run: () => void; id: number }[] = [];
  private ids = 0;

  now(): number {
    return this.time;
  }

  setTimeout(run: () => void, ms: number): unknown {
    const id = ++this.ids;
    this.timers.push({ at: this.time + ms, run, id });
    return id;
  }

  clearTimeout(timer: unknown): void {
    this.timers = this.timers.filter((t) => t.id !== timer);
  }

  /** Moves time on, running each timer due (in order), and lets the sends they start settle. */
  async advance(ms: number): Promise<void> {
    const until = this.time + ms;
    for (;;) {
      const due = this.timers.filter((t) => t.at <= until).sort((a, b) => a.at - b.at)[0];
      if (!due) break;
      this.timers = this.timers.filter((t) => t !== due);
      this.time = due.at;
      due.run();
      await settle();
    }
    this.time = until;
  }
}

const settle = () => new Promise((resolve) => setImmediate(resolve));

/** A 10,000-pod health job's progress: one line per page of 500, reported every `pageMs`. */
async function pages(push: (text: string) => Promise<void>, clock: FakeClock, count: number, pageMs: number) {
  await push('Listing pods…');
  for (let page = 1; page <= count; page++) {
    await clock.advance(pageMs);
    await push(`Listing pods: ${page * 500} so far (page ${page})…`);
  }
  await clock.advance(pageMs);
  await push(`Listed ${count * 500} pods; reading workloads…`);
}

describe('progress coalescing', () => {
  it('sends at most one update per interval and at most five per job, the last state at the end', async () => {
    const clock = new FakeClock();
    const sent: string[] = [];
    const saved = coalesce(async (text) => void sent.push(text), { intervalMs: 1_000, maxSends: 5, clock });
    await pages((text) => saved.push(text), clock, 20, 150); // 22 updates over 3.15 s
    await saved.flush({ last: true });
    expect(sent.length).toBeLessThanOrEqual(5);
    expect(sent[0]).toBe('Listing pods…'); // the first shows at once
    expect(sent.length).toBeGreaterThanOrEqual(3); // and it moves while the job runs
    expect(sent.at(-1)).toBe('Listed 10000 pods; reading workloads…');
    expect(saved.sent).toBe(sent.length);
  });

  it('keeps the fifth for the end however long the job runs', async () => {
    const clock = new FakeClock();
    const sent: string[] = [];
    const saved = coalesce(async (text) => void sent.push(text), { intervalMs: 1_000, maxSends: 5, clock });
    await pages((text) => saved.push(text), clock, 100, 2_000); // one page every 2 s: each could be sent
    expect(sent).toHaveLength(4);
    await saved.flush({ last: true });
    expect(sent).toHaveLength(5);
    expect(sent.at(-1)).toBe('Listed 50000 pods; reading workloads…');
  });

  it('without a limit, keeps a long job moving: one send per interval for as long as it reports', async () => {
    const clock = new FakeClock();
    const sent: string[] = [];
    const edits = coalesce(async (text) => void sent.push(text), { intervalMs: 1_500, clock });
    for (let task = 1; task <= 60; task++) {
      await edits.push(`task ${task} of 60`);
      await clock.advance(500); // a 30 s apply, a line every 0.5 s
    }
    expect(sent.length).toBeGreaterThanOrEqual(19);
    expect(sent.length).toBeLessThanOrEqual(21);
    expect(sent.at(-1)).toMatch(/^task (59|60) of 60$/);
  });

  it('health reports write at most five progress lines', () => {
    expect(healthReport.progressWrites).toBe(5);
  });

  it('drops what was not sent when the result replaces it, and ignores later pushes', async () => {
    const clock = new FakeClock();
    const sent: string[] = [];
    const edits = coalesce(async (text) => void sent.push(text), { intervalMs: 1_000, clock });
    await edits.push('one');
    await edits.push('two'); // within the interval: kept, not sent
    await edits.flush();
    await clock.advance(5_000);
    await edits.push('three');
    expect(sent).toEqual(['one']);
  });

  it('sends in order, one at a time, even when a send is slow', async () => {
    const clock = new FakeClock();
    const log: string[] = [];
    let release: (() => void) | undefined;
    const send = async (text: string) => {
      log.push(`start ${text}`);
      if (text === 'a') await new Promise<void>((resolve) => (release = resolve));
      log.push(`end ${text}`);
    };
    const edits = coalesce(send, { intervalMs: 100, clock });
    const first = edits.push('a');
    await settle();
    await edits.push('b').catch(() => undefined); // within the interval: a timer
    await clock.advance(100);
    expect(log).toEqual(['start a']);
    release?.();
    await first;
    await edits.flush();
    expect(log).toEqual(['start a', 'end a', 'start b', 'end b']);
  });

  it('rejects the next push with the error of a failed send, so a job whose record is gone stops', async () => {
    const clock = new FakeClock();
    const gone = new Error('job 7 is gone from the queue');
    const saved = coalesce(
      async () => {
        throw gone;
      },
      { intervalMs: 1_000, maxSends: 5, clock },
    );
    await expect(saved.push('Listing pods…')).rejects.toBe(gone);
    await expect(saved.push('Listing pods: 500 so far (page 1)…')).rejects.toBe(gone);
  });
});
