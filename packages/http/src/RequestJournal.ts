/**
 * The requests this machine created at Motive, kept locally. Motive has no endpoint that lists recalls or
 * captures, so a request whose id is lost is lost for good (and its quota spent): the client records each
 * create the moment its answer arrives, before anything else can interrupt it.
 *
 * @since 0.1.0
 */
import { type ImageCapture, statusText, type VideoRecall } from "@effect-motive/domain"
import { FileSystem, Path } from "@effect/platform"
import { Clock, Config, Context, DateTime, Effect, Layer, Option, Ref, Schema } from "effect"
import { makeDirectories } from "./Directories.js"
import { fileSystemMessage } from "./MotiveError.js"

/**
 * One request as this machine knows it: what it asked for, and the last status it saw.
 *
 * @since 0.1.0
 */
export class JournalEntry extends Schema.Class<JournalEntry>("JournalEntry")({
  kind: Schema.Literal("video_recall", "image_capture"),
  id: Schema.Number,
  /**
   * The API it was made at (`serverName` of the base URL): ids are per server, so a sandbox's recall 1 and
   * Motive's are two requests. Absent in records from before, and from a journal given no server.
   */
  server: Schema.optional(Schema.String),
  /** For image captures: the camera type their GET needs. */
  cameraType: Schema.optional(Schema.String),
  /** `vehicle TRK-101`, `asset TRAILER-7`. */
  entity: Schema.String,
  /** Recalls: the window; captures: the camera position. */
  start: Schema.optional(Schema.String),
  end: Schema.optional(Schema.String),
  position: Schema.optional(Schema.String),
  createdAt: Schema.String,
  status: Schema.String,
  /** When this machine last saw the status. */
  seenAt: Schema.String
}) {}

/**
 * The journal could not be read or written.
 *
 * @since 0.1.0
 */
export class JournalFailed extends Schema.TaggedError<JournalFailed>()("JournalFailed", {
  message: Schema.String,
  path: Schema.String
}) {}

/**
 * Records requests and lists them.
 *
 * @since 0.1.0
 */
export class RequestJournal extends Context.Tag("@effect-motive/http/RequestJournal")<RequestJournal, {
  /** Adds what is known of a request now (a later record of the same request supersedes an earlier one). */
  readonly record: (entry: JournalEntry) => Effect.Effect<void, JournalFailed>
  /** Every request, newest first, each with the last record made of it. */
  readonly entries: Effect.Effect<ReadonlyArray<JournalEntry>, JournalFailed>
}>() {}

const entityOf = (
  r: {
    readonly vehicle?: { readonly id?: unknown; readonly number?: string | null | undefined } | null | undefined
    readonly asset?: { readonly id?: unknown; readonly name?: string | null | undefined } | null | undefined
  },
  fallback: string
) =>
  r.vehicle != null
    ? `vehicle ${r.vehicle.number ?? r.vehicle.id}`
    : r.asset != null
    ? `asset ${r.asset.name ?? r.asset.id}`
    : fallback

const now = Effect.map(Clock.currentTimeMillis, (ms) => DateTime.formatIso(DateTime.unsafeMake(ms)))

/**
 * The entry for a recall as Motive described it (`fallback` names the entity when the answer did not).
 *
 * @since 0.1.0
 */
export const recallEntry = (recall: VideoRecall, fallback = "unknown"): Effect.Effect<JournalEntry> =>
  Effect.map(now, (seenAt) =>
    new JournalEntry({
      kind: "video_recall",
      id: recall.id,
      entity: entityOf(recall, fallback),
      ...(recall.startTime == null ? {} : { start: recall.startTime }),
      ...(recall.endTime == null ? {} : { end: recall.endTime }),
      createdAt: recall.createdAt ?? seenAt,
      status: statusText(recall.status),
      seenAt
    }))

/**
 * The entry for an image capture as Motive described it.
 *
 * @since 0.1.0
 */
export const captureEntry = (capture: ImageCapture, fallback = "unknown"): Effect.Effect<JournalEntry> =>
  Effect.map(now, (seenAt) =>
    new JournalEntry({
      kind: "image_capture",
      id: capture.requestId,
      cameraType: capture.cameraType,
      entity: entityOf(capture, fallback),
      position: capture.position,
      createdAt: capture.createdAt ?? seenAt,
      status: statusText(capture.status),
      seenAt
    }))

/**
 * Records an entry in `journal` when there is one. A journal that fails is warned about, never fatal: the
 * request it describes exists at Motive all the same.
 *
 * @since 0.1.0
 */
export const recordIn =
  (journal: Option.Option<RequestJournal["Type"]>) => (entry: Effect.Effect<JournalEntry>): Effect.Effect<void> =>
    Option.match(journal, {
      onNone: () => Effect.void,
      onSome: (j) => entry.pipe(Effect.flatMap(j.record), Effect.catchAll((e) => Effect.logWarning(e.message)))
    })

/**
 * How a journal names the API a request was made at: the base URL without its user info (a proxy's password
 * never reaches the file), lower-cased host, default port and trailing slashes left out.
 *
 * @since 0.1.0
 */
export const serverName = (baseUrl: string): string => {
  const text = baseUrl.trim()
  try {
    const url = new URL(text)
    url.username = ""
    url.password = ""
    return `${url.protocol}//${url.host}${url.pathname}`.replace(/\/+$/, "")
  } catch {
    // Not a URL: its user info (up to the last "@" before the path) removed all the same.
    return text.replace(/^([a-z][a-z\d+.-]*:\/\/)[^/?#]*@/i, "$1").replace(/\/+$/, "")
  }
}

const keyOf = (e: JournalEntry) => `${e.server ?? ""} ${e.kind}:${e.id}`

/**
 * The last record of each request, newest request first. A record of no server (from before servers were
 * recorded) stays apart: the same id at a server may be another request.
 */
const latest = (records: ReadonlyArray<JournalEntry>): ReadonlyArray<JournalEntry> => {
  const byKey = new Map<string, JournalEntry>()
  for (const r of records) byKey.set(keyOf(r), r)
  // By instant: Motive writes times in the zone a request asked for (`X-Time-Zone`), so their text does not sort.
  const instant = (e: JournalEntry) => {
    const at = Date.parse(e.createdAt)
    return Number.isNaN(at) ? -Infinity : at
  }
  return [...byKey.values()].sort((a, b) => instant(b) - instant(a) || b.id - a.id)
}

/**
 * A journal in memory (for tests, or an app that keeps its own records).
 *
 * @since 0.1.0
 */
export const layerMemory: Layer.Layer<RequestJournal> = Layer.effect(
  RequestJournal,
  Effect.map(Ref.make<ReadonlyArray<JournalEntry>>([]), (records) =>
    RequestJournal.of({
      record: (entry) => Ref.update(records, (rs) => [...rs, entry]),
      entries: Effect.map(Ref.get(records), latest)
    }))
)

const encodeLine = Schema.encodeSync(Schema.parseJson(JournalEntry))
const decodeLine = Schema.decodeUnknownOption(Schema.parseJson(JournalEntry))

/**
 * A journal in a JSON Lines file: each record is one line appended with one write (appends do not interleave,
 * so several processes may share the file), and a line that cannot be read is skipped, never fatal. Given a
 * `server` (`serverName` of the client's base URL), it records each request as made there, and lists that
 * server's requests (and those recorded with none, from before); without one, it lists every server's.
 *
 * @since 0.1.0
 */
export const layerFile = (
  file: string,
  options: { readonly server?: string | undefined } = {}
): Layer.Layer<RequestJournal, never, FileSystem.FileSystem | Path.Path> =>
  Layer.effect(
    RequestJournal,
    Effect.gen(function*() {
      const fs = yield* FileSystem.FileSystem
      const path = yield* Path.Path
      const failed = (what: string) => (e: { readonly message: string; readonly cause?: unknown }) =>
        new JournalFailed({ message: `could not ${what} the request journal: ${fileSystemMessage(e)}`, path: file })
      return RequestJournal.of({
        record: (entry) =>
          Effect.scoped(Effect.gen(function*() {
            // Its folders are this user's alone, as the journal is (it names recalls, vehicles and windows).
            yield* makeDirectories(path.dirname(file), { mode: 0o700 }).pipe(
              Effect.provideService(FileSystem.FileSystem, fs),
              Effect.provideService(Path.Path, path)
            )
            const handle = yield* fs.open(file, { flag: "a", mode: 0o600 })
            const stamped = options.server === undefined || entry.server !== undefined
              ? entry
              : new JournalEntry({ ...entry, server: options.server })
            yield* handle.writeAll(new TextEncoder().encode(`${encodeLine(stamped)}\n`))
          })).pipe(Effect.mapError(failed("write"))),
        entries: fs.readFileString(file).pipe(
          Effect.map((text) =>
            latest(text.split("\n").flatMap((line) => Option.toArray(decodeLine(line)))).filter((e) =>
              options.server === undefined || e.server === undefined || e.server === options.server
            )
          ),
          Effect.catchIf((e) => e._tag === "SystemError" && e.reason === "NotFound", () => Effect.succeed([])),
          Effect.mapError(failed("read"))
        )
      })
    })
  )

/**
 * Where the journal lives: `$MOTIVE_STATE_DIR/requests.jsonl`, else `$XDG_STATE_HOME/motive/requests.jsonl` (an
 * absolute one: the XDG specification ignores a relative one), else `~/.local/state/motive/requests.jsonl`.
 *
 * @since 0.1.0
 */
export const defaultFile: Config.Config<string> = Config.all({
  motive: Config.option(Config.string("MOTIVE_STATE_DIR")),
  xdg: Config.option(Config.string("XDG_STATE_HOME")),
  home: Config.string("HOME").pipe(Config.withDefault("."))
}).pipe(Config.map(({ home, motive, xdg }) => {
  const given = (o: Option.Option<string>) => Option.filter(o, (s) => s.trim() !== "")
  // The XDG base directory specification: a relative XDG_STATE_HOME is invalid and ignored.
  const dir = Option.getOrElse(
    given(motive),
    () =>
      `${Option.getOrElse(Option.filter(given(xdg), (s) => s.startsWith("/")), () => `${home}/.local/state`)}/motive`
  )
  return `${dir.replace(/\/+$/, "")}/requests.jsonl`
}))

/**
 * The journal in its default file.
 *
 * @since 0.1.0
 */
export const layer: Layer.Layer<RequestJournal, never, FileSystem.FileSystem | Path.Path> = Layer.unwrapEffect(
  Effect.map(Effect.orElseSucceed(defaultFile, () => "./.motive/requests.jsonl"), (file) => layerFile(file))
)

/**
 * The journal in its default file, for the client of one server (`serverName` of its base URL): see
 * {@link layerFile}.
 *
 * @since 0.1.0
 */
export const layerFor = (server: string): Layer.Layer<RequestJournal, never, FileSystem.FileSystem | Path.Path> =>
  Layer.unwrapEffect(
    Effect.map(
      Effect.orElseSucceed(defaultFile, () => "./.motive/requests.jsonl"),
      (file) => layerFile(file, { server })
    )
  )
