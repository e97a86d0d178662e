/**
 * A real <table> (headers, scope, aria-sort) that renders only the rows in view, so 200 clusters × 50 Syncs
 * stay smooth; optional group rows (clusters by env, region, provider) and sorting kept in the URL.
 */
import { useVirtualizer } from "@tanstack/react-virtual";
import { type ReactNode, useMemo, useRef } from "react";
import { useQueryParam } from "../app/router.tsx";

export interface Column<R> {
  readonly id: string;
  readonly header: ReactNode;
  readonly cell: (row: R) => ReactNode;
  /** Enables sorting by this column. */
  readonly sortValue?: (row: R) => string | number;
  readonly className?: string;
  readonly width?: number | string;
  /** A header cell's accessible title when `header` is not text. */
  readonly title?: string;
}

type Item<R> = { kind: "group"; key: string; label: string; count: number } | { kind: "row"; key: string; row: R };

const rowHeight = 40;

export function VirtualTable<R>({
  caption,
  columns,
  rows,
  rowKey,
  groupBy,
  maxHeight = 560,
  sortParam = "sort",
  className = "",
  onRowClick,
}: {
  caption: string;
  columns: readonly Column<R>[];
  rows: readonly R[];
  rowKey: (row: R) => string;
  groupBy?: ((row: R) => string) | undefined;
  maxHeight?: number | string;
  sortParam?: string;
  className?: string;
  onRowClick?: (row: R) => void;
}) {
  const [sort, setSort] = useQueryParam(sortParam);
  const desc = sort.startsWith("-");
  const sortId = desc ? sort.slice(1) : sort;
  const sortCol = columns.find((c) => c.id === sortId && c.sortValue);

  const items = useMemo(() => {
    let sorted = rows;
    if (sortCol?.sortValue) {
      const value = sortCol.sortValue;
      sorted = [...rows].sort((a, b) => {
        const va = value(a);
        const vb = value(b);
        const c = typeof va === "number" && typeof vb === "number" ? va - vb : String(va).localeCompare(String(vb));
        return desc ? -c : c;
      });
    }
    if (!groupBy) return sorted.map((row): Item<R> => ({ kind: "row", key: rowKey(row), row }));
    const groups = new Map<string, R[]>();
    for (const row of sorted) {
      const g = groupBy(row);
      const list = groups.get(g);
      if (list) list.push(row);
      else groups.set(g, [row]);
    }
    const out: Item<R>[] = [];
    for (const [label, list] of [...groups].sort(([a], [b]) => a.localeCompare(b))) {
      out.push({ kind: "group", key: `group:${label}`, label, count: list.length });
      for (const row of list) out.push({ kind: "row", key: rowKey(row), row });
    }
    return out;
  }, [rows, sortCol, desc, groupBy, rowKey]);

  const scrollRef = useRef<HTMLElement>(null);
  const virtualizer = useVirtualizer({
    count: items.length,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => rowHeight,
    overscan: 12,
    getItemKey: (i) => items[i]?.key ?? i,
  });
  const virtual = virtualizer.getVirtualItems();
  const top = virtual[0]?.start ?? 0;
  const bottom = virtualizer.getTotalSize() - (virtual[virtual.length - 1]?.end ?? 0);

  const toggleSort = (id: string) => setSort(sortId === id && !desc ? `-${id}` : sortId === id ? "" : id);

  return (
    // biome-ignore lint/a11y/noNoninteractiveTabindex: the scroll box must be reachable by keyboard to scroll it
    <section className="table-wrap" ref={scrollRef} style={{ maxHeight }} tabIndex={0} aria-label={caption}>
      <table className={`data ${className}`} aria-rowcount={rows.length + 1}>
        <caption className="visually-hidden">{caption}</caption>
        <thead>
          <tr>
            {columns.map((c) => (
              <th
                key={c.id}
                scope="col"
                className={c.className}
                style={c.width !== undefined ? { width: c.width } : undefined}
                title={c.title}
                aria-sort={sortCol?.id === c.id ? (desc ? "descending" : "ascending") : undefined}
              >
                {c.sortValue ? (
                  <button type="button" className="sort" onClick={() => toggleSort(c.id)}>
                    {c.header}
                    <span aria-hidden="true">{sortCol?.id === c.id ? (desc ? " ▾" : " ▴") : ""}</span>
                  </button>
                ) : (
                  c.header
                )}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {top > 0 && (
            <tr className="spacer">
              <td colSpan={columns.length} style={{ height: top, padding: 0, border: 0 }} />
            </tr>
          )}
          {virtual.map((v) => {
            const item = items[v.index];
            if (!item) return null;
            if (item.kind === "group")
              return (
                <tr key={item.key} className="group">
                  <th scope="colgroup" colSpan={columns.length} style={{ textAlign: "left", padding: "0 12px" }}>
                    {item.label} <span className="muted">({item.count})</span>
                  </th>
                </tr>
              );
            const row = item.row;
            return (
              <tr
                key={item.key}
                onClick={onRowClick ? () => onRowClick(row) : undefined}
                style={onRowClick ? { cursor: "pointer" } : undefined}
              >
                {columns.map((c) => (
                  <td key={c.id} className={c.className}>
                    {c.cell(row)}
                  </td>
                ))}
              </tr>
            );
          })}
          {bottom > 0 && (
            <tr className="spacer">
              <td colSpan={columns.length} style={{ height: bottom, padding: 0, border: 0 }} />
            </tr>
          )}
        </tbody>
      </table>
    </section>
  );
}
