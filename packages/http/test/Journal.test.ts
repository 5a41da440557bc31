import { Sandbox } from "@effect-motive/sandbox"
import { NodeContext } from "@effect/platform-node"
import { describe, expect, it } from "@effect/vitest"
import { ConfigProvider, Duration, Effect, Fiber, Layer, Ref } from "effect"
import { appendFileSync, mkdtempSync, readFileSync, rmSync, statSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { MotiveClient, RequestJournal, Waiting } from "../src/index.js"
import { NodeMotive } from "../src/node.js"
import { ago, liveSleep, quick } from "./support.js"

const tempDir = Effect.acquireRelease(
  Effect.sync(() => mkdtempSync(join(tmpdir(), "motive-journal-"))),
  (dir) => Effect.sync(() => rmSync(dir, { recursive: true, force: true }))
)

/** The client, its waits and an in-memory journal, pointed at `sandbox`. */
const withJournal = (sandbox: Sandbox.SandboxService, overrides: object = {}) =>
  NodeMotive.layer({
    credentials: { _tag: "ApiKey", apiKey: sandbox.apiKey },
    baseUrl: sandbox.baseUrl,
    ...quick,
    ...overrides
  })
    .pipe(Layer.provideMerge(RequestJournal.layerMemory))

const recall = () => ({ vehicleNumber: "TRK-101", startTime: ago(30), duration: 1 })

describe("RequestJournal: no request Motive accepted is lost", () => {
  it.scopedLive("an interrupt while a create is on the wire waits for Motive's answer, records it, tells onCreated", () =>
    Effect.gen(function*() {
      const sandbox = yield* Sandbox.make()
      yield* sandbox.injectFault("createVideoRecall", { kind: "slow", delayMillis: 600 })
      const told = yield* Ref.make<ReadonlyArray<number>>([])
      const [journal, exit] = yield* Effect.gen(function*() {
        const client = yield* MotiveClient.MotiveClient
        const fiber = yield* Effect.fork(
          client.createVideoRecall(recall(), { onCreated: (r) => Ref.update(told, (ids) => [...ids, r.id]) })
        )
        yield* liveSleep(200) // the request is on the wire, its answer 400 ms away
        const exit = yield* Fiber.interrupt(fiber)
        return [yield* (yield* RequestJournal.RequestJournal).entries, exit] as const
      }).pipe(Effect.provide(withJournal(sandbox)))
      expect(exit._tag).toBe("Failure") // interrupted all the same, once the answer was in
      expect((yield* sandbox.recalls).map((r) => r.id)).toEqual([1])
      expect(journal).toMatchObject([{ kind: "video_recall", id: 1, entity: "vehicle TRK-101", status: "pending" }])
      expect(yield* Ref.get(told)).toEqual([1])
    }))

  it.scopedLive("an interrupt before a create is sent sends nothing and records nothing", () =>
    Effect.gen(function*() {
      const sandbox = yield* Sandbox.make()
      const journal = yield* Effect.gen(function*() {
        const client = yield* MotiveClient.MotiveClient
        yield* client.createVideoRecall(recall()) // takes the only token of the next 20 s
        const fiber = yield* Effect.fork(client.createVideoRecall({ ...recall(), startTime: ago(40) }))
        yield* liveSleep(200) // waiting for the rate limit: not sent
        yield* Fiber.interrupt(fiber)
        return yield* (yield* RequestJournal.RequestJournal).entries
      }).pipe(Effect.provide(withJournal(sandbox, { rateLimit: { requestsPerSecond: 0.05, burst: 1 } })))
      expect((yield* sandbox.requests).filter((r) => r.route === "createVideoRecall")).toHaveLength(1)
      expect(journal.map((e) => e.id)).toEqual([1])
    }))

  it.scopedLive("a file journal keeps every create and the last status seen, newest first, and skips a torn line", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir
      const file = join(dir, "state", "requests.jsonl")
      const sandbox = yield* Sandbox.make({ lifecycle: { recallPendingMillis: 0, recallProcessingMillis: 0 } })
      const layer = NodeMotive.layer({
        credentials: { _tag: "ApiKey", apiKey: sandbox.apiKey },
        baseUrl: sandbox.baseUrl,
        ...quick
      }).pipe(Layer.provideMerge(RequestJournal.layerFile(file).pipe(Layer.provide(NodeContext.layer))))
      const entries = yield* Effect.gen(function*() {
        const client = yield* MotiveClient.MotiveClient
        const first = yield* client.createVideoRecall(recall())
        yield* liveSleep(1_100) // a later created_at
        yield* client.createImageCapture({ vehicleId: 101, position: "rear" })
        yield* (yield* Waiting.Waiting).awaitVideoRecall(first.recall.id, { timeout: Duration.seconds(5) })
        appendFileSync(file, "{\"kind\":\"video_recall\",\"id\":") // a line cut short by a crash
        return yield* (yield* RequestJournal.RequestJournal).entries
      }).pipe(Effect.provide(layer))
      expect(entries.map((e) => [e.kind, e.id, e.status])).toEqual([
        ["image_capture", 1, "pending"],
        ["video_recall", 1, "success"]
      ])
      expect(entries[0]).toMatchObject({ cameraType: "omnicam", position: "rear", entity: "vehicle TRK-101" })
      expect(readFileSync(file, "utf8").split("\n").filter((l) => l.startsWith("{\"")).length).toBe(4)
      // This user's alone: the file, and the folder made for it.
      expect([statSync(join(dir, "state")).mode & 0o777, statSync(file).mode & 0o777]).toEqual([0o700, 0o600])
    }))

  it.effect("lists the newest request first by its instant, when Motive wrote the times in different zones", () =>
    Effect.gen(function*() {
      const journal = yield* RequestJournal.RequestJournal
      const entry = (id: number, createdAt: string) =>
        new RequestJournal.JournalEntry({
          kind: "video_recall",
          id,
          entity: "vehicle TRK-101",
          createdAt,
          status: "pending",
          seenAt: createdAt
        })
      // 19:11:00Z written at -08:00 (asked with X-Time-Zone) is newer than 19:10:59Z, though its text sorts first.
      yield* journal.record(entry(1, "2026-12-06T19:10:59.004Z"))
      yield* journal.record(entry(2, "2026-12-06T11:11:00-08:00"))
      yield* journal.record(entry(3, "2026-12-06T20:00:00+05:30"))
      expect((yield* journal.entries).map((e) => e.id)).toEqual([2, 1, 3])
    }).pipe(Effect.provide(RequestJournal.layerMemory)))

  it.scopedLive("a file journal for a server records its requests as made there and lists only those", () =>
    Effect.gen(function*() {
      const file = join(yield* tempDir, "requests.jsonl")
      const entry = (id: number, status: string, server?: string) =>
        new RequestJournal.JournalEntry({
          kind: "video_recall",
          id,
          ...(server === undefined ? {} : { server }),
          entity: "vehicle TRK-101",
          createdAt: `2026-12-01T10:00:0${id}Z`,
          status,
          seenAt: "2026-12-01T10:00:00Z"
        })
      // A record from before servers were recorded.
      appendFileSync(file, `${JSON.stringify({ ...entry(1, "pending"), _tag: undefined })}\n`)
      const at = (server: string | undefined) =>
        Effect.provide(
          RequestJournal.RequestJournal,
          RequestJournal.layerFile(file, { server }).pipe(Layer.provide(NodeContext.layer))
        )
      const motive = yield* at(RequestJournal.serverName("https://user:secret@api.gomotive.com/"))
      expect(RequestJournal.serverName("https://user:secret@api.gomotive.com/")).toBe("https://api.gomotive.com")
      // A raw "@" in the password, the host's case and its default port: the URL's own reading.
      expect(RequestJournal.serverName("http://u:p@ss@Proxy.example:80/motive/")).toBe("http://proxy.example/motive")
      const sandbox = yield* at("http://127.0.0.1:4010")
      yield* motive.record(entry(1, "success"))
      yield* sandbox.record(entry(1, "pending"))
      yield* sandbox.record(entry(2, "pending"))
      const show = (es: ReadonlyArray<RequestJournal.JournalEntry>) => es.map((e) => `${e.id} ${e.status} ${e.server}`)
      // The record of no server stays apart: the same id at a server may be another request.
      expect(show(yield* motive.entries).sort()).toEqual(["1 pending undefined", "1 success https://api.gomotive.com"])
      expect(show(yield* sandbox.entries).sort()).toEqual([
        "1 pending http://127.0.0.1:4010",
        "1 pending undefined",
        "2 pending http://127.0.0.1:4010"
      ])
      expect(show(yield* (yield* at(undefined)).entries).sort()).toEqual([
        "1 pending http://127.0.0.1:4010",
        "1 pending undefined",
        "1 success https://api.gomotive.com",
        "2 pending http://127.0.0.1:4010"
      ])
      expect(readFileSync(file, "utf8")).not.toContain("secret")
    }))
})

describe("RequestJournal.defaultFile", () => {
  it.effect("is MOTIVE_STATE_DIR's, else an absolute XDG_STATE_HOME's (a relative one is ignored), else HOME's", () =>
    Effect.gen(function*() {
      const fileWith = (env: Record<string, string>) =>
        Effect.withConfigProvider(RequestJournal.defaultFile, ConfigProvider.fromMap(new Map(Object.entries(env))))
      expect(yield* fileWith({ MOTIVE_STATE_DIR: "/srv/motive/", XDG_STATE_HOME: "/x", HOME: "/h" })).toBe(
        "/srv/motive/requests.jsonl"
      )
      expect(yield* fileWith({ XDG_STATE_HOME: "/x/state", HOME: "/h" })).toBe("/x/state/motive/requests.jsonl")
      expect(yield* fileWith({ XDG_STATE_HOME: "relx", HOME: "/h" })).toBe("/h/.local/state/motive/requests.jsonl")
      expect(yield* fileWith({ XDG_STATE_HOME: " ", HOME: "/h" })).toBe("/h/.local/state/motive/requests.jsonl")
    }))
})
