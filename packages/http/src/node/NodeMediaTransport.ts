/**
 * The Node media reader: a lean HTTP/1.1 client over Node's `net` and `tls` sockets that writes a media body
 * straight to disk at the speed of `curl` in a few MiB of memory (see `internal/http1.ts` for why).
 *
 * @since 0.1.0
 */
import type { Context } from "effect"
import { Duration, Effect, Layer } from "effect"
import type { ConnectionOptions } from "node:tls"
import { MediaBodyFailed, MediaRequestFailed, type MediaResponse, MediaTransport } from "../MediaTransport.js"
import { request as http1Request, RequestFailure } from "./internal/http1.js"
import { millisOf } from "./internal/nodeClient.js"

/**
 * Options of {@link layer}.
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
  /**
   * A file write slower than this (default 20 ms) sends the rest of that download through the thread pool
   * instead of writing on the event loop: a slow disk or network file system (0: after the first write).
   */
  readonly slowWriteMillis?: number
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
export const make = (options: NodeOptions = {}): Context.Tag.Service<MediaTransport> => {
  const idle = Duration.decode(options.idleTimeout ?? Duration.seconds(30))
  // 0 (no idle limit) for zero, infinity or longer than a Node timer can wait.
  const idleTimeoutMillis = millisOf(idle) ?? 0
  const idleText = Duration.format(idle)
  const maxRedirects = options.maxRedirects ?? 5
  // Interruptible while connecting and waiting (the socket is destroyed), closed with the scope once open.
  const open = (url: URL, headers: Readonly<Record<string, string>>) =>
    Effect.uninterruptibleMask((restore) =>
      Effect.tap(
        restore(Effect.tryPromise({
          try: (signal) =>
            http1Request(url, headers, {
              idleTimeoutMillis,
              tls: options.tls,
              signal,
              slowWriteMillis: options.slowWriteMillis
            }),
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
 * {@link make} as a layer.
 *
 * @since 0.1.0
 */
export const layer = (options: NodeOptions = {}): Layer.Layer<MediaTransport> =>
  Layer.sync(MediaTransport, () => make(options))
