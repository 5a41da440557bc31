/**
 * How a call to Motive's API travels: one exchange, the request out and the whole answer (status, headers,
 * body text) back, within the request timeout. `MotiveClient` builds the requests and reads the answers; a
 * transport only moves them.
 *
 * {@link layerHttpClient} exchanges through the `HttpClient` you provide (its proxy, its tracing), on any runtime.
 * On Node, `NodeMotive` exchanges through Node's own `http` in one step per call (`NodeApiTransport`).
 *
 * @since 0.1.0
 */
import { HttpClient, type HttpClientError, HttpClientRequest, type HttpClientResponse } from "@effect/platform"
import { Context, Duration, Effect, Layer, Option, Stream } from "effect"
import {
  answerOf,
  isBuildDefect,
  maxAnswerBytes as answerLimit,
  transportError,
  wireError
} from "./internal/transport.js"
import { MotiveConfig } from "./MotiveConfig.js"
import { type InvalidRequest, RequestTimeout, type TransportError } from "./MotiveError.js"

/**
 * One request to Motive's API.
 *
 * @since 0.1.0
 */
export interface ApiRequest {
  readonly method: "GET" | "POST"
  /** Absolute, with its query. */
  readonly url: string
  /** Lower-case names. */
  readonly headers: Readonly<Record<string, string>>
  /** A JSON text, sent as `application/json`. */
  readonly body?: string | undefined
}

/**
 * Motive's whole answer to an {@link ApiRequest}.
 *
 * @since 0.1.0
 */
export interface ApiAnswer {
  readonly status: number
  /** A header's value by its lower-case name. */
  readonly header: (name: string) => string | undefined
  readonly text: string
  /** The body was longer than {@link maxAnswerBytes}: `text` holds its start, and the rest was not read. */
  readonly tooLarge?: boolean | undefined
}

/**
 * The longest body of an API answer that is read (32 MiB; a page of 100 vehicles is a few hundred KiB): a longer
 * one, from a broken server or proxy, is not held in memory but fails `ResponseDecodeError`.
 *
 * @since 0.1.0
 */
export const maxAnswerBytes: number = answerLimit

/**
 * Whether an answer's status is a success (2xx): the answers `MotiveClient` decodes rather than maps to an error.
 *
 * @since 0.1.0
 */
export const isSuccess = (status: number): boolean => status >= 200 && status < 300

/**
 * Exchanges requests with Motive. An exchange fails with `TransportError` when the connection broke
 * (`requestSent` false only when none opened), `RequestTimeout` when no whole answer came within the request
 * timeout, or `InvalidRequest` when the request could not be built; interrupting it gives up the connection. A
 * non-2xx answer whose body breaks is still an answer, with an empty text.
 *
 * @since 0.1.0
 */
export class ApiTransport extends Context.Tag("@effect-motive/http/ApiTransport")<ApiTransport, {
  readonly exchange: (request: ApiRequest) => Effect.Effect<ApiAnswer, TransportError | RequestTimeout | InvalidRequest>
}>() {}

/**
 * Whether the `HttpClient` enforces the request timeout itself (`AgentHttpClient` and `UndiciHttpClient` do, with
 * their own timers). When it does not — any client you provide, and the default — every exchange, body included,
 * is bounded by an Effect timeout instead. Set it only knowing the trade: those two clients bound the wait for the
 * answer's head and each silence within its body, not the whole exchange (a body trickled a byte at a time runs
 * on), for a few microseconds less per call.
 *
 * @since 0.1.0
 */
export class TransportTimeouts extends Context.Reference<TransportTimeouts>()(
  "@effect-motive/http/TransportTimeouts",
  { defaultValue: () => false }
) {}

/**
 * An answer's body as text, at most {@link maxAnswerBytes} of it: an uncompressed body whose `Content-Length` fits
 * is read the client's own way; any other is read piece by piece (as the client unpacks it) and left when it
 * passes the limit.
 */
const boundedText = (
  response: HttpClientResponse.HttpClientResponse
): Effect.Effect<{ readonly text: string; readonly tooLarge: boolean }, HttpClientError.ResponseError> => {
  // A compressed body's Content-Length is its compressed size (fetch unpacks it unasked): only an uncompressed one
  // is read whole on its word.
  const encoding = response.headers["content-encoding"]
  const declared = encoding === undefined || encoding === "identity"
    ? Number(response.headers["content-length"] ?? NaN)
    : NaN
  if (declared <= answerLimit) return Effect.map(response.text, (text) => ({ text, tooLarge: false }))
  return Effect.suspend(() => {
    const pieces: Array<Uint8Array> = []
    let received = 0
    return Stream.runForEachWhile(response.stream, (piece) =>
      Effect.sync(() => {
        const room = answerLimit - received
        received += piece.length
        pieces.push(piece.length > room ? piece.subarray(0, room) : piece)
        return received <= answerLimit
      })).pipe(
        Effect.map(() => {
          const bytes = new Uint8Array(Math.min(received, answerLimit))
          let at = 0
          for (const piece of pieces) {
            bytes.set(piece, at)
            at += piece.length
          }
          return { text: new TextDecoder().decode(bytes), tooLarge: received > answerLimit }
        })
      )
  })
}

/**
 * Exchanges through the `HttpClient` in context, each bounded by `MotiveConfig`'s request timeout (unless
 * {@link TransportTimeouts} says the client bounds them itself).
 *
 * @since 0.1.0
 */
export const layerHttpClient: Layer.Layer<ApiTransport, never, HttpClient.HttpClient | MotiveConfig> = Layer.effect(
  ApiTransport,
  Effect.gen(function*() {
    const config = yield* MotiveConfig
    const http = yield* HttpClient.HttpClient
    const transportTimesOut = yield* TransportTimeouts
    const timeout = config.requestTimeout
    const timed = <A, E>(exchange: Effect.Effect<A, E>): Effect.Effect<A, E | RequestTimeout> =>
      transportTimesOut ? exchange : Effect.timeoutFail(exchange, {
        duration: timeout,
        onTimeout: () =>
          new RequestTimeout({
            message: `Motive did not answer within ${Duration.format(timeout)}`,
            timeoutMillis: Duration.toMillis(timeout)
          })
      })
    return ApiTransport.of({
      exchange: (request) => {
        const base = HttpClientRequest.make(request.method)(request.url, { headers: request.headers })
        const outgoing = request.body === undefined
          ? base
          : HttpClientRequest.bodyText(base, request.body, "application/json")
        return timed(
          Effect.mapError(
            Effect.flatMap(
              answerOf(http.execute(outgoing)),
              (response) =>
                Effect.map(
                  // A refusal stays a refusal (a 429 still pauses) when its body breaks: it is read as empty.
                  isSuccess(response.status)
                    ? boundedText(response)
                    : Effect.orElseSucceed(boundedText(response), () => ({ text: "", tooLarge: false })),
                  ({ text, tooLarge }): ApiAnswer => ({
                    status: response.status,
                    header: (name) => response.headers[name],
                    text,
                    tooLarge
                  })
                )
            ),
            (e) => transportError(e, timeout)
          ).pipe(
            Effect.catchSomeDefect((defect) =>
              isBuildDefect(defect)
                ? Option.some(Effect.fail(wireError(
                  { stage: "request", invalidUrl: false, cause: defect, reason: "Encode", url: request.url },
                  timeout
                )))
                : Option.none()
            )
          )
        )
      }
    })
  })
)
