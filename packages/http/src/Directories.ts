/**
 * Making a directory and its missing parents, one level at a time.
 *
 * @since 0.1.0
 */
import { FileSystem, Path } from "@effect/platform"
import type { PlatformError } from "@effect/platform/Error"
import { Effect } from "effect"

/**
 * Makes `directory` and each missing parent, one level at a time: Node's `recursive: true` spins for ever (and
 * cannot be interrupted) where a level cannot be made, as under `/proc`. Fails with the first level that cannot be
 * made; succeeds when it is there already.
 *
 * @since 0.1.0
 */
export const makeDirectories = (
  directory: string,
  options: {
    /** The mode of each level made (before the umask); default `0o777`. `0o700` for a directory of one's own. */
    readonly mode?: number
  } = {}
): Effect.Effect<void, PlatformError, FileSystem.FileSystem | Path.Path> =>
  Effect.gen(function*() {
    const fs = yield* FileSystem.FileSystem
    const path = yield* Path.Path
    const missing: Array<string> = []
    for (let dir = path.resolve(directory); !(yield* fs.exists(dir));) {
      missing.unshift(dir)
      const parent = path.dirname(dir)
      if (parent === dir) break
      dir = parent
    }
    for (const dir of missing) {
      yield* fs.makeDirectory(dir, options.mode === undefined ? {} : { mode: options.mode }).pipe(
        Effect.catchIf((e) => e._tag === "SystemError" && e.reason === "AlreadyExists", () => Effect.void)
      )
    }
  })
