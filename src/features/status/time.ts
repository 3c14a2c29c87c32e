/**
 * Times as the team reads them: in the status time zone (STATUS_TZ). Pure functions over Intl, no
 * time-zone library: every conversion is checked against Intl's own reading of the result.
 */

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(tz: string): Intl.DateTimeFormat {
  let f = formatters.get(tz);
  if (f === undefined) {
    f = new Intl.DateTimeFormat('en-CA', {
      timeZone: tz,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
      hourCycle: 'h23',
      weekday: 'short',
    });
    formatters.set(tz, f);
  }
  return f;
}

interface WallClock {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  weekday: string;
}

/** The wall clock in `tz` at `date`. */
export function wallClock(date: Date, tz: string): WallClock {
  const parts = Object.fromEntries(
    formatter(tz)
      .formatToParts(date)
      .map((p) => [p.type, p.value]),
  );
  return {
    year: Number(parts.year),
    month: Number(parts.month),
    day: Number(parts.day),
    hour: Number(parts.hour),
    minute: Number(parts.minute),
    second: Number(parts.second),
    weekday: String(parts.weekday),
  };
}

const pad = (n: number) => String(n).padStart(2, '0');

/** `2025-10-27 09:00 UTC`, `2025-10-27 10:00 Europe/Berlin`; with seconds when they are not zero. */
export function formatTime(date: Date, tz: string, options: { weekday?: boolean; seconds?: boolean } = {}): string {
  const w = wallClock(date, tz);
  const seconds =
    options.seconds === true || (options.seconds === undefined && w.second !== 0) ? `:${pad(w.second)}` : '';
  const day = options.weekday ? `${w.weekday} ` : '';
  return `${day}${w.year}-${pad(w.month)}-${pad(w.day)} ${pad(w.hour)}:${pad(w.minute)}${seconds} ${tz}`;
}

/** `2025-10-27` in `tz`. */
export function formatDate(date: Date, tz: string): string {
  const w = wallClock(date, tz);
  return `${w.year}-${pad(w.month)}-${pad(w.day)}`;
}

/**
 * The instant at which the wall clock in `tz` shows the given time. Times skipped by a daylight-saving
 * jump resolve to the instant just after it; repeated times to the first of the two.
 */
export function zonedInstant(
  tz: string,
  year: number,
  month: number,
  day: number,
  hour = 0,
  minute = 0,
  second = 0,
): Date {
  const wanted = Date.UTC(year, month - 1, day, hour, minute, second);
  let guess = wanted;
  for (let i = 0; i < 3; i++) {
    const w = wallClock(new Date(guess), tz);
    const shown = Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second);
    if (shown === wanted) break;
    guess += wanted - shown;
  }
  // Repeated hour: prefer the earlier instant if it shows the same wall time.
  const earlier = guess - 3_600_000;
  const e = wallClock(new Date(earlier), tz);
  if (Date.UTC(e.year, e.month - 1, e.day, e.hour, e.minute, e.second) === wanted) return new Date(earlier);
  return new Date(guess);
}

/** `3 h 20 min`, `2 d 4 h`, `45 s`: a duration to read, not to compute with. */
export function formatDuration(ms: number): string {
  const s = Math.round(Math.abs(ms) / 1000);
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min`;
  const h = Math.floor(m / 60);
  if (h < 48) return m % 60 === 0 ? `${h} h` : `${h} h ${m % 60} min`;
  const d = Math.floor(h / 24);
  return h % 24 === 0 ? `${d} d` : `${d} d ${h % 24} h`;
}
