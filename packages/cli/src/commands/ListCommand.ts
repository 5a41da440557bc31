/**
 * `motive recall list` and `motive image list`: the requests this machine created, from the local journal.
 * Motive has no endpoint that lists them, so this is where an id that scrolled away is found again.
 *
 * @since 0.1.0
 */
import type { RequestJournal } from "@effect-motive/http"
import * as Command from "@effect/cli/Command"
import * as Options from "@effect/cli/Options"
import { Effect } from "effect"
import { httpPackage, settingsFrom, withClient } from "../Client.js"
import { Output } from "../Output.js"
import { columns } from "../Render.js"
import { root } from "../Root.js"

type Entry = RequestJournal.JournalEntry

/** Columns: id, entity, what was asked for, created, last status seen; the server too when there are several. */
const text = (entries: ReadonlyArray<Entry>, none: string): string => {
  if (entries.length === 0) return none
  const servers = new Set(entries.map((e) => e.server ?? ""))
  const withServer = servers.size > 1
  const rows = [
    ["ID", "ENTITY", "WHAT", "CREATED", "STATUS", ...(withServer ? ["SERVER"] : [])],
    ...entries.map((e) => [
      String(e.id),
      e.entity,
      e.kind === "video_recall" ? `${e.start ?? "?"} → ${e.end ?? "?"}` : `${e.cameraType ?? "?"} ${e.position ?? ""}`,
      e.createdAt,
      e.status,
      ...(withServer ? [e.server ?? "?"] : [])
    ])
  ]
  return columns(rows)
}

const json = (e: Entry) => ({
  kind: e.kind,
  id: e.id,
  ...(e.server === undefined ? {} : { server: e.server }),
  entity: e.entity,
  ...(e.cameraType === undefined ? {} : { camera_type: e.cameraType }),
  ...(e.position === undefined ? {} : { position: e.position }),
  ...(e.start === undefined ? {} : { start_time: e.start, end_time: e.end }),
  created_at: e.createdAt,
  status: e.status,
  seen_at: e.seenAt
})

const list = (kind: Entry["kind"], name: string) =>
  Command.make(
    "list",
    {
      refresh: Options.boolean("refresh").pipe(
        Options.withDescription("Ask Motive for each request's current status first (needs credentials)")
      )
    },
    (opts) =>
      Effect.gen(function*() {
        const globals = yield* root
        const output = yield* Output
        const { RequestJournal } = yield* httpPackage
        const read = Effect.flatMap(RequestJournal.RequestJournal, (j) => j.entries).pipe(
          Effect.map((all) => all.filter((e) => e.kind === kind)),
          Effect.provide(RequestJournal.layer)
        )
        // Requests Motive no longer knows (404: another account's, a sandbox's): listed as recorded, and named.
        const unknown: Array<{ readonly id: number; readonly message: string }> = []
        // Requests Motive could not be asked about now (a 503, the network): listed as recorded, and named.
        const notRefreshed: Array<{ readonly id: number; readonly message: string }> = []
        if (opts.refresh) {
          // Only this server's requests are asked about (another's ids name other requests here; a record from
          // before servers were recorded may be another server's, so it is listed as recorded).
          // (Without settings of its own, as with --sandbox, every request is.)
          const server = yield* settingsFrom(globals).pipe(
            Effect.map((settings) => RequestJournal.serverName(settings.baseUrl)),
            Effect.orElseSucceed(() => undefined)
          )
          yield* withClient(globals, ({ client }) =>
            Effect.gen(function*() {
              const journal = yield* RequestJournal.RequestJournal
              // A finished request does not change: only the others are asked about.
              const open = (yield* read).filter((e) =>
                e.status !== "success" && e.status !== "failed" &&
                (server === undefined || e.server === server)
              )
              // A refusal of the whole company (the key, the feature, the rate limit) would refuse every other: they
              // are not asked.
              let refused: string | undefined
              for (const e of open) {
                if (refused !== undefined) {
                  notRefreshed.push({ id: e.id, message: refused })
                  continue
                }
                const entry = kind === "video_recall"
                  ? Effect.flatMap(client.getVideoRecall(e.id), (r) => RequestJournal.recallEntry(r, e.entity))
                  : Effect.flatMap(
                    client.getImageCapture({ cameraType: e.cameraType ?? "dashcam", requestId: e.id }),
                    (c) => RequestJournal.captureEntry(c, e.entity)
                  )
                yield* Effect.flatMap(entry, (fresh) => journal.record(fresh)).pipe(
                  Effect.catchTag("NotFound", (error) =>
                    Effect.zipRight(
                      Effect.sync(() => unknown.push({ id: e.id, message: error.message })),
                      output.warning(`${name} ${e.id} is not known to Motive (404), left as recorded: ${error.message}`)
                    )),
                  Effect.catchAll((error) =>
                    Effect.zipRight(
                      Effect.sync(() => {
                        notRefreshed.push({ id: e.id, message: error.message })
                        if (companyWide.has(error._tag)) refused = `not asked after: ${error.message}`
                      }),
                      output.warning(`${name} ${e.id} could not be refreshed, left as recorded: ${error.message}`)
                    )
                  )
                )
              }
            }).pipe(Effect.provide(server === undefined ? RequestJournal.layer : RequestJournal.layerFor(server))))
        }
        const entries = yield* read
        yield* output.result(
          text(entries, `No ${name}s were created from this machine yet.`),
          {
            requests: entries.map(json),
            ...(unknown.length === 0 ? {} : { not_found: unknown }),
            ...(notRefreshed.length === 0 ? {} : { not_refreshed: notRefreshed })
          }
        )
      })
  ).pipe(Command.withDescription(`The ${name}s this machine created, newest first (the local journal)`))

/** Failures that every other request of the company would meet too. */
const companyWide: ReadonlySet<string> = new Set(["Unauthorized", "Forbidden", "FeatureDisabled", "RateLimited"])

/**
 * `motive recall list`
 *
 * @since 0.1.0
 */
export const recallList = list("video_recall", "video recall")

/**
 * `motive image list`
 *
 * @since 0.1.0
 */
export const imageList = list("image_capture", "image capture")
