/** Who the user is (GET /api/v1/whoami) and what they may do, for every action button of the app. */
import { createContext, type ReactNode, useContext, useEffect, useRef } from "react";
import { unauthorizedEvent } from "../api/client.ts";
import { api } from "../api/endpoints.ts";
import type { WhoamiResponse } from "../api/types.ts";
import type { Resource } from "../api/use-resource.ts";
import { useResource } from "../api/use-resource.ts";

const SessionContext = createContext<Resource<WhoamiResponse> | null>(null);

export function SessionProvider({ children }: { children: ReactNode }) {
  const whoami = useResource("whoami", (signal) => api.whoami(signal));
  const { reload } = whoami;
  const signedOut = useRef(false);
  signedOut.current = whoami.error?.status === 401;
  // Any 401 (signed out elsewhere, token expired) asks again who we are, which shows the sign-in;
  // not while it is showing, or whoami's own 401 would ask again and again.
  useEffect(() => {
    const recheck = () => {
      if (!signedOut.current) reload();
    };
    window.addEventListener(unauthorizedEvent, recheck);
    return () => window.removeEventListener(unauthorizedEvent, recheck);
  }, [reload]);
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

/** True when the server wants a token from this browser (whoami answered 401). */
export function needsSignIn(whoami: Resource<WhoamiResponse>): boolean {
  return whoami.error?.status === 401;
}
