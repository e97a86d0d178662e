// Applies the stored theme before first paint, so a dark-theme user never sees a white flash.
let stored = null;
try {
  stored = localStorage.getItem("kaika.theme");
} catch {
  // storage disabled: follow prefers-color-scheme
}
if (stored === "dark" || stored === "light") document.documentElement.dataset.theme = stored;
