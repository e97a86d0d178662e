/**
 * Parsed manifest files by content, so a new commit re-parses only the files it changed: at
 * 10,000 objects in 100 files the YAML parse is most of a render, and a one-line commit
 * changes one file. Keyed by path and a hash of the text (the path is part of the answer:
 * objects carry their source location). A hit is a deep copy, since callers set labels and
 * namespaces on what they get. Bounded by the bytes of text the entries were parsed from;
 * the least recently used go first. Errors are not kept: a bad file is parsed again each time.
 */
import { createHash } from "node:crypto";
import { type ParsedFile, parseManifests } from "./parse.ts";

/** Text bytes whose parses are kept, over every Sync (the objects take a few times as much heap). */
const budgetBytes = 8 * 1024 * 1024;

const entries = new Map<string, { readonly parsed: ParsedFile; readonly bytes: number }>();
let usedBytes = 0;

/** parseManifests(file, text), from the cache when the same file had the same text before. */
export function parseManifestsCached(file: string, text: string): ParsedFile {
  if (text.length > budgetBytes / 4) return parseManifests(file, text);
  const key = `${file}\0${createHash("sha256").update(text).digest("base64")}`;
  const hit = entries.get(key);
  if (hit) {
    entries.delete(key); // re-inserted last: Map order is the LRU order
    entries.set(key, hit);
    return structuredClone(hit.parsed);
  }
  const parsed = parseManifests(file, text);
  entries.set(key, { parsed: structuredClone(parsed), bytes: text.length });
  usedBytes += text.length;
  for (const [oldest, entry] of entries) {
    if (usedBytes <= budgetBytes) break;
    entries.delete(oldest);
    usedBytes -= entry.bytes;
  }
  return parsed;
}
