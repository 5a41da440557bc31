/** The requests the sandbox received, kept for inspection with their secrets masked. */
import { Effect, HashMap, Option, Ref } from "effect"
import type { RecordedRequest } from "../Records.js"

/** How many received requests the sandbox remembers: a sandbox left running keeps the most recent only. */
const maxRecordedRequests = 10_000

/**
 * Headers as recorded: the API key and the credentials of `Authorization` masked (its scheme kept, when it has
 * one: a value without a scheme is all credential).
 */
export const maskHeaders = (headers: Readonly<Record<string, string | undefined>>): Record<string, string> => {
  const out: Record<string, string> = {}
  for (const [k, v] of Object.entries(headers)) {
    if (v === undefined) continue
    out[k] = k === "x-api-key"
      ? "***"
      : k === "authorization"
      ? /^\S+\s+\S/.test(v.trim()) ? v.trim().replace(/^(\S+\s+).*$/, "$1***") : "***"
      : v
  }
  return out
}

/**
 * A body as recorded: every `secret` field masked, at any depth (a webhook registration may wrap its fields, as
 * Rails clients do: `{ "company_webhook": { "secret": … } }`). Bodies are at most 32 deep (refused otherwise).
 */
export const maskBody = (body: unknown): unknown => {
  if (Array.isArray(body)) return body.map(maskBody)
  if (typeof body !== "object" || body === null) return body
  return Object.fromEntries(
    Object.entries(body).map(([key, value]) => [key, key === "secret" ? "***" : maskBody(value)])
  )
}

// Entries by arrival number, in a persistent map: recording and answering a request cost O(log n), not a
// copy of the whole log. `first` is the oldest number kept; numbers are never reused, even across `reset`.
interface Log {
  readonly first: number
  readonly next: number
  readonly entries: HashMap.HashMap<number, RecordedRequest>
}

/**
 * The request log.
 */
export interface RequestLog {
  /** Records a request as it arrives; answers its number, for {@link RequestLog.answered}. */
  readonly arrived: (request: RecordedRequest) => Effect.Effect<number>
  /** Records the status a request was answered with. */
  readonly answered: (n: number, status: number) => Effect.Effect<void>
  readonly all: Effect.Effect<ReadonlyArray<RecordedRequest>>
  readonly reset: Effect.Effect<void>
}

/**
 * An empty log.
 */
export const makeRequestLog: Effect.Effect<RequestLog> = Effect.map(
  Ref.make<Log>({ first: 1, next: 1, entries: HashMap.empty() }),
  (ref) => ({
    arrived: (request) =>
      Ref.modify(ref, (log) => {
        const n = log.next
        const full = n - log.first >= maxRecordedRequests
        const entries = HashMap.set(full ? HashMap.remove(log.entries, log.first) : log.entries, n, request)
        return [n, { first: full ? log.first + 1 : log.first, next: n + 1, entries }]
      }),
    answered: (n, status) =>
      Ref.update(ref, (log) => ({
        ...log,
        entries: HashMap.modify(log.entries, n, (request) => ({ ...request, status }))
      })),
    all: Effect.map(Ref.get(ref), (log) => {
      const out: Array<RecordedRequest> = []
      for (let n = log.first; n < log.next; n++) {
        const request = HashMap.get(log.entries, n)
        if (Option.isSome(request)) out.push(request.value)
      }
      return out
    }),
    reset: Ref.update(ref, (log) => ({ first: log.next, next: log.next, entries: HashMap.empty() }))
  })
)
