// Time on the wire and on screen: metav1.Time's RFC 3339 with whole seconds, ages as kubectl prints them
// (k8s.io/apimachinery/pkg/util/duration.HumanDuration), and scenario ages ("12d", "3h30m") in milliseconds.

const formatted = new Map<number, string>();

/** metav1.Time serialises to whole seconds: "2025-10-24T09:15:02Z". Memoised per second: loading a large
 * scenario formats the same few seconds hundreds of thousands of times. */
export function rfc3339(ms: number): string {
  const second = Math.floor(ms / 1000);
  let text = formatted.get(second);
  if (text === undefined) {
    if (formatted.size > 10_000) formatted.clear();
    text = `${new Date(second * 1000).toISOString().slice(0, 19)}Z`;
    formatted.set(second, text);
  }
  return text;
}

export function humanDuration(ms: number): string {
  const seconds = Math.floor(ms / 1000);
  if (seconds < -1) return '<invalid>';
  if (seconds < 0) return '0s';
  if (seconds < 120) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 10) return seconds % 60 === 0 ? `${minutes}m` : `${minutes}m${seconds % 60}s`;
  if (minutes < 180) return `${minutes}m`;
  const hours = Math.floor(minutes / 60);
  if (hours < 8) return minutes % 60 === 0 ? `${hours}h` : `${hours}h${minutes % 60}m`;
  if (hours < 48) return `${hours}h`;
  if (hours < 24 * 8) return hours % 24 === 0 ? `${hours / 24}d` : `${Math.floor(hours / 24)}d${hours % 24}h`;
  const days = Math.floor(hours / 24);
  if (hours < 24 * 365 * 2) return `${days}d`;
  if (hours < 24 * 365 * 8) return days % 365 === 0 ? `${days / 365}y` : `${Math.floor(days / 365)}y${days % 365}d`;
  return `${Math.floor(days / 365)}y`;
}

/** The age column: time since an RFC 3339 timestamp, "<unknown>" when there is none. */
export function age(timestamp: string | undefined, now: number): string {
  return timestamp ? humanDuration(now - Date.parse(timestamp)) : '<unknown>';
}

const UNITS: Record<string, number> = { d: 86_400_000, h: 3_600_000, m: 60_000, s: 1000 };

/** "12d", "3h30m", "45s" → milliseconds. */
export function parseAge(text: string): number {
  const parts = [...text.matchAll(/(\d+)([dhms])/g)];
  if (parts.length === 0 || parts.map((p) => p[0]).join('') !== text)
    throw new Error(`invalid age "${text}" (use e.g. 12d, 3h30m)`);
  return parts.reduce((sum, p) => sum + Number(p[1]) * (UNITS[p[2] as string] as number), 0);
}
