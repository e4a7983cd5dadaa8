/**
 * Charts for notebooks: a Vega-Lite spec → SVG string, rendered headless in Node by Vega's
 * SVG renderer (no browser, no canvas), shown inline with tslab's `display.svg`.
 */
import * as tslab from 'tslab';

// vega and vega-lite are ES modules with top-level await: load them with a real dynamic import
// (see esm-import.cjs).
const { esmImport } = require('./esm-import.cjs') as { esmImport: (specifier: string) => Promise<any> };

/** A Vega-Lite specification (https://vega.github.io/vega-lite/docs/spec.html), as plain data. */
export type VegaLiteSpec = Record<string, unknown>;

const DEFAULTS = {
  background: 'white',
  config: {
    font: 'Helvetica, Arial, sans-serif',
    view: { stroke: '#ddd' },
    axis: { labelFontSize: 11, titleFontSize: 12, gridColor: '#eee' },
    legend: { labelFontSize: 11, titleFontSize: 12, labelLimit: 0 },
    title: { fontSize: 14, anchor: 'start' },
  },
};

/** Renders a Vega-Lite spec to an SVG document (the spec's own `config` is merged over ours). */
export async function chartSvg(spec: VegaLiteSpec): Promise<string> {
  const [vega, vegaLite] = await Promise.all([esmImport('vega'), esmImport('vega-lite')]);
  const config = { ...DEFAULTS.config, ...((spec.config as object | undefined) ?? {}) };
  const { spec: compiled } = vegaLite.compile({ ...DEFAULTS, ...spec, config });
  const view = new vega.View(vega.parse(compiled), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

/** Renders a Vega-Lite spec and shows it as the cell's output. */
export async function showChart(spec: VegaLiteSpec): Promise<void> {
  tslab.display.svg(await chartSvg(spec));
}

/** A Markdown table from a header and rows (cells are written as given). */
export function markdownTable(header: readonly string[], rows: readonly (readonly (string | number)[])[]): string {
  const line = (cells: readonly (string | number)[]) => `| ${cells.join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}

/** A number with `digits` decimals, or "n/a" when it is not finite. */
export function fmt(value: number | undefined, digits = 2): string {
  return value !== undefined && Number.isFinite(value) ? value.toFixed(digits) : 'n/a';
}
