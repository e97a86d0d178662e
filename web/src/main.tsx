/** Entry point: styles, the live event stream, the session, the shell. */
import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import "./styles/tokens.css";
import "./styles/app.css";
import { live } from "./api/events.ts";
import { Root } from "./app/App.tsx";
import { SessionProvider } from "./app/session.tsx";

live.start();

const root = document.getElementById("root");
if (root) {
  createRoot(root).render(
    <StrictMode>
      <SessionProvider>
        <Root />
      </SessionProvider>
    </StrictMode>,
  );
}
