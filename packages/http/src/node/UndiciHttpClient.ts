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
import {
  Cookies,
  Headers,
  HttpClient,
  HttpClientError,
  type HttpClientRequest,
  HttpClientResponse,
  HttpIncomingMessage,
  UrlParams
} from "@effect/platform"
import { NodeStream } from "@effect/platform-node"
import { Duration, Effect, Either, Inspectable, Layer, Option, type Stream } from "effect"
import { EventEmitter } from "node:events"
import { Agent, type Dispatcher } from "undici"

class UndiciResponse extends Inspectable.Class implements HttpClientResponse.HttpClientResponse {
  readonly [HttpClientResponse.TypeId]: HttpClientResponse.TypeId = HttpClientResponse.TypeId
  readonly [HttpIncomingMessage.TypeId]: HttpIncomingMessage.TypeId = HttpIncomingMessage.TypeId
  private textBody: Promise<string> | undefined
  private headerMap: Headers.Headers | undefined

  constructor(readonly request: HttpClientRequest.HttpClientRequest, readonly source: Dispatcher.ResponseData) {
    super()
    source.body.on("error", () => {})
  }

  private decodeError(cause: unknown): HttpClientError.ResponseError {
    return new HttpClientError.ResponseError({ request: this.request, response: this, reason: "Decode", cause })
  }

  get status(): number {
    return this.source.statusCode
  }

  get headers(): Headers.Headers {
    return this.headerMap ??= Headers.fromInput(this.source.headers)
  }

  get cookies(): Cookies.Cookies {
    const header = this.source.headers["set-cookie"]
    return header === undefined ? Cookies.empty : Cookies.fromSetCookie(Array.isArray(header) ? header : [header])
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

  get json(): Effect.Effect<unknown, HttpClientError.ResponseError> {
    return Effect.flatMap(
      this.text,
      (text) =>
        Effect.try({ try: (): unknown => text === "" ? null : JSON.parse(text), catch: (e) => this.decodeError(e) })
    )
  }

  get arrayBuffer(): Effect.Effect<ArrayBuffer, HttpClientError.ResponseError> {
    return Effect.tryPromise({ try: () => this.source.body.arrayBuffer(), catch: (e) => this.decodeError(e) })
  }

  get urlParamsBody(): Effect.Effect<UrlParams.UrlParams, HttpClientError.ResponseError> {
    return Effect.map(this.text, (text) => UrlParams.fromInput(new URLSearchParams(text)))
  }

  get formData(): Effect.Effect<FormData, HttpClientError.ResponseError> {
    return Effect.tryPromise({ try: () => this.source.body.formData(), catch: (e) => this.decodeError(e) })
  }

  get stream(): Stream.Stream<Uint8Array, HttpClientError.ResponseError> {
    return NodeStream.fromReadable(() => this.source.body, (e) => this.decodeError(e))
  }

  override toJSON(): unknown {
    return { _id: "@effect-motive/http/UndiciHttpClient/Response", status: this.status }
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

const millisOf = (d: Duration.DurationInput | undefined) => d === undefined ? undefined : Duration.toMillis(d)

/**
 * An `HttpClient` sending through `dispatcher`.
 *
 * @since 0.1.0
 */
export const make = (dispatcher: Dispatcher, timeouts: UndiciTimeouts = {}): HttpClient.HttpClient => {
  const headersTimeout = millisOf(timeouts.headersTimeout)
  const bodyTimeout = millisOf(timeouts.bodyTimeout)
  return HttpClient.makeWith<never, never, HttpClientError.HttpClientError, never>(
    (prepared) =>
      Effect.flatMap(prepared, (request) => {
        const url = UrlParams.makeUrl(request.url, request.urlParams, request.hash)
        if (Either.isLeft(url)) {
          return Effect.fail(new HttpClientError.RequestError({ request, reason: "InvalidUrl", cause: url.left }))
        }
        return Effect.flatMap(bodyOf(request), (body) =>
          Effect.async<Dispatcher.ResponseData, HttpClientError.RequestError>((resume) => {
            // Interruption aborts the request through an EventEmitter, which undici accepts as a signal: an
            // AbortController per request cost ~5 µs of CPU, an EventEmitter ~0.1 µs.
            const abort = new EventEmitter()
            dispatcher.request({
              origin: url.right.origin,
              path: url.right.pathname + url.right.search,
              method: request.method,
              headers: request.headers,
              body: body ?? null,
              signal: abort,
              ...(headersTimeout === undefined ? {} : { headersTimeout }),
              ...(bodyTimeout === undefined ? {} : { bodyTimeout })
            }).then(
              (response) =>
                resume(Effect.succeed(response)),
              (cause) => resume(Effect.fail(new HttpClientError.RequestError({ request, reason: "Transport", cause })))
            )
            return Effect.sync(() => abort.emit("abort"))
          })).pipe(
            Effect.map((response): HttpClientResponse.HttpClientResponse =>
              new UndiciResponse(request, response)
            )
          )
      }),
    Effect.succeed
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
