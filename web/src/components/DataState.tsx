/** The states every data view has besides "default": loading, not connected / error, and empty. */
import type { ReactNode } from "react";
import type { ApiRequestError } from "../api/client.ts";
import type { Resource } from "../api/use-resource.ts";
import { AlertIcon, InboxIcon, PlugIcon } from "./icons.tsx";

/** Skeleton rows while the first answer is on its way. */
export function Loading({ rows = 5, label = "Loading" }: { rows?: number; label?: string }) {
  return (
    <div className="skeleton-rows" role="status" aria-live="polite">
      <span className="visually-hidden">{label}…</span>
      {Array.from({ length: rows }, (_, i) => (
        // biome-ignore lint/suspicious/noArrayIndexKey: static placeholders
        <span key={i} className="skeleton" style={{ width: `${92 - ((i * 17) % 40)}%` }} />
      ))}
    </div>
  );
}

/** Not connected (the server is unreachable) or an error answer, with a retry. */
export function ErrorState({ error, onRetry }: { error: ApiRequestError; onRetry?: () => void }) {
  const offline = error.offline;
  return (
    <div className={`state ${offline ? "offline" : "error"}`} role="alert">
      <span className="state-icon">{offline ? <PlugIcon /> : <AlertIcon />}</span>
      <h2>{offline ? "Not connected to kaika" : error.status === 403 ? "Not allowed" : "Could not load this"}</h2>
      <p>
        {offline
          ? "The dashboard cannot reach kaika's server. It keeps retrying; check that kaika is running."
          : error.message}
      </p>
      {onRetry && (
        <button type="button" onClick={onRetry}>
          Retry
        </button>
      )}
    </div>
  );
}

/** Nothing to show, and why (and what to do about it). */
export function EmptyState({ title, children }: { title: string; children?: ReactNode }) {
  return (
    <div className="state">
      <span className="state-icon">
        <InboxIcon />
      </span>
      <h2>{title}</h2>
      {children && <p>{children}</p>}
    </div>
  );
}

/**
 * Renders a resource: skeleton while loading, the error when there is no data, else `children(data)`;
 * when a refetch fails after data was shown, the data stays with a banner above it.
 */
export function Async<T>({
  resource,
  children,
  rows,
}: {
  resource: Resource<T>;
  children: (data: T) => ReactNode;
  rows?: number;
}) {
  if (resource.data === undefined) {
    if (resource.error) return <ErrorState error={resource.error} onRetry={resource.reload} />;
    return <Loading {...(rows ? { rows } : {})} />;
  }
  return (
    <>
      {resource.error && (
        <div className="banner warn" role="status">
          {resource.error.offline ? "Not connected: showing the last data received." : resource.error.message}
        </div>
      )}
      {children(resource.data)}
    </>
  );
}
