/**
 * What the two Node `HttpClient`s (`AgentHttpClient`, `UndiciHttpClient`) share: building the URL, a response base
 * with the type ids, headers, cookies, and the bodies read as text, and (with the media reader) timeouts as timers.
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
import { Duration, Effect, Either, Inspectable, type Option, type Stream } from "effect"

/** Response headers as Node and undici give them: lower-case names, repeated `set-cookie` as a list. */
export type RawHeaders = Readonly<Record<string, string | ReadonlyArray<string> | undefined>>

/** A response whose subclass reads the body (`text`, `arrayBuffer`, `formData`, `stream`). */
export abstract class NodeResponse extends Inspectable.Class implements HttpClientResponse.HttpClientResponse {
  readonly [HttpClientResponse.TypeId]: HttpClientResponse.TypeId = HttpClientResponse.TypeId
  readonly [HttpIncomingMessage.TypeId]: HttpIncomingMessage.TypeId = HttpIncomingMessage.TypeId
  private headerMap: Headers.Headers | undefined

  constructor(
    readonly request: HttpClientRequest.HttpClientRequest,
    private readonly rawHeaders: RawHeaders,
    private readonly id: string
  ) {
    super()
  }

  protected decodeError(cause: unknown): HttpClientError.ResponseError {
    return new HttpClientError.ResponseError({ request: this.request, response: this, reason: "Decode", cause })
  }

  abstract get status(): number
  abstract get remoteAddress(): Option.Option<string>
  abstract get text(): Effect.Effect<string, HttpClientError.ResponseError>
  abstract get arrayBuffer(): Effect.Effect<ArrayBuffer, HttpClientError.ResponseError>
  abstract get formData(): Effect.Effect<FormData, HttpClientError.ResponseError>
  abstract get stream(): Stream.Stream<Uint8Array, HttpClientError.ResponseError>

  get headers(): Headers.Headers {
    return this.headerMap ??= Headers.fromInput(this.rawHeaders)
  }

  get cookies(): Cookies.Cookies {
    const header = this.rawHeaders["set-cookie"]
    return header === undefined
      ? Cookies.empty
      : Cookies.fromSetCookie(typeof header === "string" ? [header] : header)
  }

  get json(): Effect.Effect<unknown, HttpClientError.ResponseError> {
    return Effect.flatMap(
      this.text,
      (text) =>
        Effect.try({ try: (): unknown => text === "" ? null : JSON.parse(text), catch: (e) => this.decodeError(e) })
    )
  }

  get urlParamsBody(): Effect.Effect<UrlParams.UrlParams, HttpClientError.ResponseError> {
    return Effect.map(this.text, (text) => UrlParams.fromInput(new URLSearchParams(text)))
  }

  override toJSON(): unknown {
    return { _id: this.id, status: this.status }
  }
}

/** The longest delay a Node timer takes (2^31 − 1 ms, ~24.8 days): a longer one fires after 1 ms. */
const longestTimer = 2 ** 31 - 1

/**
 * Milliseconds of an optional timeout for a Node timer, or `undefined` for none: no duration, zero (undici's
 * "no timeout"), infinity, or longer than a Node timer can wait (which would otherwise fire at once).
 */
export const millisOf = (d: Duration.DurationInput | undefined): number | undefined => {
  if (d === undefined) return undefined
  const millis = Duration.toMillis(d)
  return millis > 0 && millis <= longestTimer ? Math.max(1, Math.round(millis)) : undefined
}

/** An `HttpClient` that sends each request to its URL (with its query and hash) through `send`. */
export const makeClient = (
  send: (
    request: HttpClientRequest.HttpClientRequest,
    url: URL
  ) => Effect.Effect<HttpClientResponse.HttpClientResponse, HttpClientError.HttpClientError>
): HttpClient.HttpClient =>
  HttpClient.makeWith<never, never, HttpClientError.HttpClientError, never>(
    (prepared) =>
      Effect.flatMap(prepared, (request) => {
        const url = UrlParams.makeUrl(request.url, request.urlParams, request.hash)
        return Either.isLeft(url)
          ? Effect.fail(new HttpClientError.RequestError({ request, reason: "InvalidUrl", cause: url.left }))
          : send(request, url.right)
      }),
    Effect.succeed
  )
