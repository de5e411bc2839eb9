import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';
import type { RatePoint } from '../api-types.js';
import { perSecond } from './format.js';
import { timeRange } from './time-range.js';

const series = (points: readonly RatePoint[]): uPlot.AlignedData => [
  points.map((p) => p.t),
  points.map((p) => p.processed),
  points.map((p) => p.failed),
];

/** Processed and failed messages per second over the last hour, drawn by uPlot. */
export function ThroughputChart({ points }: { points: readonly RatePoint[] }) {
  const box = useRef<HTMLDivElement>(null);
  const figure = useRef<HTMLElement>(null);
  const plot = useRef<uPlot>();
  // uPlot stretches a lone point over 1000 days and leaves an empty chart's
  // axis unset: the axis is set here, from the samples (see timeRange).
  const draw = (u: uPlot, shown: readonly RatePoint[]) => {
    u.setData(series(shown));
    const [min, max] = timeRange(shown[0]?.t, shown[shown.length - 1]?.t, Date.now() / 1000);
    u.setScale('x', { min, max });
  };
  // The axis drawn, for the tests (uPlot draws on a canvas), once uPlot has set it.
  const mark = (u: uPlot, key: string) => {
    if (key !== 'x') return;
    figure.current?.setAttribute('data-from', String(u.scales.x?.min ?? ''));
    figure.current?.setAttribute('data-to', String(u.scales.x?.max ?? ''));
  };

  useEffect(() => {
    if (!box.current) return;
    const width = () => Math.max(320, (box.current?.clientWidth ?? 640) - 8);
    const u = new uPlot(
      {
        width: width(),
        height: 220,
        scales: {
          x: { time: true, range: (_u, min, max) => timeRange(min, max, Date.now() / 1000) },
          y: { range: (_u, _min, max) => [0, Math.max(1, max * 1.1)] },
        },
        axes: [{}, { label: 'messages / s', size: 60 }],
        hooks: { setScale: [mark] },
        series: [
          {},
          { label: 'processed', stroke: '#1f6feb', width: 2, fill: 'rgba(31,111,235,0.08)' },
          { label: 'failed', stroke: '#cf222e', width: 2 },
        ],
      },
      series(points),
      box.current,
    );
    plot.current = u;
    draw(u, points);
    const resize = () => u.setSize({ width: width(), height: 220 });
    window.addEventListener('resize', resize);
    return () => {
      window.removeEventListener('resize', resize);
      u.destroy();
    };
  }, []);

  useEffect(() => {
    if (plot.current) draw(plot.current, points);
  }, [points]);

  const last = points[points.length - 1];
  return (
    <figure class="chart" aria-labelledby="chart-caption" ref={figure}>
      <div
        ref={box}
        role="img"
        aria-label="Throughput chart: processed and failed messages per second"
      />
      <figcaption id="chart-caption">
        Throughput, last hour: <span data-testid="chart-points">{points.length}</span> points
        {last
          ? `; now ${perSecond(last.processed)} processed, ${perSecond(last.failed)} failed`
          : '; waiting for the second sample'}
      </figcaption>
    </figure>
  );
}
