// Numbers as the charts' subtitles and labels print them; Vega formats the axes itself with the same "," style.
const grouped = new Intl.NumberFormat('en-US', { maximumFractionDigits: 1 });

export function formatNumber(value: number): string {
  return grouped.format(value);
}

export function formatMs(value: number): string {
  return `${formatNumber(value)} ms`;
}
