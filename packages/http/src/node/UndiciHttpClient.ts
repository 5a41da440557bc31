/**
 * A lean `HttpClient` over undici's `request` API.
 *
 * `@effect/platform-node`'s `NodeHttpClient.layerUndici` opens a span, registers a finalizer and builds a URL
 * object for every request; on this project's benchmark that costs about 75 µs per call, which is most of
 * the client's overhead over a bare `undici.request`. This client does only what Motive calls need:
 * interruption aborts the request, the body streams, and the tracing stays in the `motive.*` spans.
 * Any other `HttpClient` layer works in its place.
 *
 * @since 0.1.0
 */
import { HttpClient, HttpClientError, type HttpClientRequest, type HttpClientResponse } from "@effect/platform"
import { NodeStream } from "@effect/platform-node"
import { Duration, Effect, Layer, Option, type Stream } from "effect"
import { EventEmitter } from "node:events"
import { Agent, type Dispatcher } from "undici"
import { makeClient, millisOf, NodeResponse } from "./internal/nodeClient.js"

class UndiciResponse extends NodeResponse {
  private textBody: Promise<string> | undefined

  constructor(request: HttpClientRequest.HttpClientRequest, readonly source: Dispatcher.ResponseData) {
    super(request, source.headers, "@effect-motive/http/UndiciHttpClient/Response")
    source.body.on("error", () => {})
  }

  get status(): number {
    return this.source.statusCode
  }

  get remoteAddress(): Option.Option<string> {
    return Option.none<string>()
  }

  get text(): Effect.Effect<string, HttpClientError.ResponseError> {
    // The body can be read once: the first read is kept for later ones.
    return Effect.tryPromise({
      try: () => this.textBody ??= this.source.body.text(),
      catch: (e) => this.decodeError(e)
    })
  }

  get arrayBuffer(): Effect.Effect<ArrayBuffer, HttpClientError.ResponseError> {
    return Effect.tryPromise({ try: () => this.source.body.arrayBuffer(), catch: (e) => this.decodeError(e) })
  }

  get formData(): Effect.Effect<FormData, HttpClientError.ResponseError> {
    return Effect.tryPromise({ try: () => this.source.body.formData(), catch: (e) => this.decodeError(e) })
  }

  get stream(): Stream.Stream<Uint8Array, HttpClientError.ResponseError> {
    return NodeStream.fromReadable(() => this.source.body, (e) => this.decodeError(e))
  }
}

const bodyOf = (request: HttpClientRequest.HttpClientRequest) => {
  const body = request.body
  switch (body._tag) {
    case "Empty":
      return Effect.succeed(undefined)
    case "Uint8Array":
    case "Raw":
      return Effect.succeed(body.body as Dispatcher.DispatchOptions["body"])
    case "FormData":
      return Effect.succeed(body.formData as Dispatcher.DispatchOptions["body"])
    case "Stream":
      return Effect.map(NodeStream.toReadable(body.stream), (r) => r as Dispatcher.DispatchOptions["body"])
  }
}

/**
 * Timeouts enforced by undici itself (cheap timers, no extra fiber per request). Undici fails with
 * `UND_ERR_HEADERS_TIMEOUT` / `UND_ERR_BODY_TIMEOUT`, which the Motive client reports as `RequestTimeout`.
 *
 * @since 0.1.0
 */
export interface UndiciTimeouts {
  /** Longest wait for the response headers. */
  readonly headersTimeout?: Duration.DurationInput
  /** Longest silence between two pieces of the body (an idle timeout: large downloads are not cut). */
  readonly bodyTimeout?: Duration.DurationInput
}

/**
 * An `HttpClient` sending through `dispatcher`.
 *
 * @since 0.1.0
 */
export const make = (dispatcher: Dispatcher, timeouts: UndiciTimeouts = {}): HttpClient.HttpClient => {
  // A timeout given as none (zero, infinity, longer than a timer) is undici's 0, not its 300 s default.
  const headersTimeout = timeouts.headersTimeout === undefined ? undefined : millisOf(timeouts.headersTimeout) ?? 0
  const bodyTimeout = timeouts.bodyTimeout === undefined ? undefined : millisOf(timeouts.bodyTimeout) ?? 0
  return makeClient((request, url) =>
    Effect.flatMap(
      bodyOf(request),
      (body) =>
        Effect.async<Dispatcher.ResponseData, HttpClientError.RequestError>((resume) => {
          // Interruption aborts the request through an EventEmitter, which undici accepts as a signal: an
          // AbortController per request cost ~5 µs of CPU, an EventEmitter ~0.1 µs.
          const abort = new EventEmitter()
          dispatcher.request({
            origin: url.origin,
            path: url.pathname + url.search,
            method: request.method,
            headers: request.headers,
            body: body ?? null,
            signal: abort,
            ...(headersTimeout === undefined ? {} : { headersTimeout }),
            ...(bodyTimeout === undefined ? {} : { bodyTimeout })
          }).then(
            (response) => resume(Effect.succeed(response)),
            (cause) => resume(Effect.fail(new HttpClientError.RequestError({ request, reason: "Transport", cause })))
          )
          return Effect.sync(() => abort.emit("abort"))
        })
    ).pipe(
      Effect.map((response): HttpClientResponse.HttpClientResponse => new UndiciResponse(request, response))
    )
  )
}

/**
 * The client over its own undici `Agent`, closed with the layer.
 *
 * @since 0.1.0
 */
export const layerWith = (timeouts: UndiciTimeouts = {}): Layer.Layer<HttpClient.HttpClient> =>
  Layer.scoped(
    HttpClient.HttpClient,
    Effect.map(
      Effect.acquireRelease(Effect.sync(() => new Agent()), (agent) => Effect.promise(() => agent.destroy())),
      (agent) => make(agent, timeouts)
    )
  )

/**
 * The client with undici's default timeouts.
 *
 * @since 0.1.0
 */
export const layer: Layer.Layer<HttpClient.HttpClient> = layerWith()
