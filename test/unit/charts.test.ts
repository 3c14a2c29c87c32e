import { describe, expect, it, jest } from '@jest/globals';
import type { TopLevelSpec } from 'vega-lite';
import {
  healthTrendChart,
  latencyDistributionChart,
  renderPng,
  throughputHistoryChart,
} from '../../src/charts/index.js';
import { rasterize, renderSvg } from '../../src/charts/render.js';
import { CHART_HEIGHT, CHART_WIDTH } from '../../src/charts/theme.js';

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
const start = Date.UTC(2026, 10, 1);
const hours = (n: number): Date => new Date(start + n * 3_600_000);

const charts: Record<string, TopLevelSpec> = {
  latency: latencyDistributionChart(
    [1, 2, 5, 10, 20, 50, 100].map((upperMs, i) => ({ upperMs, count: [10, 400, 900, 500, 120, 30, 5][i]! })),
    'orders producer latency',
    { p50: 4.1, p95: 17, p99: 48 },
  ),
  throughput: throughputHistoryChart(
    [0, 1, 2, 3, 4].map((n) => ({
      at: hours(n * 24),
      recordsPerSec: 150_000 + n * 10_000,
      label: n === 2 ? 'v2' : undefined,
    })),
    160_000,
  ),
  health: healthTrendChart([0, 1, 2, 3, 4, 5].map((n) => ({ at: hours(n), healthPct: n === 3 ? 75 : 98 }))),
};

const empties: Record<string, TopLevelSpec> = {
  latency: latencyDistributionChart([], 'orders producer latency'),
  throughput: throughputHistoryChart([]),
  health: healthTrendChart([]),
};

function pngSize(png: Buffer): { width: number; height: number } {
  expect(png.subarray(0, 8)).toEqual(PNG_SIGNATURE);
  expect(png.toString('latin1', 12, 16)).toBe('IHDR'); // the first chunk, as the PNG spec requires
  return { width: png.readUInt32BE(16), height: png.readUInt32BE(20) };
}

/** Pixels in a rectangle of an RGBA image whose every channel is at most `max` (0 = black, 255 = white). */
function countInked(
  image: { pixels: Buffer; width: number },
  box: { x0: number; y0: number; x1: number; y1: number },
  max: number,
): number {
  const pixels = image.pixels; // resvg's getter copies the whole buffer on every access: read it once
  let count = 0;
  for (let y = box.y0; y < box.y1; y++) {
    for (let x = box.x0; x < box.x1; x++) {
      const i = (y * image.width + x) * 4;
      if (pixels[i]! <= max && pixels[i + 1]! <= max && pixels[i + 2]! <= max) count++;
    }
  }
  return count;
}

// The title and subtitle occupy the top band; without them, only the plot's topmost axis label reaches into it.
const titleBox = { x0: 0, y0: 0, x1: CHART_WIDTH, y1: 40 };
const DARK = 100; // title text is #222, the chart's blues, oranges and greys are all lighter than this

describe.each(Object.entries(charts))('%s chart', (_name, spec) => {
  it('renders a PNG of the Slack size', async () => {
    expect(pngSize(await renderPng(spec))).toEqual({ width: CHART_WIDTH, height: CHART_HEIGHT });
  });

  it('draws its title text with the shipped font', async () => {
    const { title, ...untitled } = spec;
    expect(title).toBeDefined();
    const withTitle = countInked(await rasterize(await renderSvg(spec)), titleBox, DARK);
    const withoutTitle = countInked(await rasterize(await renderSvg(untitled as TopLevelSpec)), titleBox, DARK);
    // Measured: 600–1,100 dark pixels with a title and subtitle, 50–100 (one axis label) without.
    expect(withTitle).toBeGreaterThan(400);
    expect(withoutTitle).toBeLessThan(withTitle / 5);
  });

  it('compiles without Vega-Lite warnings', async () => {
    const warn = jest.spyOn(console, 'warn').mockImplementation(() => undefined);
    try {
      await renderSvg(spec);
      expect(warn).not.toHaveBeenCalled();
    } finally {
      warn.mockRestore();
    }
  });
});

describe.each(Object.entries(empties))('%s chart of an empty data set', (_name, spec) => {
  it('renders a chart that says "no data"', async () => {
    const svg = await renderSvg(spec);
    expect(svg).toContain('>no data</text>');
    const image = await rasterize(svg);
    expect(pngSize(image.asPng())).toEqual({ width: CHART_WIDTH, height: CHART_HEIGHT });
    const middle = {
      x0: CHART_WIDTH / 2 - 100,
      y0: CHART_HEIGHT / 2 - 30,
      x1: CHART_WIDTH / 2 + 100,
      y1: CHART_HEIGHT / 2 + 30,
    };
    expect(countInked(image, middle, 200)).toBeGreaterThan(100);
  });
});

describe('chart builders', () => {
  it('puts each latency percentile on the bucket that contains it, and labels an unbounded last bucket', () => {
    const spec = latencyDistributionChart(
      [
        { upperMs: Infinity, count: 1 },
        { upperMs: 10, count: 5 },
        { upperMs: 5, count: 9 },
      ],
      't',
      { p50: 5, p99: 250 },
    );
    const json = JSON.stringify(spec);
    expect(json).toContain('"domain":["≤5","≤10",">10"]');
    expect(json).toContain('{"bucket":"≤5","name":"p50"}');
    expect(json).toContain('{"bucket":">10","name":"p99"}');
    expect(json).toContain('p50 5 ms · p99 250 ms');
  });

  it('keeps health on a fixed 0–100 % axis', () => {
    expect(JSON.stringify(healthTrendChart([{ at: hours(0), healthPct: 99 }]))).toContain('"domain":[0,100]');
  });

  it('renders a lone throughput point without a baseline', async () => {
    expect(pngSize(await renderPng(throughputHistoryChart([{ at: hours(0), recordsPerSec: 1 }])))).toEqual({
      width: CHART_WIDTH,
      height: CHART_HEIGHT,
    });
  });
});

describe('renderPng', () => {
  it('refuses to load anything: a spec with a data URL is rejected, not fetched', async () => {
    const spec: TopLevelSpec = { data: { url: 'http://127.0.0.1:9/data.json' }, mark: 'point' };
    await expect(renderPng(spec)).rejects.toThrow(/refused: http:\/\/127\.0\.0\.1:9\/data\.json/);
  });
});
