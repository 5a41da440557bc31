/**
 * The Node services every command is given (files, paths, the terminal), with the file system and the terminal
 * made when a command first uses them. Node's own layers build them at once, and loading them loads `node:crypto`,
 * `node:os` and `node:readline`, opens stdin and builds stdout's stream: milliseconds at every start, for a
 * command that may use none of it (a dry run, a status query).
 *
 * @since 0.1.0
 */
import * as NodePath from "@effect/platform-node/NodePath"
import * as FileSystem from "@effect/platform/FileSystem"
import type * as Path from "@effect/platform/Path"
import * as Terminal from "@effect/platform/Terminal"
import { Effect, Layer, Scope, Stream } from "effect"

/**
 * Node's file system, loaded on first use.
 *
 * @since 0.1.0
 */
export const fileSystem: Layer.Layer<FileSystem.FileSystem> = Layer.effect(
  FileSystem.FileSystem,
  Effect.map(
    Effect.cached(
      Effect.flatMap(
        Effect.promise(() => import("@effect/platform-node/NodeFileSystem")),
        (node) => Effect.provide(FileSystem.FileSystem, node.layer)
      )
    ),
    (node) =>
      FileSystem.make({
        access: (path, options) => Effect.flatMap(node, (fs) => fs.access(path, options)),
        copy: (from, to, options) => Effect.flatMap(node, (fs) => fs.copy(from, to, options)),
        copyFile: (from, to) => Effect.flatMap(node, (fs) => fs.copyFile(from, to)),
        chmod: (path, mode) => Effect.flatMap(node, (fs) => fs.chmod(path, mode)),
        chown: (path, uid, gid) => Effect.flatMap(node, (fs) => fs.chown(path, uid, gid)),
        link: (from, to) => Effect.flatMap(node, (fs) => fs.link(from, to)),
        makeDirectory: (path, options) => Effect.flatMap(node, (fs) => fs.makeDirectory(path, options)),
        makeTempDirectory: (options) => Effect.flatMap(node, (fs) => fs.makeTempDirectory(options)),
        makeTempDirectoryScoped: (options) => Effect.flatMap(node, (fs) => fs.makeTempDirectoryScoped(options)),
        makeTempFile: (options) => Effect.flatMap(node, (fs) => fs.makeTempFile(options)),
        makeTempFileScoped: (options) => Effect.flatMap(node, (fs) => fs.makeTempFileScoped(options)),
        open: (path, options) => Effect.flatMap(node, (fs) => fs.open(path, options)),
        readDirectory: (path, options) => Effect.flatMap(node, (fs) => fs.readDirectory(path, options)),
        readFile: (path) => Effect.flatMap(node, (fs) => fs.readFile(path)),
        readLink: (path) => Effect.flatMap(node, (fs) => fs.readLink(path)),
        realPath: (path) => Effect.flatMap(node, (fs) => fs.realPath(path)),
        remove: (path, options) => Effect.flatMap(node, (fs) => fs.remove(path, options)),
        rename: (from, to) => Effect.flatMap(node, (fs) => fs.rename(from, to)),
        stat: (path) => Effect.flatMap(node, (fs) => fs.stat(path)),
        symlink: (from, to) => Effect.flatMap(node, (fs) => fs.symlink(from, to)),
        truncate: (path, length) => Effect.flatMap(node, (fs) => fs.truncate(path, length)),
        utimes: (path, atime, mtime) => Effect.flatMap(node, (fs) => fs.utimes(path, atime, mtime)),
        watch: (path, options) => Stream.unwrap(Effect.map(node, (fs) => fs.watch(path, options))),
        writeFile: (path, data, options) => Effect.flatMap(node, (fs) => fs.writeFile(path, data, options))
      })
  )
)

/**
 * Node's terminal, made on first use within the layer's scope (and closed with it).
 *
 * @since 0.1.0
 */
export const terminal: Layer.Layer<Terminal.Terminal> = Layer.scoped(
  Terminal.Terminal,
  Effect.gen(function*() {
    const scope = yield* Effect.scope
    const node = yield* Effect.cached(
      Effect.flatMap(
        Effect.promise(() => import("@effect/platform-node/NodeTerminal")),
        (module) => Scope.extend(module.make(), scope)
      )
    )
    return Terminal.Terminal.of({
      columns: Effect.flatMap(node, (t) => t.columns),
      rows: Effect.flatMap(node, (t) => t.rows),
      isTTY: Effect.flatMap(node, (t) => t.isTTY),
      readInput: Effect.flatMap(node, (t) => t.readInput),
      readLine: Effect.flatMap(node, (t) => t.readLine),
      display: (text) => Effect.flatMap(node, (t) => t.display(text))
    })
  })
)

/**
 * Files, paths and the terminal.
 *
 * @since 0.1.0
 */
export const layer: Layer.Layer<FileSystem.FileSystem | Path.Path | Terminal.Terminal> = Layer.mergeAll(
  fileSystem,
  NodePath.layer,
  terminal
)
