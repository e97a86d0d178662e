/** Rendering: manifest folders to objects with their file and line. */
export { RenderError, type RenderErrorCode } from "./errors.ts";
export { type ParsedFile, parseManifests } from "./parse.ts";
export { renderPlain } from "./plain.ts";
export { objectRef, type RenderedObject, type RenderResult, type SourceLocation } from "./types.ts";
