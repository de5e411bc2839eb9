import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';
import type { RatePoint } from '../api-types.js';
import { perSecond } from './format.js';

const series = (points: readonly RatePoint[]): uPlot.AlignedData => [
  points.map((p) => p.t),
  points.map((p) => p.processed),
  points.map((p) => p.failed),
];

/** Processed and failed messages per second over the last hour, drawn by uPlot. */
export function ThroughputChart({ points }: { points: readonly RatePoint[] }) {
  const box = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot>();

  useEffect(() => {
    if (!box.current) return;
    const width = () => Math.max(320, (box.current?.clientWidth ?? 640) - 8);
    const u = new uPlot(
      {
        width: width(),
        height: 220,
        scales: { y: { range: (_u, _min, max) => [0, Math.max(1, max * 1.1)] } },
        axes: [{}, { label: 'messages / s', size: 60 }],
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
    const resize = () => u.setSize({ width: width(), height: 220 });
    window.addEventListener('resize', resize);
    return () => {
      window.removeEventListener('resize', resize);
      u.destroy();
    };
  }, []);

  useEffect(() => {
    plot.current?.setData(series(points));
  }, [points]);

  const last = points[points.length - 1];
  return (
    <figure class="chart" aria-labelledby="chart-caption">
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
