import type { Config, TopLevelSpec } from 'vega-lite';

/** The one family we ship (fonts/DejaVuSans.ttf), and resvg's fallback for any other family name. */
export const FONT_FAMILY = 'DejaVu Sans';

/** Whole-image size: Slack shows an attached image about this wide, so labels stay legible unscaled. */
export const CHART_WIDTH = 800;
export const CHART_HEIGHT = 400;

export const COLORS = {
  primary: '#1f77b4',
  baseline: '#6b6b6b',
  p50: '#2ca02c',
  p95: '#ff7f0e',
  p99: '#d62728',
} as const;

/*
 * Only the regular face is shipped, so nothing asks for bold: vega defaults titles to bold, which resvg
 * would draw in the regular face anyway (checked). The SVG says what is drawn; hierarchy comes from size.
 */
const config: Config = {
  font: FONT_FAMILY,
  background: 'white',
  title: { fontSize: 18, fontWeight: 'normal', anchor: 'start', color: '#222222', subtitleFontSize: 13 },
  axis: { labelFontSize: 12, titleFontSize: 13, titleFontWeight: 'normal', titleColor: '#333333' },
  view: { stroke: null },
};

/** One layer of a layered chart, named from the public spec type rather than Vega-Lite's unstable internals. */
export type Layer = Extract<TopLevelSpec, { layer: unknown }>['layer'][number];

/** Size, font and layout every chart shares; the width and height are of the whole image, not the plot. */
export const base = {
  width: CHART_WIDTH,
  height: CHART_HEIGHT,
  autosize: { type: 'fit', contains: 'padding' },
  padding: 12,
  config,
} as const satisfies Partial<TopLevelSpec>;

/** Time axes are in UTC so a chart reads the same whichever zone the worker runs in. */
export const utcTimeAxis = {
  type: 'temporal',
  title: 'time (UTC)',
  scale: { type: 'utc' },
  axis: { labelFlush: true, labelOverlap: true },
} as const;

/** An empty data set still yields a chart: its title and a plain "no data" in the middle. */
export function noDataChart(title: string): TopLevelSpec {
  return {
    ...base,
    title,
    data: { values: [{}] },
    mark: { type: 'text', text: 'no data', fontSize: 24, color: '#888888' },
  };
}
