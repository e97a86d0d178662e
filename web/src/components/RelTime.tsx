/** A time shown relative ("3m ago") with the absolute time as title, in a <time> element. */
import { absolute, relative } from "./format.ts";

export function RelTime({ iso }: { iso: string | null | undefined }) {
  if (!iso) return <span className="muted">—</span>;
  return (
    <time dateTime={iso} title={absolute(iso)}>
      {relative(iso)}
    </time>
  );
}
