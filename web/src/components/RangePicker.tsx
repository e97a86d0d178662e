/** A segmented control for a chart's time range ("1h", "1d", …): one pressed button per range. */
export function RangePicker({
  ranges,
  value,
  onChange,
}: {
  ranges: readonly string[];
  value: string;
  onChange: (range: string) => void;
}) {
  return (
    <fieldset className="segmented">
      <legend className="visually-hidden">Range</legend>
      {ranges.map((r) => (
        <button key={r} type="button" aria-pressed={value === r} onClick={() => onChange(r)}>
          {r}
        </button>
      ))}
    </fieldset>
  );
}
