/** Vite build of kaika's dashboard into web/dist, which kaika's server serves; nothing is fetched at run time. */
import react from "@vitejs/plugin-react";
import { defineConfig } from "vite";

export default defineConfig({
  plugins: [react()],
  base: "/",
  build: {
    outDir: "dist",
    emptyOutDir: true,
    sourcemap: true,
    // The graph view (Cytoscape) is its own chunk, loaded only on the topology page.
    chunkSizeWarningLimit: 700,
  },
  server: {
    // `npm run dev` proxies the API to a running `kaika dashboard --address 127.0.0.1:8090`.
    proxy: { "/api": process.env.KAIKA_DASHBOARD_URL ?? "http://127.0.0.1:8090" },
  },
});
