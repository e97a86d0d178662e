/** Light/dark theme: follows prefers-color-scheme until the user picks one with the toggle (kept in localStorage). */
import { useCallback, useEffect, useState } from "react";

export type Theme = "light" | "dark";

const storageKey = "kaika.theme";
const media = () => window.matchMedia("(prefers-color-scheme: dark)");

function stored(): Theme | null {
  try {
    const t = localStorage.getItem(storageKey);
    return t === "light" || t === "dark" ? t : null;
  } catch {
    return null;
  }
}

/** The theme in effect and a toggle; applies `data-theme` on <html>. */
export function useTheme(): { theme: Theme; toggle: () => void } {
  const [choice, setChoice] = useState<Theme | null>(stored);
  const [system, setSystem] = useState<Theme>(() => (media().matches ? "dark" : "light"));

  useEffect(() => {
    const m = media();
    const on = () => setSystem(m.matches ? "dark" : "light");
    m.addEventListener("change", on);
    return () => m.removeEventListener("change", on);
  }, []);

  const theme = choice ?? system;
  useEffect(() => {
    if (choice) document.documentElement.dataset.theme = choice;
    else delete document.documentElement.dataset.theme;
    window.dispatchEvent(new Event("kaika:theme"));
  }, [choice]);

  const toggle = useCallback(() => {
    const next: Theme = theme === "dark" ? "light" : "dark";
    try {
      localStorage.setItem(storageKey, next);
    } catch {
      // private mode: the choice lasts for this page only
    }
    setChoice(next);
  }, [theme]);

  return { theme, toggle };
}

/** Reads a CSS custom property of the current theme (for canvases: charts and the graph). */
export function cssVar(name: string): string {
  return getComputedStyle(document.documentElement).getPropertyValue(name).trim();
}
