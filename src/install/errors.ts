/** The install pillar's error: a code a script can branch on, and a message that says what to do. */

export type InstallErrorCode =
  | "Unreachable"
  | "ClusterTooOld"
  | "Forbidden"
  | "OtherVersionInstalled"
  | "InvalidValues"
  | "ApplyFailed"
  | "NotInstalled";

export class InstallError extends Error {
  override readonly name = "InstallError";
  readonly code: InstallErrorCode;
  /** What is left in the cluster after a failure, when anything is. */
  readonly leftBehind: readonly string[];

  constructor(
    code: InstallErrorCode,
    message: string,
    options: { cause?: unknown; leftBehind?: readonly string[] } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.leftBehind = options.leftBehind ?? [];
  }
}
