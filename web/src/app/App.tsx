/** The shell: skip link, navigation, top bar (live indicator, user, theme toggle) and the current page. Page logic lives in pages/. */
import { lazy, Suspense, useEffect, useRef } from "react";
import { api } from "../api/endpoints.ts";
import { useLiveStatus } from "../api/use-resource.ts";
import { Loading } from "../components/DataState.tsx";
import {
  FleetIcon,
  MoonIcon,
  ReadinessIcon,
  SloIcon,
  SunIcon,
  SyncIcon,
  TopologyIcon,
  UserIcon,
  VersionsIcon,
} from "../components/icons.tsx";
import { FleetPage } from "../pages/fleet/FleetPage.tsx";
import { ReadinessPage } from "../pages/readiness/ReadinessPage.tsx";
import { SloPage } from "../pages/slo/SloPage.tsx";
import { SyncPage } from "../pages/sync/SyncPage.tsx";
import { SyncsPage } from "../pages/sync/SyncsPage.tsx";
import { VersionsPage } from "../pages/versions/VersionsPage.tsx";
import { Link, useLocation } from "./router.tsx";
import { SignIn } from "./SignIn.tsx";
import { needsSignIn, useSession } from "./session.tsx";
import { useTheme } from "./theme.ts";

// The graph library is big: it loads only when the topology page opens.
const TopologyPage = lazy(() => import("../pages/topology/TopologyPage.tsx"));
const StatesPage = lazy(() => import("../pages/states/StatesPage.tsx"));

const nav = [
  { href: "/fleet", label: "Fleet", icon: FleetIcon },
  { href: "/syncs", label: "Syncs", icon: SyncIcon },
  { href: "/versions", label: "Versions", icon: VersionsIcon },
  { href: "/readiness", label: "Readiness", icon: ReadinessIcon },
  { href: "/slos", label: "SLOs", icon: SloIcon },
  { href: "/topology", label: "Topology", icon: TopologyIcon },
] as const;

function route(path: string): { title: string; page: React.ReactNode } {
  const sync = /^\/syncs\/([^/]+)\/([^/]+)\/?$/.exec(path);
  if (sync) {
    const ns = decodeURIComponent(sync[1] ?? "");
    const name = decodeURIComponent(sync[2] ?? "");
    return { title: `Syncs / ${ns}/${name}`, page: <SyncPage namespace={ns} name={name} /> };
  }
  if (path === "/" || path.startsWith("/fleet")) return { title: "Fleet", page: <FleetPage /> };
  if (path.startsWith("/syncs")) return { title: "Syncs", page: <SyncsPage /> };
  if (path.startsWith("/versions")) return { title: "Versions", page: <VersionsPage /> };
  if (path.startsWith("/readiness")) return { title: "Readiness", page: <ReadinessPage /> };
  if (path.startsWith("/slos")) return { title: "SLOs", page: <SloPage /> };
  if (path.startsWith("/topology")) return { title: "Topology", page: <TopologyPage /> };
  if (path.startsWith("/_states")) return { title: "Component states", page: <StatesPage /> };
  return {
    title: "Not found",
    page: (
      <div className="state">
        <h1>Page not found</h1>
        <p>
          <Link href="/fleet">Go to the fleet</Link>
        </p>
      </div>
    ),
  };
}

function LiveIndicator() {
  const status = useLiveStatus();
  const text = status === "open" ? "Live" : status === "connecting" ? "Connecting" : "Reconnecting";
  return (
    <span
      className={`live ${status}`}
      role="status"
      title={status === "open" ? "Receiving live updates" : "Live updates lost: reconnecting with backoff"}
    >
      {text}
    </span>
  );
}

function WhoAmI() {
  const { data } = useSession();
  if (!data) return null;
  return (
    <span className="whoami" title={`${data.user} (${data.via}); groups: ${data.groups.join(", ") || "none"}`}>
      <UserIcon />
      {data.user}
      {!data.actionsEnabled && <span className="chip">read-only</span>}
      {data.via === "session" && (
        <button
          type="button"
          className="ghost"
          onClick={() => {
            // Back to a fresh page: nothing of the signed-in user stays in memory.
            api.signOut().finally(() => window.location.reload());
          }}
        >
          Sign out
        </button>
      )}
    </span>
  );
}

/** The app, or the sign-in screen when the server wants a token from this browser. */
export function Root() {
  const whoami = useSession();
  if (needsSignIn(whoami)) return <SignIn onSignedIn={whoami.reload} />;
  return <App />;
}

export function App() {
  const { path } = useLocation();
  const { theme, toggle } = useTheme();
  const { title, page } = route(path);
  const mainRef = useRef<HTMLElement>(null);
  const first = useRef(true);

  useEffect(() => {
    document.title = `${title} · kaika`;
    // After a navigation, move focus to the page (screen readers announce it; Tab continues from there).
    if (first.current) first.current = false;
    else mainRef.current?.focus({ preventScroll: true });
  }, [title]);

  return (
    <div className="shell">
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <nav className="sidenav" aria-label="Main">
        <Link className="brand" href="/fleet">
          <img src="/favicon.svg" alt="" width="24" height="24" />
          kaika
        </Link>
        <ul>
          {nav.map(({ href, label, icon: Icon }) => (
            <li key={href}>
              <Link
                href={href}
                aria-current={
                  path === href || path.startsWith(`${href}/`) || (href === "/fleet" && path === "/")
                    ? "page"
                    : undefined
                }
              >
                <Icon />
                {label}
              </Link>
            </li>
          ))}
        </ul>
        <div className="nav-foot">GitOps for fleets</div>
      </nav>
      <header className="topbar">
        <div className="crumbs">{title}</div>
        <LiveIndicator />
        <WhoAmI />
        <button
          type="button"
          className="ghost icon-btn"
          onClick={toggle}
          aria-label={theme === "dark" ? "Switch to light theme" : "Switch to dark theme"}
          title={theme === "dark" ? "Light theme" : "Dark theme"}
        >
          {theme === "dark" ? <SunIcon /> : <MoonIcon />}
        </button>
      </header>
      <main id="main" ref={mainRef} tabIndex={-1}>
        <Suspense fallback={<Loading rows={8} />}>{page}</Suspense>
      </main>
    </div>
  );
}
