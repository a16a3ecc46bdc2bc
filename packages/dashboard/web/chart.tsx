import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';

export interface SeriesSpec {
  label: string;
  color: string;
}

/** A time-series line chart (uPlot); `xs` in ms since the epoch, one array of values per series. */
export function Chart(props: { id: string; title: string; xs: number[]; ys: number[][]; series: SeriesSpec[] }) {
  const box = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const data = [props.xs.map((x) => x / 1000), ...props.ys] as uPlot.AlignedData;
  useEffect(() => {
    const el = box.current;
    if (!el) return undefined;
    const css = getComputedStyle(document.documentElement);
    const fg = css.getPropertyValue('--muted').trim() || '#888';
    const grid = css.getPropertyValue('--line').trim() || '#ddd';
    const color = (c: string) => (c.startsWith('var(') ? css.getPropertyValue(c.slice(4, -1)).trim() : c);
    const axis = { stroke: fg, grid: { stroke: grid, width: 1 }, ticks: { stroke: grid, width: 1 } };
    plot.current = new uPlot(
      {
        title: props.title,
        width: Math.max(320, el.clientWidth - 4),
        height: 220,
        series: [
          {},
          ...props.series.map((s) => ({ label: s.label, stroke: color(s.color), width: 2, points: { show: false } })),
        ],
        axes: [axis, { ...axis, size: 60 }],
        scales: { y: { range: (_u, _min, max) => [0, Math.max(1, max * 1.1)] } },
      },
      data,
      el,
    );
    const resize = () => plot.current?.setSize({ width: Math.max(320, el.clientWidth - 4), height: 220 });
    window.addEventListener('resize', resize);
    return () => {
      window.removeEventListener('resize', resize);
      plot.current?.destroy();
      plot.current = null;
    };
  }, [props.title, props.series.length, document.documentElement.dataset.theme]);
  useEffect(() => {
    plot.current?.setData(data);
  });
  return (
    <div class="chart" id={props.id} data-points={props.xs.length} data-last={props.ys[0]?.at(-1) ?? ''} ref={box} />
  );
}
