/**
 * Checking where files will go before anything is sent: a request whose result cannot be written would spend
 * quota for nothing.
 *
 * @since 0.1.0
 */
import { CameraPositions } from "@effect-motive/domain"
import * as FileSystem from "@effect/platform/FileSystem"
import * as Path from "@effect/platform/Path"
import { Effect } from "effect"
import { httpPackage } from "./Client.js"
import { InvalidInput } from "./CliError.js"

/** The longest name of one path component, and of a whole path, most file systems take (Linux: 255, 4095). */
const nameMaxBytes = 255
const pathMaxBytes = 4095

/** The names downloads write, from the client itself: the partial suffix, and the longest recall file name. */
const downloadNames = Effect.map(httpPackage, ({ MediaDownloads }) => ({
  partialSuffix: MediaDownloads.partialFileSuffixLength,
  longestRecallFile: MediaDownloads.recallFileName(
    Number.MAX_SAFE_INTEGER,
    CameraPositions.reduce((a, b) => (b.length > a.length ? b : a))
  ).length + MediaDownloads.partialFileSuffixLength
}))

const bytes = (text: string) => new TextEncoder().encode(text).length

/** Every component of `absolute` and the whole path, with `extra` more bytes under it, fit the file system. */
const namesFit = (flag: string, absolute: string, extra: number): Effect.Effect<void, InvalidInput> => {
  const long = absolute.split("/").find((part) => bytes(part) > nameMaxBytes)
  if (long !== undefined) {
    return Effect.fail(
      new InvalidInput({
        message: `${flag}: the name "${long.slice(0, 40)}…" is ${
          bytes(long)
        } bytes; file systems take at most ${nameMaxBytes}`
      })
    )
  }
  return bytes(absolute) + extra > pathMaxBytes
    ? Effect.fail(
      new InvalidInput({ message: `${flag}: the path is too long for the file system (${pathMaxBytes} bytes at most)` })
    )
    : Effect.void
}

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
    : Effect.gen(function*() {
      const absolute = (yield* Path.Path).resolve(dir)
      yield* namesFit(flag, absolute, 1 + (yield* downloadNames).longestRecallFile)
      return yield* writableAncestor(flag, absolute)
    })

/**
 * A file given to `--out`: not empty, its name and its partial file's name within the file system's limits,
 * nothing at the path but a regular file (a directory, a link, a device or a FIFO is never replaced), and its
 * directory usable.
 *
 * @since 0.1.0
 */
export const checkFile = (flag: string, file: string) =>
  Effect.gen(function*() {
    if (file.trim() === "" || file.endsWith("/")) {
      return yield* new InvalidInput({ message: `${flag} "${file}" is not a file name` })
    }
    // As most commands read it, `-` would mean standard output: this writes files only.
    if (file === "-") {
      return yield* new InvalidInput({
        message:
          `${flag} - would mean standard output, and this command writes a file: give a file name (./- for a file named -)`
      })
    }
    const fs = yield* FileSystem.FileSystem
    const path = yield* Path.Path
    const absolute = path.resolve(file)
    yield* namesFit(flag, `${absolute}${".".repeat((yield* downloadNames).partialSuffix)}`, 0)
    if ((yield* Effect.either(fs.readLink(absolute)))._tag === "Right") {
      return yield* new InvalidInput({
        message: `${flag}: ${file} is a symbolic link; give the path of a regular file (it would be replaced)`
      })
    }
    const info = yield* Effect.either(fs.stat(absolute))
    if (info._tag === "Right" && info.right.type === "Directory") {
      return yield* new InvalidInput({ message: `${flag}: ${file} is a directory; give a file name` })
    }
    if (info._tag === "Right" && info.right.type !== "File") {
      return yield* new InvalidInput({
        message: `${flag}: ${file} is not a regular file (${info.right.type}); it is never replaced`
      })
    }
    return yield* writableAncestor(flag, path.dirname(absolute))
  })

/**
 * A prefix given to `batch report --out`: a file name's start (not empty, not a directory's path ending in `/`), and
 * `PREFIX.csv` and `PREFIX.json` each a file {@link checkFile} takes.
 *
 * @since 0.1.0
 */
export const checkPrefix = (flag: string, prefix: string) =>
  Effect.gen(function*() {
    const last = prefix.split("/").pop() ?? ""
    if (last.trim() === "" || last === "." || last === "..") {
      return yield* new InvalidInput({
        message: `${flag} "${prefix}" is not a file name's start: PREFIX.csv and PREFIX.json are written`
      })
    }
    for (const extension of [".csv", ".json"]) yield* checkFile(flag, `${prefix}${extension}`)
  })
