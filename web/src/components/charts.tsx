/**
 * Small charts as inline SVG (no chart library: a few bars need none, and none would fit the
 * bundle budget as cheaply). Each is an image with a name; the same numbers are always in a
 * table beside it, which is what a screen reader reads.
 */

export interface Bar {
  name: string;
  value: number;
  /** Drawn in the warning colour (e.g. invitations older than a week). */
  flagged?: boolean;
}

/** Horizontal bars, one row each: name, bar, value. Scales to its container's width. */
export function HBars({ label, bars }: { label: string; bars: readonly Bar[] }) {
  const max = Math.max(1, ...bars.map((b) => b.value));
  const rowH = 26;
  const nameW = 130;
  const barW = 220;
  const width = nameW + barW + 50;
  const height = Math.max(1, bars.length) * rowH + 4;
  return (
    <svg
      role="img"
      aria-label={label}
      class="hbars"
      viewBox={`0 0 ${width} ${height}`}
      preserveAspectRatio="xMinYMin meet"
    >
      {bars.map((b, i) => {
        const y = i * rowH + 4;
        const w = b.value === 0 ? 0 : Math.max(2, Math.round((b.value / max) * barW));
        return (
          <g key={b.name}>
            <text x={nameW - 8} y={y + 14} text-anchor="end" class="label">
              {b.name}
            </text>
            <rect x={nameW} y={y} width={w} height={18} class={b.flagged ? 'bar flagged' : 'bar'} />
            <text x={nameW + w + 6} y={y + 14} class="value">
              {b.value}
            </text>
          </g>
        );
      })}
    </svg>
  );
}

/** Columns over days (oldest first), a label every `every` columns. */
export function DayColumns(props: {
  label: string;
  days: readonly { day: string; count: number }[];
}) {
  const { days } = props;
  const max = Math.max(1, ...days.map((d) => d.count));
  const colW = days.length > 40 ? 6 : 14;
  const gap = days.length > 40 ? 2 : 4;
  const h = 120;
  const top = 16;
  const left = 28;
  // Room on the right for the last date label.
  const width = left + days.length * (colW + gap) + gap + 16;
  const every = days.length > 40 ? 14 : 7;
  return (
    <svg
      role="img"
      aria-label={props.label}
      class="columns"
      viewBox={`0 0 ${width} ${h + top + 22}`}
      preserveAspectRatio="xMinYMin meet"
    >
      <text x={left - 6} y={top + 4} text-anchor="end" class="label">
        {max}
      </text>
      <text x={left - 6} y={top + h} text-anchor="end" class="label">
        0
      </text>
      <line x1={left} x2={width} y1={top + h} y2={top + h} class="axis" />
      {days.map((d, i) => {
        const bh = d.count === 0 ? 0 : Math.max(2, Math.round((d.count / max) * h));
        const x = left + gap + i * (colW + gap);
        return (
          <g key={d.day}>
            <rect x={x} y={top + h - bh} width={colW} height={bh} class="bar" />
            {(days.length - 1 - i) % every === 0 ? (
              <text x={x + colW / 2} y={top + h + 16} text-anchor="middle" class="label">
                {d.day.slice(5)}
              </text>
            ) : null}
          </g>
        );
      })}
    </svg>
  );
}
