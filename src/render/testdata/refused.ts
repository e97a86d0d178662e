/** Test helper shared by the renderer tests: assert a RenderError with given fields. */
import assert from "node:assert/strict";
import { RenderError } from "../errors.ts";

/** Asserts `promise` rejects with a RenderError with these fields, and returns it. */
export async function refused(promise: Promise<unknown>, expected: Partial<RenderError>): Promise<RenderError> {
  let caught: unknown;
  await assert.rejects(promise, (error) => {
    caught = error;
    return error instanceof RenderError;
  });
  const error = caught as RenderError;
  for (const [key, value] of Object.entries(expected)) assert.equal(error[key as keyof RenderError], value, key);
  return error;
}
