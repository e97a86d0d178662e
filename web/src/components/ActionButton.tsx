/** A button for an action on a Sync: disabled with the reason as tooltip when the user may not; shows progress and errors. */
import { useId, useState } from "react";
import { ApiRequestError } from "../api/client.ts";

export function ActionButton({
  label,
  disabledReason,
  run,
  primary = false,
  onDone,
}: {
  label: string;
  /** Why the user may not (the tooltip); undefined when allowed. */
  disabledReason: string | undefined;
  run: () => Promise<unknown>;
  primary?: boolean;
  onDone?: (error: ApiRequestError | undefined) => void;
}) {
  const [busy, setBusy] = useState(false);
  const reasonId = useId();
  const disabled = disabledReason !== undefined || busy;
  const click = async () => {
    setBusy(true);
    let error: ApiRequestError | undefined;
    try {
      await run();
    } catch (e) {
      error = e instanceof ApiRequestError ? e : new ApiRequestError(0, String(e));
    } finally {
      setBusy(false);
    }
    onDone?.(error);
  };
  return (
    <span className="tip" data-tip={disabledReason}>
      <button
        type="button"
        className={primary ? "primary" : undefined}
        // aria-disabled keeps the button focusable, so keyboard users reach the tooltip too
        aria-disabled={disabled || undefined}
        aria-describedby={disabledReason ? reasonId : undefined}
        onClick={disabled ? undefined : click}
      >
        {busy ? `${label}…` : label}
      </button>
      {disabledReason && (
        <span id={reasonId} className="visually-hidden">
          {disabledReason}
        </span>
      )}
    </span>
  );
}
