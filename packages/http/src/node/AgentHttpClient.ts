/**
 * A lean `HttpClient` over Node's own `http` / `https` modules with keep-alive agents, for `Motive.layer` or any
 * other use. (`NodeMotive` sends Motive's API calls through `NodeApiTransport`, the same requests without the
 * `HttpClient` objects around them.)
 *
 * Why Node's `http` rather than undici: undici parses HTTP with llhttp compiled to WebAssembly, and V8 optimises that module
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
import { type Duration, Effect, Layer, Option, Stream } from "effect"
import type * as Http from "node:http"
import { callbackEffect } from "../internal/callbackEffect.js"
import {
  type Agents as AgentsOf,
  brokenBody,
  none,
  type Outgoing,
  readBody,
  scopedAgents,
  send
} from "./internal/agentRequest.js"
import { makeClient, millisOf, NodeResponse } from "./internal/nodeClient.js"

/**
 * Timeouts enforced by the client itself. They fail the request with an error whose `code` is one of
 * `MOTIVE_CONNECT_TIMEOUT` (no connection: nothing was sent), `MOTIVE_HEADERS_TIMEOUT` or `MOTIVE_BODY_TIMEOUT`,
 * which the Motive client reports as `TransportError` (nothing sent) or `RequestTimeout`.
 *
 * @since 0.1.0
 */
export interface AgentTimeouts {
  /**
   * Longest wait from sending the request to the response headers (connecting included). A streamed body's
   * upload is not counted: the wait starts when its last byte has been handed to the system (what the system
   * still holds then counts against it). While a streamed body is being sent this timeout does not apply: bound
   * the whole request (`Effect.timeout`) where an upload may stall.
   */
  readonly headersTimeout?: Duration.DurationInput
  /** Longest silence between two pieces of the body (an idle timeout: large bodies are not cut). */
  readonly bodyTimeout?: Duration.DurationInput
}

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
    return this.bytesBody ??= new Promise((resolve, reject) => readBody(this.source, resolve, reject))
  }

  /**
   * Waits for the whole body. Interrupting the wait destroys the body (and its connection): nobody is left to
   * read it, and the rest is not downloaded. Other readers of the same body then fail.
   */
  private static readonly whole = callbackEffect<AgentResponse, Buffer, HttpClientError.ResponseError>(
    (response, resume) => {
      response.bytes().then(
        (bytes) => resume(Effect.succeed(bytes)),
        (cause) => resume(Effect.fail(response.decodeError(cause)))
      )
      return () => response.source.destroy()
    }
  )

  get text(): Effect.Effect<string, HttpClientError.ResponseError> {
    return Effect.map(AgentResponse.whole(this), (bytes) => bytes.toString("utf8"))
  }

  get arrayBuffer(): Effect.Effect<ArrayBuffer, HttpClientError.ResponseError> {
    return Effect.map(AgentResponse.whole(this), (bytes) => {
      const copy = new ArrayBuffer(bytes.length)
      new Uint8Array(copy).set(bytes)
      return copy
    })
  }

  get formData(): Effect.Effect<FormData, HttpClientError.ResponseError> {
    return Effect.flatMap(AgentResponse.whole(this), (bytes) =>
      Effect.tryPromise({
        try: () =>
          new Response(bytes, { headers: { "content-type": this.source.headers["content-type"] ?? "" } }).formData(),
        catch: (e) => this.decodeError(e)
      }))
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

/**
 * The two keep-alive agents a client sends through, one per protocol.
 *
 * @since 0.1.0
 */
export type Agents = AgentsOf

/**
 * An `HttpClient` sending through `agents`.
 *
 * @since 0.1.0
 */
export const make = (agents: Agents, timeouts: AgentTimeouts = {}): HttpClient.HttpClient => {
  const timers = { headers: millisOf(timeouts.headersTimeout), body: millisOf(timeouts.bodyTimeout) }
  // One interruption guard for every call (see callbackEffect), not one built per call.
  const head = callbackEffect<
    { request: HttpClientRequest.HttpClientRequest; target: URL; outgoing: Outgoing },
    Http.IncomingMessage,
    HttpClientError.RequestError
  >(({ outgoing, request, target }, resume) =>
    send(agents, timers, request.method, target, request.headers, outgoing, {
      response: (response) => resume(Effect.succeed(response)),
      failed: (reason, cause) => resume(Effect.fail(new HttpClientError.RequestError({ request, reason, cause })))
    })
  )
  return makeClient((request, target) =>
    Effect.flatMap(outgoingOf(request), (outgoing) => head({ request, target, outgoing })).pipe(
      Effect.map((response): HttpClientResponse.HttpClientResponse => new AgentResponse(request, response))
    )
  )
}

/**
 * The client over its own keep-alive agents, destroyed with the layer.
 *
 * @since 0.1.0
 */
export const layerWith = (timeouts: AgentTimeouts = {}): Layer.Layer<HttpClient.HttpClient> =>
  Layer.scoped(
    HttpClient.HttpClient,
    Effect.map(
      scopedAgents,
      (agents) => make(agents, timeouts)
    )
  )

/**
 * The client with no timeouts of its own.
 *
 * @since 0.1.0
 */
export const layer: Layer.Layer<HttpClient.HttpClient> = layerWith()
