/**
 * How media bytes get from a pre-signed URL to a file: the one part of a download that is only I/O.
 *
 * `MotiveClient.layerNode` uses {@link layerNode}, a lean HTTP/1.1 reader that writes bodies to disk at the
 * speed of `curl` in a few MiB of memory. `MotiveClient.layer`, built over your own `HttpClient`, uses
 * {@link layerHttpClient}, so downloads go through that client (its proxy, its tracing) as well. Provide either
 * (or your own) to `MotiveClient.layerWithoutDefaults` to choose.
 *
 * @since 0.1.0
 */
import { HttpClient, HttpClientRequest } from "@effect/platform"
import { Context, Duration, Effect, Layer, Schema, type Scope, Stream } from "effect"
import type { ConnectionOptions } from "node:tls"
import { fileSink } from "./internal/fileSink.js"
import { request as http1Request, RequestFailure } from "./internal/http1.js"
import { connectionFailure } from "./internal/transport.js"

/**
 * The request for media got no answer: no connection (`requestSent` false), a broken one, a timeout, or an
 * answer that is not HTTP.
 *
 * @since 0.1.0
 */
export class MediaRequestFailed extends Schema.TaggedError<MediaRequestFailed>()("MediaRequestFailed", {
  message: Schema.String,
  requestSent: Schema.Boolean,
  timedOut: Schema.Boolean
}) {}

/**
 * A body stopped before its end. `local` when this machine's file system failed rather than the connection.
 *
 * @since 0.1.0
 */
export class MediaBodyFailed extends Schema.TaggedError<MediaBodyFailed>()("MediaBodyFailed", {
  message: Schema.String,
  local: Schema.Boolean
}) {}

/**
 * An answer from a media server whose head has been read.
 *
 * @since 0.1.0
 */
export interface MediaResponse {
  readonly status: number
  /** Lower-case names. */
  readonly headers: Readonly<Record<string, string | undefined>>
  /**
   * Writes the body to `path` (appending to it or replacing it), calling `onBytes` with the running count of
   * body bytes. Succeeds when the body arrived as framed by the server (the caller checks sizes).
   */
  readonly saveTo: (
    path: string,
    options: { readonly append: boolean; readonly onBytes?: (received: number) => void }
  ) => Effect.Effect<void, MediaBodyFailed>
}

/**
 * Sends `GET` requests for media. The connection is released when the scope closes.
 *
 * @since 0.1.0
 */
export class MediaTransport extends Context.Tag("@effect-motive/http/MediaTransport")<MediaTransport, {
  readonly get: (
    url: string,
    headers: Readonly<Record<string, string>>
  ) => Effect.Effect<MediaResponse, MediaRequestFailed, Scope.Scope>
}>() {}

/**
 * Options of {@link layerNode}.
 *
 * @since 0.1.0
 */
export interface NodeOptions {
  /** Longest silence on a connection: connecting, waiting for the answer, between two reads (default 30 s). */
  readonly idleTimeout?: Duration.DurationInput
  /**
   * Extra TLS options for `https` media URLs, such as a private `ca`. Certificates are verified unless these
   * options say `rejectUnauthorized: false`.
   */
  readonly tls?: ConnectionOptions
  /**
   * Redirects followed per request (default 5). `https` is never followed to `http`, and another origin is
   * sent only the `range` and `if-range` headers.
   */
  readonly maxRedirects?: number
}

const redirects = new Set([301, 302, 303, 307, 308])

const rangeHeadersOf = (headers: Readonly<Record<string, string>>): Record<string, string> =>
  Object.fromEntries(Object.entries(headers).filter(([name]) => /^(range|if-range)$/i.test(name)))

const resolveUrl = (location: string, base: URL): URL | null => {
  try {
    return new URL(location, base)
  } catch {
    return null
  }
}

/**
 * The lean HTTP/1.1 media reader over Node's `net` and `tls` sockets (one connection per download).
 *
 * @since 0.1.0
 */
export const makeNode = (options: NodeOptions = {}): Context.Tag.Service<MediaTransport> => {
  const idle = Duration.decode(options.idleTimeout ?? Duration.seconds(30))
  const idleTimeoutMillis = Duration.toMillis(idle)
  const idleText = Duration.format(idle)
  const maxRedirects = options.maxRedirects ?? 5
  // Interruptible while connecting and waiting (the socket is destroyed), closed with the scope once open.
  const open = (url: URL, headers: Readonly<Record<string, string>>) =>
    Effect.uninterruptibleMask((restore) =>
      Effect.tap(
        restore(Effect.tryPromise({
          try: (signal) => http1Request(url, headers, { idleTimeoutMillis, tls: options.tls, signal }),
          catch: (e) =>
            e instanceof RequestFailure
              ? new MediaRequestFailed({
                message: e.timedOut ? `the media server did not answer within ${idleText}` : e.detail,
                requestSent: e.requestSent,
                timedOut: e.timedOut
              })
              : new MediaRequestFailed({ message: String(e), requestSent: false, timedOut: false })
        })),
        (exchange) => Effect.addFinalizer(() => Effect.sync(() => exchange.close()))
      )
    )
  return {
    get: (url, headers) =>
      Effect.gen(function*() {
        let target: URL
        try {
          target = new URL(url)
        } catch {
          return yield* new MediaRequestFailed({
            message: "the media URL is not a URL",
            requestSent: false,
            timedOut: false
          })
        }
        let sent = headers
        for (let hop = 0;; hop++) {
          const exchange = yield* open(target, sent)
          const location = exchange.headers["location"]
          const next = redirects.has(exchange.status) && location !== undefined && hop < maxRedirects
            ? resolveUrl(location, target)
            : null
          if (
            next === null || !(next.protocol === "https:" || (next.protocol === "http:" && target.protocol === "http:"))
          ) {
            return {
              status: exchange.status,
              headers: exchange.headers,
              // Interrupting stops the body and waits until the file is closed, so nothing writes to it afterwards.
              saveTo: (path, { append, onBytes }) =>
                Effect.async<void, MediaBodyFailed>((resume) => {
                  const saved = exchange.saveTo(path, append, onBytes ?? (() => {})).then(
                    (failure) =>
                      resume(
                        failure === undefined
                          ? Effect.void
                          : Effect.fail(
                            new MediaBodyFailed({ message: failure.message, local: failure.side === "write" })
                          )
                      ),
                    (defect: unknown) => resume(Effect.die(defect)) // `onBytes` threw
                  )
                  return Effect.promise(() => {
                    exchange.close()
                    return saved
                  })
                })
            } satisfies MediaResponse
          }
          exchange.close()
          // Another origin gets only the range headers: nothing else the caller passed is meant for it.
          if (next.origin !== target.origin) sent = rangeHeadersOf(sent)
          target = next
        }
      })
  }
}

/**
 * {@link makeNode} as a layer.
 *
 * @since 0.1.0
 */
export const layerNode = (options: NodeOptions = {}): Layer.Layer<MediaTransport> =>
  Layer.sync(MediaTransport, () => makeNode(options))

/**
 * Media through the `HttpClient` in context (without trace propagation headers). Every wait (for the
 * answer, and between two pieces of the body) is bounded by `idleTimeout` (default 30 s).
 *
 * @since 0.1.0
 */
export const layerHttpClient = (
  options: { readonly idleTimeout?: Duration.DurationInput } = {}
): Layer.Layer<MediaTransport, never, HttpClient.HttpClient> =>
  Layer.effect(
    MediaTransport,
    Effect.gen(function*() {
      // Pre-signed URLs get no trace headers: the storage behind them is not part of the caller's trace.
      const http = HttpClient.withTracerPropagation(yield* HttpClient.HttpClient, false)
      const idle = Duration.decode(options.idleTimeout ?? Duration.seconds(30))
      const silent = (what: string) => `the media server went silent for ${Duration.format(idle)} ${what}`
      return {
        get: (url, headers) =>
          http.execute(HttpClientRequest.get(url).pipe(HttpClientRequest.setHeaders(headers))).pipe(
            Effect.timeoutFail({
              duration: idle,
              onTimeout: () =>
                new MediaRequestFailed({
                  message: `the media server did not answer within ${Duration.format(idle)}`,
                  requestSent: true,
                  timedOut: true
                })
            }),
            Effect.catchTag("RequestError", "ResponseError", (error) => {
              const { detail, requestSent, timedOut } = connectionFailure(error)
              return new MediaRequestFailed({
                message: timedOut ? `the media server did not answer in time (${detail})` : detail,
                requestSent,
                timedOut
              })
            }),
            Effect.flatMap((res) => {
              // A body nobody saves is given up when the scope closes: at most one piece is read (waiting 1 s at
              // most), then the stream is closed, which releases the connection without downloading the rest.
              let taken = false
              const release = Effect.suspend(() =>
                taken
                  ? Effect.void
                  : Effect.ignore(Effect.timeout(Stream.runDrain(Stream.take(res.stream, 1)), Duration.seconds(1)))
              )
              const response: MediaResponse = {
                status: res.status,
                headers: res.headers,
                saveTo: (path, { append, onBytes }) =>
                  Effect.suspend(() => {
                    taken = true
                    let received = 0
                    return Stream.run(
                      res.stream.pipe(
                        Stream.timeoutFail(() => ({ _tag: "Silent" as const }), idle),
                        Stream.tap((chunk) =>
                          Effect.sync(() => {
                            received += chunk.length
                            onBytes?.(received)
                          })
                        )
                      ),
                      fileSink(path, append)
                    ).pipe(
                      Effect.mapError((e) =>
                        e._tag === "FileWriteError"
                          ? new MediaBodyFailed({ message: e.message, local: true })
                          : new MediaBodyFailed({
                            message: e._tag === "Silent"
                              ? silent(`after ${received} bytes`)
                              : `the connection broke after ${received} bytes`,
                            local: false
                          })
                      )
                    )
                  })
              }
              return Effect.as(Effect.addFinalizer(() => release), response)
            })
          )
      }
    })
  )
