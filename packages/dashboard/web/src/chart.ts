import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import type { SignalSeries } from '@rollwatch/contract';
import { pointCounts, toPlotData } from '../../src/model/chart-data.js';
import { formatNumber, signalLabel } from '../../src/model/format.js';
import { h } from './dom.js';

const CANARY = '#d9480f';
const BASELINE = '#1c7ed6';
const THRESHOLD = '#868e96';

export interface SignalChart {
  element: HTMLElement;
  update(series: SignalSeries, failing: boolean): void;
  destroy(): void;
}

/**
 * One signal, canary vs baseline on one chart, the absolute threshold as a dashed line. The
 * container exposes how many windows carry data per group (`data-canary-points`,
 * `data-baseline-points`) so tests and screen readers need not read the canvas.
 */
export function signalChart(series: SignalSeries, failing: boolean): SignalChart {
  const title = h('h3', {}, signalLabel(series.signal), h('span', { class: 'unit' }, ` ${series.unit}`));
  const plotHost = h('div', { class: 'plot' });
  const empty = h('p', { class: 'muted empty' }, 'no closed windows yet');
  const element = h('figure', { class: 'chart', 'data-testid': 'chart', 'data-signal': series.signal }, title, plotHost, empty);
  let plot: uPlot | undefined;
  let hasThreshold: boolean | undefined;

  const options = (withThreshold: boolean): uPlot.Options => ({
    width: Math.max(280, plotHost.clientWidth || 420),
    height: 180,
    cursor: { drag: { x: true, y: false } },
    legend: { show: true },
    scales: { x: { time: true } },
    axes: [{}, { size: 60, values: (_u, ticks) => ticks.map((v) => formatNumber(v, series.unit === 'ratio' ? 'ratio' : '')) }],
    series: [
      {},
      { label: 'canary', stroke: CANARY, width: 2, spanGaps: false, points: { show: true, size: 4 } },
      { label: 'baseline', stroke: BASELINE, width: 2, spanGaps: false, points: { show: true, size: 4 } },
      ...(withThreshold ? [{ label: 'threshold', stroke: THRESHOLD, width: 1, dash: [6, 4], points: { show: false } }] : []),
    ],
  });

  const update = (next: SignalSeries, isFailing: boolean): void => {
    const data = toPlotData(next);
    const counts = pointCounts(data);
    element.dataset.canaryPoints = String(counts.canary);
    element.dataset.baselinePoints = String(counts.baseline);
    element.dataset.threshold = data.threshold ? String(data.threshold[0]) : '';
    element.classList.toggle('failing', isFailing);
    empty.hidden = data.x.length > 0;
    const withThreshold = data.threshold !== null;
    const columns = [data.x, data.canary, data.baseline, ...(withThreshold ? [data.threshold!] : [])] as uPlot.AlignedData;
    if (!plot || hasThreshold !== withThreshold) {
      plot?.destroy();
      hasThreshold = withThreshold;
      plot = new uPlot(options(withThreshold), columns, plotHost);
    } else {
      plot.setData(columns);
    }
  };

  update(series, failing);
  const resize = new ResizeObserver(() => plot?.setSize({ width: Math.max(280, plotHost.clientWidth), height: 180 }));
  resize.observe(plotHost);
  return {
    element,
    update,
    destroy: () => {
      resize.disconnect();
      plot?.destroy();
    },
  };
}
