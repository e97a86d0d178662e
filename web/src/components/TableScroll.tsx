/** A scrolling box around a plain <table>, reachable by keyboard (Tab, then arrow keys scroll it). */
import type { CSSProperties, ReactNode } from "react";

export function TableScroll({
  label,
  maxHeight,
  style,
  children,
}: {
  label: string;
  maxHeight: number | string;
  style?: CSSProperties;
  children: ReactNode;
}) {
  return (
    // biome-ignore lint/a11y/noNoninteractiveTabindex: the scroll box must be reachable by keyboard to scroll it
    <section className="table-wrap" tabIndex={0} aria-label={label} style={{ maxHeight, ...style }}>
      {children}
    </section>
  );
}
