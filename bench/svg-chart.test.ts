import { describe, expect, it } from 'vitest';
import { lineChartSvg, niceAxis, type ChartPanel } from './svg-chart.ts';

/** Element names and attributes of every tag, after checking the document is well-formed XML (no parser in the project). */
function parseTags(svg: string): { name: string; attrs: Record<string, string>; parents: string[] }[] {
  const tags: { name: string; attrs: Record<string, string>; parents: string[] }[] = [];
  const stack: string[] = [];
  let roots = 0;
  const tokens = svg.split(/(<[^>]*>)/);
  for (const token of tokens) {
    if (!token.startsWith('<')) {
      // Text: any & must start an entity, and no markup leaks into it.
      expect(token, 'text').not.toMatch(/[<>]/);
      expect(token.replace(/&(amp|lt|gt|quot|apos);/g, ''), 'text').not.toContain('&');
      if (stack.length === 0) expect(token.trim(), 'text outside the root').toBe('');
      continue;
    }
    const closing = /^<\/([\w:-]+)\s*>$/.exec(token);
    if (closing) {
      expect(stack.pop(), `closing ${token}`).toBe(closing[1]);
      continue;
    }
    const open = /^<([\w:-]+)((?:\s+[\w:-]+="[^"<]*")*)\s*(\/?)>$/.exec(token);
    expect(open, `malformed tag ${token}`).not.toBeNull();
    const [, name, attrText, selfClosing] = open!;
    const attrs: Record<string, string> = {};
    for (const [, key, value] of attrText!.matchAll(/([\w:-]+)="([^"]*)"/g)) {
      expect(attrs[key!], `attribute ${key} twice in ${token}`).toBeUndefined();
      expect(value!.replace(/&(amp|lt|gt|quot|apos);/g, ''), token).not.toContain('&');
      attrs[key!] = value!;
    }
    if (stack.length === 0) roots += 1;
    tags.push({ name: name!, attrs, parents: [...stack] });
    if (!selfClosing) stack.push(name!);
  }
  expect(stack, 'unclosed elements').toEqual([]);
  expect(roots).toBe(1);
  return tags;
}

const unescape = (text: string): string =>
  text.replace(/&(amp|lt|gt|quot|apos);/g, (_, e: string) => ({ amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" })[e]!);

const PANELS: ChartPanel[] = [
  {
    title: 'RSS per agent',
    xLabel: 'connections (N)',
    yLabel: 'KiB per connection',
    series: [
      { name: 'Fleet', points: [{ x: 1_000, y: 31.2, low: 30, high: 33.9 }, { x: 2_000, y: 24.5 }, { x: 5_000, y: 17.3, low: 15.9, high: 18 }, { x: 10_000, y: 15.1 }] },
      { name: 'bare <ws> & co', points: [{ x: 10_000, y: 9.1 }, { x: 1_000, y: 11 }] },
    ],
  },
  {
    title: 'time to connect',
    xLabel: 'connections (N)',
    yLabel: 's',
    series: [{ name: 'Fleet', points: [{ x: 1_000, y: 0.4 }, { x: 10_000, y: -0.5 }] }],
  },
];

describe('lineChartSvg', () => {
  const svg = lineChartSvg(PANELS, { title: 'Cost curve', caption: 'medians of 3 runs' });
  const tags = parseTags(svg);

  it('is one well-formed SVG document with a size', () => {
    const root = tags[0]!;
    expect(root.name).toBe('svg');
    expect(root.attrs.xmlns).toBe('http://www.w3.org/2000/svg');
    expect(Number(root.attrs.width)).toBeGreaterThan(0);
    expect(root.attrs.viewBox).toBe(`0 0 ${root.attrs.width} ${root.attrs.height}`);
    expect(svg).toContain('<title id="chart-title">Cost curve</title>');
    expect(svg).toContain('medians of 3 runs');
  });

  it('places every point where its data says, on the scale its tick labels show', () => {
    PANELS.forEach((panel, index) => {
      const inPanel = tags.filter((t) => t.parents.includes('g') && tagPanel(t) === index);
      const ticks = (axis: 'x' | 'y'): { value: number; at: number }[] =>
        inPanel
          .filter((t) => t.name === 'line' && tags.some((g) => g.attrs['data-axis'] === axis && g === parentTick(t)))
          .map((t) => ({ value: Number(parentTick(t)!.attrs['data-value']), at: Number(axis === 'x' ? t.attrs.x1 : t.attrs.y1) }));
      const xs = ticks('x');
      const ys = ticks('y');
      expect(xs.length).toBeGreaterThanOrEqual(3);
      expect(ys.length).toBeGreaterThanOrEqual(3);
      // Pixels per unit from the end ticks; every tick in between must agree.
      const scale = (list: { value: number; at: number }[]) => {
        const [first, last] = [list[0]!, list.at(-1)!];
        return (value: number): number => first.at + ((value - first.value) * (last.at - first.at)) / (last.value - first.value);
      };
      const sx = scale(xs);
      const sy = scale(ys);
      for (const t of xs) expect(sx(t.value)).toBeCloseTo(t.at, 0);
      for (const t of ys) expect(sy(t.value)).toBeCloseTo(t.at, 0);
      expect(sy(1)).toBeLessThan(sy(0)); // up is more

      const points = inPanel.filter((t) => t.name === 'circle' && t.attrs.class === 'point');
      const expected = panel.series.flatMap((s) => s.points.map((p) => ({ series: s.name, ...p })));
      expect(points).toHaveLength(expected.length);
      for (const p of expected) {
        const circle = points.find((c) => unescape(c.attrs['data-series']!) === p.series && Number(c.attrs['data-x']) === p.x);
        expect(circle, `${p.series} at ${p.x}`).toBeDefined();
        expect(Math.abs(Number(circle!.attrs.cx) - sx(p.x)), `${p.series} x at ${p.x}`).toBeLessThan(0.2);
        expect(Math.abs(Number(circle!.attrs.cy) - sy(p.y)), `${p.series} y at ${p.x}`).toBeLessThan(0.2);
      }
      // The axis spans every value and zero, with a tick at each end.
      const values = expected.flatMap((p) => [p.y, p.low ?? p.y, p.high ?? p.y]);
      expect(ys[0]!.value).toBeLessThanOrEqual(Math.min(0, ...values));
      expect(ys.at(-1)!.value).toBeGreaterThanOrEqual(Math.max(...values));
    });

    function tagPanel(t: (typeof tags)[number]): number | undefined {
      // Panels are the only <g> with data-panel; find the one this tag sits in, by document order.
      const index = tags.indexOf(t);
      const panel = tags.slice(0, index).reverse().find((g) => g.attrs['data-panel'] !== undefined);
      return panel ? Number(panel.attrs['data-panel']) : undefined;
    }
    function parentTick(t: (typeof tags)[number]): (typeof tags)[number] | undefined {
      const index = tags.indexOf(t);
      const g = tags[index - 1];
      return g?.name === 'g' && g.attrs.class === 'tick' ? g : undefined;
    }
  });

  it('draws each line through its points in x order, spread bars where given, and a legend entry per series', () => {
    const fleetPath = tags.find((t) => t.name === 'path' && t.parents.length > 0 && t.attrs.d?.startsWith('M') && t.attrs.fill === 'none' && !t.attrs.class);
    const xs = [...fleetPath!.attrs.d!.matchAll(/[ML]([\d.]+),/g)].map((m) => Number(m[1]));
    expect(xs).toEqual([...xs].sort((a, b) => a - b));
    expect(xs).toHaveLength(4);
    expect(tags.filter((t) => t.attrs.class === 'spread').map((t) => t.attrs['data-x'])).toEqual(['1000', '5000']);
    const legends = tags.filter((t) => t.attrs.class === 'legend').map((t) => unescape(t.attrs['data-series']!));
    expect(legends).toEqual(['Fleet', 'bare <ws> & co', 'Fleet']);
  });

  it('keeps a series with no data in the legend, marked, and draws no line for it', () => {
    const empty = lineChartSvg([{ title: 't', xLabel: 'x', yLabel: 'y', series: [{ name: 'Fleet', points: [{ x: 1, y: 1 }] }, { name: 'Artillery', points: [] }] }], { title: 't' });
    parseTags(empty);
    expect(empty).toContain('Artillery (no data)');
  });
});

describe('niceAxis', () => {
  it('includes zero and every value, with round steps', () => {
    expect(niceAxis([1_000, 10_000])).toEqual({ min: 0, max: 10_000, ticks: [0, 2_000, 4_000, 6_000, 8_000, 10_000] });
    expect(niceAxis([17.3, 24.5]).ticks).toEqual([0, 5, 10, 15, 20, 25]);
    expect(niceAxis([-0.8, 9.5])).toEqual({ min: -2.5, max: 10, ticks: [-2.5, 0, 2.5, 5, 7.5, 10] });
    expect(niceAxis([0.0123, 0.3]).ticks.at(-1)).toBeCloseTo(0.3);
    expect(niceAxis([]).ticks).toEqual([0, 0.2, 0.4, 0.6, 0.8, 1]);
  });
});
