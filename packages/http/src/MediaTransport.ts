/**
 * How media bytes get from a pre-signed URL to a file: the one part of a download that is only I/O.
 *
 * {@link layerHttpClient} sends media through the `HttpClient` you provide (its proxy, its tracing), on any
 * runtime. On Node, `NodeMediaTransport.layer` (from `@effect-motive/http/node`) is a lean HTTP/1.1 reader that
 * writes bodies to disk at the speed of `curl` in a few MiB of memory. Provide either, or your own.
 *
 * @since 0.1.0
 */
import { FileSystem, HttpClient, HttpClientRequest } from "@effect/platform"
import { Context, Duration, Effect, Layer, Schema, type Scope, Stream } from "effect"
import { saveStream } from "./internal/fileSink.js"
import { answerOf, connectionFailure, locationOf } from "./internal/transport.js"

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
 * Media through the `HttpClient` in context (without trace propagation headers), written with the platform's
 * `FileSystem`. Every wait (for the answer, and between two pieces of the body) is bounded by `idleTimeout`
 * (default 30 s).
 *
 * @since 0.1.0
 */
export const layerHttpClient = (
  options: { readonly idleTimeout?: Duration.DurationInput } = {}
): Layer.Layer<MediaTransport, never, HttpClient.HttpClient | FileSystem.FileSystem> =>
  Layer.effect(
    MediaTransport,
    Effect.gen(function*() {
      const fileSystem = yield* FileSystem.FileSystem
      // Pre-signed URLs get no trace headers (the storage behind them is not part of the caller's trace), and the
      // client's span, whose attributes carry the whole URL, signature included, is replaced by one without it.
      const http = (yield* HttpClient.HttpClient).pipe(
        HttpClient.withTracerPropagation(false),
        HttpClient.withTracerDisabledWhen(() => true)
      )
      const idle = Duration.decode(options.idleTimeout ?? Duration.seconds(30))
      const idleMillis = Duration.toMillis(idle)
      const silent = (what: string) => `the media server went silent for ${Duration.format(idle)} ${what}`
      return {
        get: (url, headers) =>
          answerOf(http.execute(HttpClientRequest.get(url).pipe(HttpClientRequest.setHeaders(headers)))).pipe(
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
                  Effect.clockWith((clock) => {
                    taken = true
                    let received = 0
                    let lastProgress = clock.unsafeCurrentTimeMillis()
                    // One watchdog for the whole body instead of a timer per chunk: it wakes when the body could
                    // first have gone silent for `idle`, and again from the last progress while it has not.
                    const watchdog: Effect.Effect<never, { readonly _tag: "Silent" }> = Effect.suspend(() => {
                      const quiet = clock.unsafeCurrentTimeMillis() - lastProgress
                      return quiet >= idleMillis
                        ? Effect.fail({ _tag: "Silent" as const })
                        : Effect.zipRight(Effect.sleep(idleMillis - quiet), watchdog)
                    })
                    return Effect.raceFirst(
                      saveStream(res.stream, path, append, (n) => {
                        received = n
                        lastProgress = clock.unsafeCurrentTimeMillis()
                        onBytes?.(n)
                      }),
                      watchdog
                    ).pipe(
                      Effect.provideService(FileSystem.FileSystem, fileSystem),
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
            }),
            Effect.withSpan("http.client GET", {
              kind: "client",
              captureStackTrace: false,
              attributes: { "http.request.method": "GET", "url.full": locationOf(url) }
            })
          )
      }
    })
  )
