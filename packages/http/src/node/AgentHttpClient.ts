/**
 * A lean `HttpClient` over Node's own `http` / `https` modules with keep-alive agents: the client `NodeMotive`
 * sends Motive's API calls through.
 *
 * Why not undici here: undici parses HTTP with llhttp compiled to WebAssembly, and V8 optimises that module
 * once a process has used it for a while: a TurboFan compile on a background thread that took ~1.5 s of CPU
 * and ~31 MiB of compiler memory on this project's machine, starting at the first API call. A command that makes
 * one call and then downloads (`motive recall download`) paid both during its download: on 2 cores it ran at
 * 0.78× curl instead of 1.1×, and grew by 34 MiB instead of 2.5. Node's `http` uses the same parser compiled
 * into Node itself, and on 2000 calls at 16 in flight cost the same CPU and wall time as `undici.request`.
 *
 * Like `UndiciHttpClient`, it enforces its timeouts with one cheap timer per request (no fiber), interruption
 * destroys the request, and the body streams.
 *
 * @since 0.1.0
 */
import { HttpClient, HttpClientError, type HttpClientRequest, type HttpClientResponse } from "@effect/platform"
import { NodeStream } from "@effect/platform-node"
import { Duration, Effect, Layer, Option, Stream } from "effect"
import * as Http from "node:http"
import * as Https from "node:https"
import { pipeline, type Readable } from "node:stream"
import { makeClient, millisOf, NodeResponse } from "./internal/nodeClient.js"

/**
 * Timeouts enforced by the client itself. They fail the request with an error whose `code` is one of
 * `MOTIVE_CONNECT_TIMEOUT` (no connection: nothing was sent), `MOTIVE_HEADERS_TIMEOUT` or `MOTIVE_BODY_TIMEOUT`,
 * which the Motive client reports as `TransportError` (nothing sent) or `RequestTimeout`.
 *
 * @since 0.1.0
 */
export interface AgentTimeouts {
  /** Longest wait from sending the request to the response headers (connecting included). */
  readonly headersTimeout?: Duration.DurationInput
  /** Longest silence between two pieces of the body (an idle timeout: large bodies are not cut). */
  readonly bodyTimeout?: Duration.DurationInput
}

/** A failure with a `code`, like Node's own system errors. */
class CodedError extends Error {
  constructor(message: string, readonly code: string) {
    super(message)
  }
}

/** Why a body was cut before its end, if it was: its error, or the connection closing mid-body. */
const brokenBody = (source: Http.IncomingMessage): unknown =>
  source.errored ??
    (source.destroyed && !source.complete ? new CodedError("the connection closed mid-body", "ECONNRESET") : undefined)

class AgentResponse extends NodeResponse {
  private bytesBody: Promise<Buffer> | undefined

  constructor(request: HttpClientRequest.HttpClientRequest, readonly source: Http.IncomingMessage) {
    super(request, source.headers, "@effect-motive/http/AgentHttpClient/Response")
    // A body nobody reads can still fail (a reset, the idle timeout): reported to readers, never thrown.
    source.on("error", () => {})
  }

  get status(): number {
    return this.source.statusCode ?? 0
  }

  get remoteAddress(): Option.Option<string> {
    return Option.fromNullable(this.source.socket?.remoteAddress)
  }

  /** The whole body, read once: later reads get the same bytes. */
  private bytes(): Promise<Buffer> {
    return this.bytesBody ??= new Promise((resolve, reject) => {
      const source = this.source
      // Cut before anyone read it (a reset, the idle timeout): its 'error' and 'close' are past, so say so now.
      const broken = brokenBody(source)
      if (broken !== undefined) return reject(broken)
      if (source.readableEnded) return resolve(Buffer.alloc(0))
      const pieces: Array<Buffer> = []
      source.on("data", (piece: Buffer) => pieces.push(piece))
      source.once("end", () => resolve(pieces.length === 1 ? pieces[0]! : Buffer.concat(pieces)))
      source.once("error", reject)
      // Closed before its end (the connection was destroyed): the body is incomplete.
      source.once("close", () => {
        const broken = brokenBody(source)
        if (broken !== undefined) reject(broken)
      })
    })
  }

  get text(): Effect.Effect<string, HttpClientError.ResponseError> {
    return Effect.tryPromise({
      try: () => this.bytes().then((bytes) => bytes.toString("utf8")),
      catch: (e) => this.decodeError(e)
    })
  }

  get arrayBuffer(): Effect.Effect<ArrayBuffer, HttpClientError.ResponseError> {
    return Effect.tryPromise({
      try: () =>
        this.bytes().then((bytes) => {
          const copy = new ArrayBuffer(bytes.length)
          new Uint8Array(copy).set(bytes)
          return copy
        }),
      catch: (e) => this.decodeError(e)
    })
  }

  get formData(): Effect.Effect<FormData, HttpClientError.ResponseError> {
    return Effect.tryPromise({
      try: () =>
        this.bytes().then((bytes) =>
          new Response(bytes, { headers: { "content-type": this.source.headers["content-type"] ?? "" } }).formData()
        ),
      catch: (e) => this.decodeError(e)
    })
  }

  get stream(): Stream.Stream<Uint8Array, HttpClientError.ResponseError> {
    return Stream.suspend(() => {
      // A destroyed source reads as an empty, successful body: a cut one must fail instead.
      const broken = brokenBody(this.source)
      return broken !== undefined
        ? Stream.fail(this.decodeError(broken))
        : NodeStream.fromReadable<HttpClientError.ResponseError, Uint8Array>(
          () => this.source,
          (e) => this.decodeError(e)
        )
    })
  }
}

/** What to send: bytes (their length is sent), a stream to pipe, or nothing. */
type Outgoing =
  | { readonly _tag: "None" }
  | { readonly _tag: "Bytes"; readonly bytes: Uint8Array | string; readonly contentType?: string }
  | { readonly _tag: "Stream"; readonly readable: Readable }

const none: Outgoing = { _tag: "None" }

/** Methods whose requests normally carry a body: an empty one is sent as `content-length: 0`. */
const carriesBody: ReadonlySet<string> = new Set(["POST", "PUT", "PATCH"])

const outgoingOf = (
  request: HttpClientRequest.HttpClientRequest
): Effect.Effect<Outgoing, HttpClientError.RequestError> => {
  const body = request.body
  const encodeError = (cause: unknown) => new HttpClientError.RequestError({ request, reason: "Encode", cause })
  switch (body._tag) {
    case "Empty":
      return Effect.succeed(none)
    case "Uint8Array":
      return Effect.succeed({ _tag: "Bytes", bytes: body.body })
    case "Raw": {
      const raw = body.body
      if (typeof raw === "string" || raw instanceof Uint8Array) return Effect.succeed({ _tag: "Bytes", bytes: raw })
      return Effect.fail(encodeError(new Error("a raw body must be a string or bytes")))
    }
    case "FormData": {
      // Encoded by the platform's own `Response` (multipart with a boundary), then sent as bytes.
      const encoded = new Response(body.formData)
      return Effect.tryPromise({
        try: () =>
          encoded.arrayBuffer().then((buffer): Outgoing => ({
            _tag: "Bytes",
            bytes: new Uint8Array(buffer),
            contentType: encoded.headers.get("content-type") ?? "multipart/form-data"
          })),
        catch: encodeError
      })
    }
    case "Stream":
      return Effect.map(NodeStream.toReadable(body.stream), (readable): Outgoing => ({ _tag: "Stream", readable }))
  }
}

/** The two keep-alive agents a client sends through, one per protocol. */
export interface Agents {
  readonly http: Http.Agent
  readonly https: Https.Agent
}

/**
 * An `HttpClient` sending through `agents`.
 *
 * @since 0.1.0
 */
export const make = (agents: Agents, timeouts: AgentTimeouts = {}): HttpClient.HttpClient => {
  const headersTimeout = millisOf(timeouts.headersTimeout)
  const bodyTimeout = millisOf(timeouts.bodyTimeout)
  return makeClient((request, url) => {
    const target = url
    const secure = target.protocol === "https:"
    if (!secure && target.protocol !== "http:") {
      return Effect.fail(
        new HttpClientError.RequestError({
          request,
          reason: "InvalidUrl",
          cause: new Error(`cannot send over ${target.protocol}`)
        })
      )
    }
    return Effect.flatMap(
      outgoingOf(request),
      (outgoing) =>
        Effect.async<Http.IncomingMessage, HttpClientError.RequestError>((resume) => {
          // Headers as a flat list and the target as plain options: Node then neither re-reads a URL object nor
          // copies the headers into its own map one by one (both showed in the profile of 2000 calls).
          // The body's own length and type replace any the request carries. Node adds no `host` to a list.
          const headers: Array<string> = request.headers["host"] === undefined ? ["host", target.host] : []
          const bytes = outgoing._tag === "Bytes"
          const contentType = bytes ? outgoing.contentType : undefined
          for (const name in request.headers) {
            if (bytes && name === "content-length") {
              continue
            }
            if (contentType !== undefined && name === "content-type") {
              continue
            }
            headers.push(name, request.headers[name]!)
          }
          if (bytes) {
            headers.push("content-length", String(Buffer.byteLength(outgoing.bytes)))
          } else if (
            outgoing._tag === "None" && carriesBody.has(request.method) &&
            request.headers["content-length"] === undefined && request.headers["transfer-encoding"] === undefined
          ) {
            // As other clients send it: with a list of headers Node would otherwise send an empty body chunked.
            headers.push("content-length", "0")
          }
          if (contentType !== undefined) {
            headers.push("content-type", contentType)
          }
          const transportError = (cause: unknown) =>
            new HttpClientError.RequestError({ request, reason: "Transport", cause })
          let req: Http.ClientRequest
          try {
            req = (secure ? Https.request : Http.request)({
              protocol: target.protocol,
              hostname: target.hostname.startsWith("[") ? target.hostname.slice(1, -1) : target.hostname,
              port: target.port,
              path: target.pathname + target.search,
              method: request.method,
              headers,
              agent: secure ? agents.https : agents.http
            })
          } catch (cause) {
            // Node refused the request before sending it (a header value with a control character, say).
            resume(Effect.fail(transportError(cause)))
            return
          }
          let settled = false
          let bodyFailure: unknown
          let timer: ReturnType<typeof setTimeout> | undefined
          if (headersTimeout !== undefined) {
            timer = setTimeout(() => {
              // Not connected yet: nothing can have reached the server.
              const connected = req.socket !== null && req.socket !== undefined && !req.socket.connecting
              req.destroy(
                connected
                  ? new CodedError(`no answer within ${headersTimeout} ms`, "MOTIVE_HEADERS_TIMEOUT")
                  : new CodedError(`no connection within ${headersTimeout} ms`, "MOTIVE_CONNECT_TIMEOUT")
              )
            }, headersTimeout)
          }
          // `on`, not `once`: a second error (the socket failing after the first) must not go unhandled.
          req.on("error", (cause) => {
            if (timer !== undefined) {
              clearTimeout(timer)
            }
            if (settled) {
              return
            }
            settled = true
            resume(
              Effect.fail(
                bodyFailure === undefined
                  ? transportError(cause)
                  : new HttpClientError.RequestError({ request, reason: "Encode", cause: bodyFailure })
              )
            )
          })
          req.once("response", (res) => {
            if (timer !== undefined) {
              clearTimeout(timer)
            }
            settled = true
            if (bodyTimeout !== undefined) {
              idleLimit(res, bodyTimeout)
            }
            resume(Effect.succeed(res))
          })
          switch (outgoing._tag) {
            case "None":
              req.end()
              break
            case "Bytes":
              req.end(outgoing.bytes)
              break
            case "Stream":
              // `pipeline`, not `pipe`: a request that fails or is destroyed also destroys the body stream, so
              // its producer (a file, a fiber) is released; the body's own failure is an encoding one.
              outgoing.readable.once("error", (cause) => {
                bodyFailure ??= cause
              })
              pipeline(outgoing.readable, req, () => {})
              break
          }
          return Effect.sync(() => {
            if (timer !== undefined) clearTimeout(timer)
            req.destroy()
          })
        })
    ).pipe(
      Effect.map((response): HttpClientResponse.HttpClientResponse => new AgentResponse(request, response))
    )
  })
}

/**
 * Ends a body that goes silent for `millis` with a `MOTIVE_BODY_TIMEOUT` error. The timer runs on the socket
 * and is removed when the body ends, before the agent keeps the socket for the next request.
 */
const idleLimit = (res: Http.IncomingMessage, millis: number) => {
  const socket = res.socket
  const onIdle = () => {
    // All of it came: nothing is silent.
    if (res.complete) return
    // Bytes wait for the reader (its backpressure paused the socket): the reader is slow, not the server.
    if (res.readableLength > 0) return socket.setTimeout(millis)
    res.destroy(new CodedError(`the body went silent for ${millis} ms`, "MOTIVE_BODY_TIMEOUT"))
  }
  socket.setTimeout(millis)
  socket.on("timeout", onIdle)
  const done = () => {
    socket.removeListener("timeout", onIdle)
    // Unless the agent has already set the kept socket's own idle limit (the server's keep-alive hint).
    if (socket.timeout === millis) socket.setTimeout(0)
  }
  res.once("end", done)
  res.once("close", done)
}

/** How long an idle kept socket stays open when the server gives no keep-alive hint. */
const keptSocketMillis = 4_000

/**
 * The client over its own keep-alive agents, destroyed with the layer.
 *
 * @since 0.1.0
 */
export const layerWith = (timeouts: AgentTimeouts = {}): Layer.Layer<HttpClient.HttpClient> =>
  Layer.scoped(
    HttpClient.HttpClient,
    Effect.map(
      Effect.acquireRelease(
        Effect.sync((): Agents => ({
          // With a `timeout`, Node closes an idle kept socket before the server's `Keep-Alive: timeout=N` hint
          // runs out (without one it ignores the hint, and reuses sockets the server is closing: "socket hang up"
          // on a request that may have been sent). 4 s, undici's default, when the server gives no hint.
          http: new Http.Agent({ keepAlive: true, timeout: keptSocketMillis }),
          https: new Https.Agent({ keepAlive: true, timeout: keptSocketMillis })
        })),
        (agents) =>
          Effect.sync(() => {
            agents.http.destroy()
            agents.https.destroy()
          })
      ),
      (agents) => make(agents, timeouts)
    )
  )

/**
 * The client with no timeouts of its own.
 *
 * @since 0.1.0
 */
export const layer: Layer.Layer<HttpClient.HttpClient> = layerWith()
