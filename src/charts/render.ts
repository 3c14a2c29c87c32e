import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { renderAsync, type RenderedImage } from '@resvg/resvg-js';
import { parse, View, type Loader } from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';
import { FONT_FAMILY } from './theme.js';

/*
 * The font travels with the code: resvg draws no text at all when it finds no matching font, and the
 * fonts a machine happens to have are not something a chart should depend on. A build must copy
 * fonts/ next to the compiled module (tsc copies only .ts output).
 */
const FONT_FILE = fileURLToPath(new URL('./fonts/DejaVuSans.ttf', import.meta.url));

/**
 * Vega-Lite spec → SVG, headless. Charts are built from inline values only, so the loader refuses every
 * URL (data or image): nothing is fetched. Vega only warns about a failed load and draws the chart
 * without that data, so a refusal is also turned into a rejection instead of a silently empty chart.
 */
export async function renderSvg(spec: TopLevelSpec): Promise<string> {
  const refused: string[] = [];
  const refuse = (uri: string): Promise<never> => {
    refused.push(uri);
    return Promise.reject(new Error(`chart rendering is offline: refused to load ${uri}`));
  };
  const offline: Loader = { load: refuse, sanitize: refuse, http: refuse, file: refuse };
  const view = new View(parse(compile(spec).spec), { renderer: 'none', loader: offline });
  try {
    const svg = await view.toSVG();
    if (refused.length > 0) throw new Error(`chart spec refers to external resources, refused: ${refused.join(', ')}`);
    return svg;
  } finally {
    view.finalize();
  }
}

/** SVG → pixels, with only the shipped font: no system fonts, so a render is the same on every machine. */
export async function rasterize(svg: string): Promise<RenderedImage> {
  if (!existsSync(FONT_FILE)) throw new Error(`chart font missing at ${FONT_FILE}: charts would render without text`);
  return renderAsync(svg, {
    font: { fontFiles: [FONT_FILE], loadSystemFonts: false, defaultFontFamily: FONT_FAMILY },
  });
}

/** A chart as a PNG ready to upload to Slack. */
export async function renderPng(spec: TopLevelSpec): Promise<Buffer> {
  return (await rasterize(await renderSvg(spec))).asPng();
}
