/**
 * Checking where files will go before anything is sent: a request whose result cannot be written would spend
 * quota for nothing.
 *
 * @since 0.1.0
 */
import { FileSystem, Path } from "@effect/platform"
import { Effect } from "effect"
import { InvalidInput } from "./CliError.js"

/**
 * The nearest part of `dir` that exists, which must be a directory we can make things in. Permission bits do not
 * tell (root passes every check, and `/proc` refuses new directories all the same), so it is tried: an empty
 * directory is made in it and removed at once.
 */
const writableAncestor = (
  flag: string,
  dir: string
): Effect.Effect<void, InvalidInput, FileSystem.FileSystem | Path.Path> =>
  Effect.gen(function*() {
    const fs = yield* FileSystem.FileSystem
    const path = yield* Path.Path
    const info = yield* Effect.either(fs.stat(dir))
    if (info._tag === "Right") {
      if (info.right.type !== "Directory") {
        return yield* new InvalidInput({ message: `${flag}: ${dir} exists and is not a directory` })
      }
      const probe = yield* Effect.either(fs.makeTempDirectory({ directory: dir, prefix: ".motive-check-" }))
      if (probe._tag === "Left") {
        return yield* new InvalidInput({ message: `${flag}: nothing can be written in ${dir}` })
      }
      yield* Effect.ignore(fs.remove(probe.right, { recursive: true }))
      return
    }
    const parent = path.dirname(dir)
    if (parent === dir) return yield* new InvalidInput({ message: `${flag}: ${dir} cannot be used` })
    return yield* writableAncestor(flag, parent)
  })

/**
 * A directory given to `--download` or `--dir`: not empty, and either a writable directory or creatable in one.
 *
 * @since 0.1.0
 */
export const checkDirectory = (flag: string, dir: string) =>
  dir.trim() === ""
    ? Effect.fail(new InvalidInput({ message: `${flag} is empty: give a directory` }))
    : Effect.flatMap(Path.Path, (path) => writableAncestor(flag, path.resolve(dir)))

/**
 * A file given to `--out`: not empty, not a directory, and its directory usable.
 *
 * @since 0.1.0
 */
export const checkFile = (flag: string, file: string) =>
  Effect.gen(function*() {
    if (file.trim() === "" || file.endsWith("/")) {
      return yield* new InvalidInput({ message: `${flag} "${file}" is not a file name` })
    }
    const fs = yield* FileSystem.FileSystem
    const path = yield* Path.Path
    const info = yield* Effect.either(fs.stat(file))
    if (info._tag === "Right" && info.right.type === "Directory") {
      return yield* new InvalidInput({ message: `${flag}: ${file} is a directory; give a file name` })
    }
    return yield* writableAncestor(flag, path.dirname(path.resolve(file)))
  })
