/** Streams one media file to disk: temporary file, resume with Range, restart, fresh URL on expiry, rename. */
import { CameraPositions } from "@effect-motive/domain"
import { FileSystem } from "@effect/platform"
import { Clock, Deferred, Duration, Effect, Fiber, Option, Schedule, Schema, type Scope } from "effect"
import { MediaTransport } from "../MediaTransport.js"
import { type CallError, DownloadFailed, fileSystemMessage, MediaExpired } from "../MotiveError.js"
import type { MediaRetry } from "../RetryPolicy.js"
import { locationOf } from "./transport.js"

/** What one attempt achieved. */
type Attempt =
  | { readonly _tag: "Complete" }
  | { readonly _tag: "Cut"; readonly reason: string }
  | { readonly _tag: "Expired" }
  | { readonly _tag: "Restart"; readonly reason: string }

/** A `Content-Type` of a web page (HTML), which no media is. */
const isWebPage = (contentType: string | undefined): boolean =>
  contentType !== undefined && /^\s*(text\/html|application\/xhtml\+xml)\s*(;|$)/i.test(contentType)

/** Progress of one download, for display. */
export interface DownloadProgress {
  readonly path: string
  readonly bytes: number
  readonly total: number | undefined
}

/** Options of {@link downloadFile}. */
export interface DownloadFileOptions<E> {
  /** A pre-signed URL already in hand, used first; without one the download starts from {@link freshUrl}. */
  readonly url?: string | undefined
  /** A fresh pre-signed URL (called at the start when no `url` was given, and whenever the URL has expired). */
  readonly freshUrl: Effect.Effect<string, E>
  readonly path: string
  /** When to try again after an attempt that did not finish the file (and how many attempts in all). */
  readonly schedule: Schedule.Schedule<unknown, MediaRetry>
  readonly onProgress?: (progress: DownloadProgress) => Effect.Effect<void>
  /** Replace a different file already at `path` (default: refuse, and keep it). */
  readonly overwrite?: boolean | undefined
  /**
   * What the bytes are (`image_capture 12 rear`), kept beside the partial file: a partial file of other media at
   * the same path (an earlier capture saved to the same `--out`) is never resumed, whatever its ETag.
   */
  readonly media?: string | undefined
}

/** What a download achieved: the file, its size, and whether it was already there (nothing transferred). */
export interface Downloaded {
  readonly path: string
  readonly bytes: number
  readonly alreadyThere: boolean
}

const contentRangeTotal = (header: string | undefined): number | undefined => {
  const m = header === undefined ? null : /\/(\d+)\s*$/.exec(header)
  return m === null ? undefined : Number(m[1])
}

const contentRangeStart = (header: string | undefined): number | undefined => {
  const m = header === undefined ? null : /^bytes\s+(\d+)-/.exec(header)
  return m === null ? undefined : Number(m[1])
}

/** An attempt that did not finish the file, and whether to back off before the next. */
class Retry implements MediaRetry {
  constructor(readonly reason: string, readonly backoff: boolean) {}
}

const isRetry = (u: unknown): u is Retry => u instanceof Retry

/** The longest a partial file's names add to the final one (`.part.lock`). */
export const partialSuffixLength = ".part.lock".length

/** How much of the end of a file already at the destination is compared with the media's. */
const tailBytes = 64 * 1024

const equalBytes = (a: Uint8Array, b: Uint8Array): boolean => {
  if (a.length !== b.length) return false
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false
  return true
}

/** Partial files left longer than this by a download that never came back are removed. */
const partialMaxAgeMillis = 24 * 60 * 60 * 1000

/** A file type as words: `SymbolicLink` → `a symbolic link`. */
const kindOf = (type: string): string => `a ${type.replace(/([a-z])([A-Z])/g, "$1 $2").toLowerCase()}`

/** A file name as the downloads make them: `<request id>-<camera position>.mp4` or `.jpg`. */
const ourFileName = new RegExp(`^\\d+-(${CameraPositions.join("|")})\\.(mp4|jpg)$`)

/** Whether process `pid` of this machine is running (where the runtime can tell; otherwise assumed so). */
const isRunning = (pid: number): boolean => {
  const kill: unknown = Reflect.get(Reflect.get(globalThis, "process") ?? {}, "kill")
  if (typeof kill !== "function") return true
  try {
    Reflect.apply(kill, Reflect.get(globalThis, "process"), [pid, 0])
    return true
  } catch (e) {
    return Reflect.get(Object(e), "code") === "EPERM"
  }
}

/**
 * This machine's name, where the runtime tells it, else `""`: on Node `os.hostname()` through
 * `process.getBuiltinModule` (from 20.16), or before it the diagnostic report's header (a few milliseconds, once).
 * A lock names it, so that another machine sharing the directory does not judge the lock by a process id of its own.
 */
const ownHost: () => string = (() => {
  let host: string | undefined
  const call = (target: unknown, name: string, args: ReadonlyArray<unknown> = []): unknown => {
    const f: unknown = typeof target === "object" && target !== null ? Reflect.get(target, name) : undefined
    return typeof f === "function" ? Reflect.apply(f, target, args) : undefined
  }
  return () => {
    if (host !== undefined) return host
    try {
      const processObject: unknown = Reflect.get(globalThis, "process")
      const os = call(processObject, "getBuiltinModule", ["node:os"])
      const report = os === undefined ? call(Reflect.get(Object(processObject), "report"), "getReport") : undefined
      const value: unknown = os !== undefined
        ? call(os, "hostname")
        : Reflect.get(Object(Reflect.get(Object(report), "header")), "host")
      host = typeof value === "string" ? value.replace(/\s/g, "") : ""
    } catch {
      host = ""
    }
    return host
  }
})()

/** How often a held lock file's time is refreshed, so that another machine sees its download is alive. */
const lockRefreshMillis = 30_000

/** A lock of another machine's seen unrefreshed for this long (by this process's clock) was left by a download that is gone. */
const remoteLockStaleMillis = 2 * 60_000

/**
 * A lock of another machine's whose time is this far behind this machine's clock is stale at first sight: far more
 * than the clocks of machines sharing a directory differ by.
 */
const remoteLockAbandonedMillis = 10 * 60_000

/** Other machines' locks as this process saw them: the token and time, and since when (this clock) unchanged. */
const remoteLocksSeen = new Map<string, { readonly content: string; readonly mtime: number; readonly since: number }>()

/**
 * Whether another machine's lock is alive. Its time is stamped by that machine's clock, so it is not compared with
 * this one's (they may differ by minutes): the lock is alive while its time moves (its holder refreshes it every
 * 30 s), and stale once seen unchanged for 2 minutes by this clock, or at once when 10 minutes behind it.
 */
const remoteLockAlive = (file: string, content: string, mtime: number, now: number): boolean => {
  if (now - mtime >= remoteLockAbandonedMillis) return false
  const seen = remoteLocksSeen.get(file)
  if (seen === undefined || seen.content !== content || seen.mtime !== mtime) {
    remoteLocksSeen.set(file, { content, mtime, since: now })
    return true
  }
  if (now - seen.since < remoteLockStaleMillis) return true
  remoteLocksSeen.delete(file)
  return false
}

/** The downloads of this process that hold a lock file, by the token written in it, each done once released. */
const liveDownloads = new Map<string, Deferred.Deferred<void>>()
let lockTokens = 0

const ownPid = (): number => Number(Reflect.get(Reflect.get(globalThis, "process") ?? {}, "pid") ?? 0)

const PartialMeta = Schema.parseJson(
  Schema.Struct({ etag: Schema.String, total: Schema.optional(Schema.Number), media: Schema.optional(Schema.String) })
)
const readMeta = Schema.decodeUnknownOption(PartialMeta)
const writeMeta = Schema.encodeSync(PartialMeta)

/**
 * Downloads to `path` through `path.part`, renamed only when every byte promised arrived. A file already at
 * `path` that is the media (its size, and its last 64 KiB compared with the media's, asked with `Range`) is kept
 * (`alreadyThere`); a different one, or one a server that ignores `Range` cannot compare, is refused unless
 * `overwrite`. A partial file whose server gave an ETag survives a failure, an interrupt
 * or a crash (with its ETag beside it, `path.part.json`) and is resumed by the next download of the same file
 * (`Range` with `If-Range`); otherwise nothing is left behind. `path.part.lock` names the process downloading
 * and its machine, so two never write the same partial file: a lock of this machine's is taken over once its
 * process is gone, another machine's once it has not been refreshed (every 30 s) for 2 minutes (its bytes then
 * resumed from a copy, as that machine may only be paused with the file open). A download whose lock another
 * process took over stops at its next refresh, or before its rename, moving nothing into place (`busy`). Partial
 * files untouched for a day are removed.
 */
export const downloadFile = <E>(
  options: DownloadFileOptions<E>
): Effect.Effect<
  Downloaded,
  E | MediaExpired | DownloadFailed | CallError,
  FileSystem.FileSystem | MediaTransport | Scope.Scope
> =>
  Effect.gen(function*() {
    const fs = yield* FileSystem.FileSystem
    const media = yield* MediaTransport
    const tmp = `${options.path}.part`
    const metaFile = `${tmp}.json`
    const lockFile = `${tmp}.lock`
    const fsFailed = (what: string) => (e: { readonly message: string; readonly cause?: unknown }) =>
      new DownloadFailed({ message: `${what}: ${fileSystemMessage(e)}`, path: options.path, local: true })
    const sizeOf = (file: string) =>
      fs.stat(file).pipe(
        Effect.map((info) => Number(info.size)),
        Effect.orElseSucceed(() => 0)
      )
    const sizeOnDisk = sizeOf(tmp)
    /**
     * What the partial file is when it is not a regular file: a symbolic link (one planted in a shared folder by
     * another user would have the media written into, or renamed over, whatever it points to), a directory, a FIFO.
     */
    const partKind = Effect.gen(function*() {
      if ((yield* Effect.either(fs.readLink(tmp)))._tag === "Right") return "a symbolic link"
      const info = yield* Effect.either(fs.stat(tmp))
      return info._tag === "Right" && info.right.type !== "File"
        ? kindOf(info.right.type)
        : undefined
    })
    /** Fails when the partial file is not a regular file: nothing is written through it, nor moved into place. */
    const partIsFile = Effect.flatMap(partKind, (kind) =>
      kind === undefined ? Effect.void : new DownloadFailed({
        message: `${tmp} is ${kind}, not a regular file: nothing is written through it`,
        path: options.path,
        local: true
      }))
    const state: { url: string; etag: string | undefined; total: number | undefined; refreshes: number } = {
      url: options.url ?? (yield* options.freshUrl),
      etag: undefined,
      total: undefined,
      refreshes: 0
    }
    /** The ETag of the bytes in the partial file, kept beside it so that any later download can resume them. */
    const rememberEtag = (etag: string | undefined, total: number | undefined) =>
      etag === undefined
        ? fs.remove(metaFile, { force: true }).pipe(Effect.ignore)
        : fs.writeFileString(
          metaFile,
          writeMeta({
            etag,
            ...(total === undefined ? {} : { total }),
            ...(options.media === undefined ? {} : { media: options.media })
          })
        ).pipe(
          Effect.mapError(fsFailed("could not write beside the partial file"))
        )

    const attempt = (written: number): Effect.Effect<Attempt, DownloadFailed> =>
      Effect.gen(function*() {
        // Media is fetched over HTTP only: a URL of another scheme (`file:`, `ftp:`) is refused at once, not tried
        // again and again as a connection that failed.
        const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(state.url)?.[1]?.toLowerCase()
        if (scheme !== "http" && scheme !== "https") {
          return yield* new DownloadFailed({
            message: `the media URL is not http or https (${scheme ?? "no scheme"}): nothing is fetched from it`,
            path: options.path,
            local: false
          })
        }
        const resume = written > 0 && state.etag !== undefined
        const response = yield* media.get(
          state.url,
          resume ? { range: `bytes=${written}-`, "if-range": state.etag! } : {}
        )
          .pipe(Effect.either)
        if (response._tag === "Left") {
          const failure = response.left
          return {
            _tag: "Cut",
            reason: failure.timedOut
              ? failure.message // it names the wait the transport applied
              : failure.requestSent
              ? `the connection to the media server broke (${failure.message})`
              : `could not connect to the media server (${failure.message})`
          } as const
        }
        const res = response.right
        if (res.status === 403) return { _tag: "Expired" } as const
        if (res.status === 416) {
          return state.total !== undefined && written === state.total
            ? { _tag: "Complete" } as const
            : { _tag: "Restart", reason: "the server refused the range" } as const
        }
        // Media is never a web page: one is a proxy's or a network's sign-in page answering in the storage's place,
        // which would otherwise be saved as the footage. Refused before a byte is written, and not tried again.
        const contentType = res.headers["content-type"]
        if ((res.status === 200 || res.status === 206) && isWebPage(contentType)) {
          return yield* new DownloadFailed({
            message: `the media server answered ${res.status} with a web page (${
              contentType!.trim()
            }), not media, for ${
              locationOf(state.url)
            }: a proxy or a network's sign-in page may stand between this machine and the storage`,
            path: options.path,
            local: false
          })
        }
        let append: boolean
        if (res.status === 206) {
          const start = contentRangeStart(res.headers["content-range"])
          if (!resume || start !== written) {
            return { _tag: "Restart", reason: "the server resumed at the wrong offset" } as const
          }
          state.total = contentRangeTotal(res.headers["content-range"]) ?? state.total
          append = true
        } else if (res.status === 200) {
          const length = Number(res.headers["content-length"])
          state.total = Number.isFinite(length) && res.headers["content-length"] !== undefined ? length : undefined
          state.etag = res.headers["etag"]
          yield* stillHeld
          yield* rememberEtag(state.etag, state.total)
          append = false
        } else if (res.status === 429 || res.status === 408 || res.status >= 500) {
          // The storage is busy or failing, or did not get the request in time: back off and try again (resuming if
          // we can).
          return { _tag: "Cut", reason: `the media server answered ${res.status}` } as const
        } else {
          return yield* new DownloadFailed({
            message: `the media server answered ${res.status} for ${locationOf(state.url)}`,
            path: options.path,
            local: false
          })
        }
        const start = append ? written : 0
        // Progress is drawn from a counter every 200 ms, not reported per read.
        let received = 0
        const report = options.onProgress === undefined
          ? Effect.void
          : Effect.suspend(() =>
            options.onProgress!({ path: options.path, bytes: start + received, total: state.total })
          )
        yield* partIsFile
        yield* stillHeld
        const ticker = yield* Effect.fork(Effect.repeat(report, Schedule.spaced(Duration.millis(200))))
        const saved = yield* res.saveTo(tmp, {
          append,
          onBytes: (n) => {
            received = n
          }
        }).pipe(Effect.ensuring(Fiber.interrupt(ticker)), Effect.either)
        yield* report
        if (saved._tag === "Left" && saved.left.local) {
          return yield* fsFailed("could not write the file")({ message: saved.left.message })
        }
        const onDisk = yield* sizeOnDisk
        if (saved._tag === "Left") return { _tag: "Cut", reason: saved.left.message } as const
        if (state.total !== undefined && onDisk < state.total) {
          return { _tag: "Cut", reason: `the body ended after ${onDisk} of ${state.total} bytes` } as const
        }
        if (state.total !== undefined && onDisk > state.total) {
          return { _tag: "Restart", reason: `received ${onDisk} bytes, more than the ${state.total} promised` } as const
        }
        return { _tag: "Complete" } as const
      }).pipe(Effect.scoped)

    // Only a regular file (or nothing) at the destination is ever replaced: never a link, a device or a FIFO.
    const destinationReplaceable = Effect.gen(function*() {
      const refuse = (what: string) =>
        new DownloadFailed({
          message: `${options.path} is ${what}, not a regular file: it is not replaced`,
          path: options.path,
          local: true,
          notAFile: true
        })
      if ((yield* Effect.either(fs.readLink(options.path)))._tag === "Right") return yield* refuse("a symbolic link")
      const info = yield* Effect.either(fs.stat(options.path))
      if (info._tag === "Right" && info.right.type !== "File") {
        return yield* refuse(kindOf(info.right.type))
      }
    })

    let attempts = 0
    const once = Effect.gen(function*() {
      attempts++
      const outcome = yield* attempt(yield* sizeOnDisk)
      // What follows touches the partial files by name: not once another process holds them.
      yield* stillHeld
      switch (outcome._tag) {
        case "Complete": {
          const bytes = yield* sizeOnDisk
          yield* destinationReplaceable
          // Ordered so that a crash at any step leaves as little as possible: the ETag first (a complete partial
          // file without it is fetched again, never trusted), the lock right after the rename (not when the
          // scope closes), so a `kill -9` between the steps leaves at most the lock of a finished file.
          yield* fs.remove(metaFile, { force: true }).pipe(Effect.ignore)
          yield* partIsFile
          yield* stillHeld
          yield* fs.rename(tmp, options.path).pipe(Effect.mapError(fsFailed("could not move the file into place")))
          yield* releaseLock
          return { path: options.path, bytes, alreadyThere: false }
        }
        case "Expired": {
          if (state.refreshes >= 2) {
            return yield* new MediaExpired({
              message: `could not download ${options.path}: the media URL expired and fresh URLs kept expiring`,
              location: locationOf(state.url)
            })
          }
          state.refreshes++
          state.url = yield* options.freshUrl
          return yield* Effect.fail(new Retry("the URL had expired", false))
        }
        case "Restart": {
          yield* fs.remove(tmp, { force: true }).pipe(Effect.mapError(fsFailed("could not restart")))
          state.etag = undefined
          yield* rememberEtag(undefined, undefined)
          return yield* Effect.fail(new Retry(outcome.reason, false))
        }
        case "Cut": {
          if (state.etag === undefined) yield* fs.remove(tmp, { force: true }).pipe(Effect.ignore)
          return yield* Effect.fail(new Retry(outcome.reason, true))
        }
      }
    })

    /**
     * This download's lock, while it holds `lockFile`; released once, by the rename or by the scope's end. The
     * release cannot be interrupted half-way: once `held` is cleared, the scope's end would not remove the file.
     */
    let held: { readonly token: string; readonly done: Deferred.Deferred<void> } | undefined
    /**
     * What the lock file says (its token): `""` when there is none, `undefined` when it could not be read (a busy or
     * flaky file system: no sign that the lock changed hands).
     */
    const readLock: Effect.Effect<string | undefined> = fs.readFileString(lockFile).pipe(
      Effect.map((content) => content.trim()),
      Effect.catchAll((e) => Effect.succeed(e._tag === "SystemError" && e.reason === "NotFound" ? "" : undefined))
    )
    /**
     * Told the lock file's content when another process took the lock over while this download held it (this
     * process paused or stalled for minutes, so that another machine judged its lock stale). The download then stops
     * at once, and touches nothing more: the partial file and the lock are the other's.
     */
    const lockLost = yield* Deferred.make<string>()
    /**
     * Whether the lock taken was another machine's, judged stale: that machine may only have been paused, and may
     * still write into the partial file through the handle it holds.
     */
    let tookOverRemote = false
    /** Gives the lock up as taken over: not removed, and this process's waiters for it go on. */
    const lostTo = (content: string) =>
      Effect.suspend(() => {
        const lock = held
        if (lock === undefined) return Effect.void
        held = undefined
        liveDownloads.delete(lock.token)
        return Effect.zipRight(Deferred.succeed(lock.done, undefined), Deferred.succeed(lockLost, content))
      })
    /**
     * Fails (and gives the lock up) when the lock file no longer names this download: checked before every step
     * that touches the partial files by their names (opening, writing the ETag, removing, renaming).
     */
    const stillHeld = Effect.gen(function*() {
      const lock = held
      if (lock === undefined) return
      const content = yield* readLock
      if (content === undefined || content === lock.token) return
      yield* lostTo(content)
      return yield* takenOver(content)
    })
    const takenOver = (content: string) => {
      const [pid, , holderHost] = content.split(" ")
      const stopped = "this one stopped and moved nothing into place: try again once the other is done"
      return new DownloadFailed({
        message: content === ""
          ? `the lock of the download of ${options.path} (${lockFile}) was removed while this one ran (another process took it over, or cleared it); ${stopped}`
          : `another process (${pid}${
            holderHost === undefined ? "" : ` on ${holderHost}`
          }) took over the download of ${options.path} while this one was stalled (its lock went unrefreshed); ${stopped}`,
        path: options.path,
        local: true,
        busy: true
      })
    }
    const releaseLock = Effect.uninterruptible(Effect.suspend(() => {
      const lock = held
      if (lock === undefined) return Effect.void
      held = undefined
      // Removed only while it still names this download: a lock another process took over is its own.
      return readLock.pipe(
        Effect.flatMap((content) =>
          content === lock.token || content === undefined ? fs.remove(lockFile, { force: true }) : Effect.void
        ),
        Effect.ignore,
        Effect.ensuring(Effect.suspend(() => {
          liveDownloads.delete(lock.token)
          return Deferred.succeed(lock.done, undefined)
        }))
      )
    }))

    /**
     * This download writes the partial file: no other may meanwhile. Another process's download is refused; one of
     * this process (a webhook handler and a poller after the same recall) is waited for, then this one goes on
     * (finding the file complete, or resuming it).
     */
    const takeLock: Effect.Effect<void, DownloadFailed, Scope.Scope> = Effect.gen(function*() {
      const me = ownPid()
      const host = ownHost()
      const token = `${me} ${++lockTokens}${host === "" ? "" : ` ${host}`}`
      for (let tries = 0; tries < 2;) {
        const done = yield* Deferred.make<void>()
        // Made, recorded and given its release in one step: an interruption right after the write (checked as the
        // uninterruptible region ends) still releases it, so no later download waits for it for ever.
        const created = yield* Effect.uninterruptible(
          Effect.tap(Effect.either(fs.writeFileString(lockFile, token, { flag: "wx" })), (created) =>
            created._tag === "Left" ? Effect.void : Effect.zipRight(
              Effect.sync(() => {
                held = { token, done }
                liveDownloads.set(token, done)
              }),
              Effect.addFinalizer(() => releaseLock)
            ))
        )
        if (created._tag === "Right") {
          // Its time refreshed while held: another machine sharing the directory cannot ask whether this process
          // runs, and takes the lock over only once it has not been refreshed for a while.
          // A lock that no longer names this download was taken over: this one stops (see `lockLost`).
          const refresh = Effect.suspend(() =>
            held?.token === token
              ? Effect.matchEffect(stillHeld, {
                onFailure: () => Effect.interrupt,
                onSuccess: () =>
                  Effect.ignore(
                    Effect.flatMap(Clock.currentTimeMillis, (now) => fs.utimes(lockFile, new Date(now), new Date(now)))
                  )
              })
              : Effect.interrupt
          )
          yield* Effect.forkScoped(Effect.forever(Effect.zipRight(Effect.sleep(lockRefreshMillis), refresh)))
          // Whatever this process saw of another machine's lock on this file is over.
          remoteLocksSeen.delete(lockFile)
          return
        }
        // Only a lock already there is someone's to read: any other failure (a directory this user cannot write) is
        // said as the system said it.
        const refused = created.left
        if (refused._tag !== "SystemError" || refused.reason !== "AlreadyExists") {
          return yield* fsFailed(`could not lock ${lockFile}`)(refused)
        }
        const content = (yield* fs.readFileString(lockFile).pipe(Effect.orElseSucceed(() => ""))).trim()
        const running = liveDownloads.get(content)
        if (running !== undefined) {
          yield* Deferred.await(running)
          continue
        }
        const [pid, , holderHost = ""] = content.split(" ")
        const holder = Number(pid)
        const now = yield* Clock.currentTimeMillis
        const info = yield* Effect.option(fs.stat(lockFile))
        const mtime = Option.match(info, {
          onNone: () => now,
          onSome: (i) => Option.getOrElse(i.mtime, () => new Date(now)).getTime()
        })
        // Another machine's (a shared directory): its process id says nothing here; whether its time moves does.
        const elsewhere = holderHost !== "" && host !== "" && holderHost !== host
        const alive = content === ""
          // Made a moment ago by a process still writing its name in it.
          ? Option.isSome(info) && now - mtime < 10_000
          : elsewhere
          ? Option.isSome(info) && remoteLockAlive(lockFile, content, mtime, now)
          : Number.isSafeInteger(holder) && holder > 0 && holder !== me && isRunning(holder)
        if (alive) {
          return yield* new DownloadFailed({
            message: `${options.path} is being downloaded by another process (${holder}${
              elsewhere ? ` on ${holderHost}` : ""
            }) already; nothing was written: try again once it is done`,
            path: options.path,
            local: true,
            busy: true
          })
        }
        // Left by a process that is gone (or by this one, in a download that is over): taken over, unless another
        // process took it over meanwhile (then it is looked at again).
        const still = (yield* fs.readFileString(lockFile).pipe(Effect.orElseSucceed(() => ""))).trim()
        if (still === content) yield* fs.remove(lockFile, { force: true }).pipe(Effect.ignore)
        tookOverRemote ||= elsewhere
        tries++
      }
      return yield* new DownloadFailed({ message: `could not lock ${lockFile}`, path: options.path, local: true })
    })

    /**
     * Partial files in the directory untouched for a day belong to downloads that never came back: only those named
     * as this client names its files (`<id>-<camera>.mp4` / `.jpg`) or as this file. Another program's (a browser's
     * `.part`) are not ours to remove.
     */
    const clearAbandoned = Effect.gen(function*() {
      const slash = options.path.lastIndexOf("/")
      const dir = options.path.slice(0, Math.max(0, slash)) || "."
      const own = options.path.slice(slash + 1)
      const now = yield* Clock.currentTimeMillis
      for (const name of yield* fs.readDirectory(dir)) {
        const partial = /^(.*)\.part(\.json|\.lock|\.tail|\.copy)?$/.exec(name)
        if (partial === null || (partial[1] !== own && !ourFileName.test(partial[1]!))) continue
        const info = yield* fs.stat(`${dir}/${name}`)
        const touched = Option.getOrElse(info.mtime, () => new Date(now)).getTime()
        if (now - touched > partialMaxAgeMillis) yield* fs.remove(`${dir}/${name}`, { force: true })
      }
    }).pipe(Effect.ignore)

    /** The last `length` bytes of `file` (fewer when it is shorter). */
    const tailOf = (file: string, from: number) =>
      Effect.scoped(Effect.gen(function*() {
        const handle = yield* fs.open(file, { flag: "r" })
        yield* handle.seek(from, "start")
        const size = Number((yield* handle.stat).size)
        const bytes = new Uint8Array(Math.max(0, size - from))
        let filled = 0
        while (filled < bytes.length) {
          const n = Number(yield* handle.read(bytes.subarray(filled)))
          if (n === 0) break
          filled += n
        }
        return bytes.subarray(0, filled)
      }))

    /**
     * A regular file already at the destination: kept when it is the media (the server says the media has exactly
     * its size, and its last 64 KiB are the media's: asked with `Range`), refused unless `overwrite` otherwise.
     */
    const alreadyThere: Effect.Effect<boolean, DownloadFailed> = Effect.gen(function*() {
      const info = yield* Effect.either(fs.stat(options.path))
      if (info._tag === "Left" || info.right.type !== "File") return false
      const size = Number(info.right.size)
      const from = Math.max(0, size - tailBytes)
      const sample = `${tmp}.tail`
      // The media's tail is written beside the file (under this download's lock), then compared with the file's.
      const ask = Effect.suspend(() =>
        Effect.scoped(Effect.flatMap(
          media.get(state.url, { range: `bytes=${from}-` }),
          (res) => {
            const answer = { status: res.status, total: contentRangeTotal(res.headers["content-range"]), same: false }
            if (res.status !== 206 || answer.total !== size || size === 0) return Effect.succeed(answer)
            if (contentRangeStart(res.headers["content-range"]) !== from) return Effect.succeed(answer)
            return res.saveTo(sample, { append: false }).pipe(
              Effect.zipRight(Effect.all([tailOf(sample, 0), tailOf(options.path, from)])),
              Effect.map(([theirs, ours]) => ({ ...answer, same: equalBytes(theirs, ours) })),
              Effect.orElseSucceed(() => answer),
              Effect.ensuring(Effect.ignore(fs.remove(sample, { force: true })))
            )
          }
        ))
      ).pipe(Effect.option)
      let probe = yield* ask
      if (Option.isSome(probe) && probe.value.status === 403) {
        // An expired URL says nothing of the file: ask again with a fresh one.
        const fresh = yield* Effect.option(options.freshUrl)
        if (Option.isSome(fresh)) {
          state.url = fresh.value
          probe = yield* ask
        }
      }
      // An empty file is the media when the media is empty too (nothing to send past its end: 416, total 0).
      if (Option.isSome(probe) && (probe.value.same || (size === 0 && probe.value.total === 0))) return true
      if (options.overwrite === true) return false
      const total = Option.isSome(probe) ? probe.value.total : undefined
      // A server that answers a range with the whole file (200) gives nothing to compare.
      const whole = Option.isSome(probe) && probe.value.status === 200
      return yield* new DownloadFailed({
        message: whole
          ? `a file is already at ${options.path} (${size} bytes); the media server does not answer byte ranges, so it cannot be compared with the media: it is kept`
          : `a different file is already at ${options.path} (${size} bytes${
            total === undefined
              ? ""
              : total === size
              ? "; the media has as many, but other bytes"
              : `; the media has ${total}`
          }): it is kept`,
        path: options.path,
        local: true,
        differentFile: true
      })
    })

    /** The bytes of an earlier download of this file, with the ETag they came with, are resumed. */
    const resumeEarlier = Effect.gen(function*() {
      // A link found at the partial file is not ours to resume (nor its ETag): it goes, not what it points to.
      if ((yield* partKind) === "a symbolic link") {
        yield* fs.remove(tmp, { force: true })
        yield* fs.remove(metaFile, { force: true })
      }
      // Taken over from another machine: its bytes are resumed from a copy (a new file), so that whatever that
      // machine still writes through its open handle goes to the old one, not into this download nor, once renamed,
      // into the finished file. Without a copy, the download starts afresh.
      if (tookOverRemote && (yield* sizeOnDisk) > 0) {
        const copy = `${tmp}.copy`
        const copied = yield* Effect.either(
          Effect.zipRight(fs.copyFile(tmp, copy), fs.rename(copy, tmp))
        )
        if (copied._tag === "Left") {
          yield* fs.remove(copy, { force: true }).pipe(Effect.ignore)
          yield* fs.remove(tmp, { force: true })
        }
      }
      const meta = readMeta(yield* fs.readFileString(metaFile).pipe(Effect.orElseSucceed(() => "")))
      // Bytes of other media (named apart from this download's) are not resumed: two servers' ETags may agree.
      const sameMedia = Option.isSome(meta) &&
        (meta.value.media === undefined || options.media === undefined || meta.value.media === options.media)
      if (Option.isSome(meta) && sameMedia && (yield* sizeOnDisk) > 0) {
        state.etag = meta.value.etag
        state.total = meta.value.total
        return
      }
      yield* fs.remove(tmp, { force: true })
      yield* fs.remove(metaFile, { force: true })
    }).pipe(Effect.mapError(fsFailed("could not clear a stale partial file")))

    const afterLock = clearAbandoned.pipe(
      Effect.zipRight(alreadyThere),
      Effect.flatMap((there) =>
        there
          ? Effect.map(
            // Leftovers of an earlier download of this same file that finished (a crash after its rename).
            Effect.zipRight(
              Effect.ignore(Effect.all([fs.remove(tmp, { force: true }), fs.remove(metaFile, { force: true })])),
              sizeOf(options.path)
            ),
            (bytes): Downloaded => ({ path: options.path, bytes, alreadyThere: true })
          )
          : transfer
      )
    )

    const run = destinationReplaceable.pipe(
      Effect.zipRight(takeLock),
      Effect.zipRight(
        Effect.suspend(() => Effect.raceFirst(afterLock, Effect.flatMap(Deferred.await(lockLost), takenOver)))
      )
    )

    const transfer = resumeEarlier.pipe(
      // Only `Retry` failures reach the schedule (`while`); the others end the download as they are.
      Effect.zipRight(Effect.retry(once, {
        schedule: Schedule.mapInput(
          options.schedule,
          (e: unknown): MediaRetry => isRetry(e) ? e : { reason: String(e), backoff: true }
        ),
        while: isRetry
      })),
      Effect.catchIf(isRetry, (last) =>
        new DownloadFailed({
          message: `could not download ${options.path}: gave up after ${attempts} attempt${
            attempts === 1 ? "" : "s"
          }: ${last.reason}`,
          path: options.path,
          local: false
        }))
    )

    // A partial file is kept only when it can be resumed (its ETag is beside it). Only a download that holds the lock
    // may remove it: one refused as busy, or interrupted while it waited, leaves the holder's files alone.
    const giveUp = Effect.suspend(() => {
      const lock = held
      return lock !== undefined && state.etag === undefined
        ? Effect.flatMap(readLock, (content) =>
          content === lock.token
            ? Effect.all([fs.remove(tmp, { force: true }), fs.remove(metaFile, { force: true })]).pipe(Effect.ignore)
            : Effect.void)
        : Effect.void
    })
    return yield* run.pipe(Effect.onError(() => giveUp))
  })
