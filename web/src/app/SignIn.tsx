/**
 * The sign-in screen for a browser that is not on kaika's own host: paste a Kubernetes token once; the
 * server checks it with a TokenReview and keeps it in an HttpOnly cookie (the page never stores it).
 */
import { type FormEvent, useId, useState } from "react";
import { ApiRequestError } from "../api/client.ts";
import { api } from "../api/endpoints.ts";
import { live } from "../api/events.ts";

export function SignIn({ onSignedIn }: { onSignedIn: () => void }) {
  const [token, setToken] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const tokenId = useId();
  const hintId = useId();

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await api.signIn(token);
      setToken("");
      // The event stream was refused while signed out: open it now rather than after its backoff.
      live.stop();
      live.start();
      onSignedIn();
    } catch (err) {
      setError(err instanceof ApiRequestError ? err.message : String(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <main className="signin" id="main">
      <form className="signin-card" onSubmit={submit} aria-describedby={hintId}>
        <h1>
          <img src="/favicon.svg" alt="" width="28" height="28" /> Sign in to kaika
        </h1>
        <p id={hintId}>
          Paste a Kubernetes token this cluster accepts: a ServiceAccount token (
          <code>kubectl create token NAME -n NAMESPACE</code>) or your OIDC ID token. kaika checks it with the
          apiserver; what you may do is your RBAC.
        </p>
        <label htmlFor={tokenId}>Token</label>
        <textarea
          id={tokenId}
          name="token"
          rows={5}
          spellCheck={false}
          autoComplete="off"
          required
          value={token}
          onChange={(e) => {
            setToken(e.target.value);
            setError(null);
          }}
        />
        {error && (
          <p className="signin-error" role="alert">
            {error}
          </p>
        )}
        <button type="submit" className="primary" disabled={busy || token.trim() === ""}>
          {busy ? "Signing in…" : "Sign in"}
        </button>
      </form>
    </main>
  );
}
