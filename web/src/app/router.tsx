/** A small router over the History API: the path picks the page, the query string holds filters and search. */
import { type AnchorHTMLAttributes, type MouseEvent, useCallback, useSyncExternalStore } from "react";

const changeEvent = "kaika:navigate";

function subscribe(listener: () => void): () => void {
  window.addEventListener("popstate", listener);
  window.addEventListener(changeEvent, listener);
  return () => {
    window.removeEventListener("popstate", listener);
    window.removeEventListener(changeEvent, listener);
  };
}

const snapshot = () => window.location.pathname + window.location.search;

/** The current path and query; re-renders on navigation. */
export function useLocation(): { path: string; query: URLSearchParams } {
  const href = useSyncExternalStore(subscribe, snapshot);
  const url = new URL(href, window.location.origin);
  return { path: url.pathname, query: url.searchParams };
}

/** Goes to `to` (a path with an optional query); `replace` for filter edits, so Back skips keystrokes. */
export function navigate(to: string, options: { replace?: boolean } = {}): void {
  if (to === snapshot()) return;
  if (options.replace) window.history.replaceState(null, "", to);
  else window.history.pushState(null, "", to);
  window.dispatchEvent(new Event(changeEvent));
}

/** A query parameter as state: reading it from the URL, writing it back (replace), "" removes it. */
export function useQueryParam(name: string, fallback = ""): [string, (value: string) => void] {
  const { query } = useLocation();
  const value = query.get(name) ?? fallback;
  const set = useCallback(
    (next: string) => {
      const url = new URL(window.location.href);
      if (next === "" || next === fallback) url.searchParams.delete(name);
      else url.searchParams.set(name, next);
      navigate(url.pathname + url.search, { replace: true });
    },
    [name, fallback],
  );
  return [value, set];
}

/** An <a> that navigates in the app (a real link: middle-click and copy work). */
export function Link(props: AnchorHTMLAttributes<HTMLAnchorElement> & { href: string }) {
  const { href, onClick, ...rest } = props;
  const click = (e: MouseEvent<HTMLAnchorElement>) => {
    onClick?.(e);
    if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
    e.preventDefault();
    navigate(href);
  };
  return <a href={href} onClick={click} {...rest} />;
}
