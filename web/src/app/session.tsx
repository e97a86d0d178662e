/** Who the user is (GET /api/v1/whoami) and what they may do, for every action button of the app. */
import { createContext, type ReactNode, useContext } from "react";
import { api } from "../api/endpoints.ts";
import type { WhoamiResponse } from "../api/types.ts";
import type { Resource } from "../api/use-resource.ts";
import { useResource } from "../api/use-resource.ts";

const SessionContext = createContext<Resource<WhoamiResponse> | null>(null);

export function SessionProvider({ children }: { children: ReactNode }) {
  const whoami = useResource("whoami", (signal) => api.whoami(signal));
  return <SessionContext.Provider value={whoami}>{children}</SessionContext.Provider>;
}

/** The whoami resource (loading until the server answers). */
export function useSession(): Resource<WhoamiResponse> {
  const s = useContext(SessionContext);
  if (!s) throw new Error("useSession outside SessionProvider");
  return s;
}

/** Whether the user may act on the Syncs of `namespace`, and if not, why (the tooltip of a disabled button). */
export function permission(
  whoami: WhoamiResponse | undefined,
  namespace: string,
): { allowed: true; csrfToken: string } | { allowed: false; reason: string } {
  if (!whoami) return { allowed: false, reason: "Checking your permissions…" };
  if (!whoami.actionsEnabled)
    return { allowed: false, reason: "This dashboard is read-only (start it with --allow-actions to act)." };
  const ns = whoami.namespaces.find((n) => n.namespace === namespace);
  if (!ns?.allowed) return { allowed: false, reason: `${whoami.user} may not patch Syncs in namespace ${namespace}.` };
  return { allowed: true, csrfToken: whoami.csrfToken };
}
