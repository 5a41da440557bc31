/**
 * Sending one request through Node's `http` / `https` keep-alive agents with cheap timers (no fiber): what
 * `AgentHttpClient` and `NodeApiTransport` share.
 */
import { Effect, type Scope } from "effect"
import * as Http from "node:http"
import * as Https from "node:https"
import { pipeline, type Readable } from "node:stream"
import { TLSSocket } from "node:tls"

/** The two keep-alive agents a client sends through, one per protocol. */
export interface Agents {
  readonly http: Http.Agent
  readonly https: Https.Agent
}

/** How long an idle kept socket stays open when the server gives no keep-alive hint. */
const keptSocketMillis = 4_000

/**
 * New keep-alive agents. With a `timeout`, Node closes an idle kept socket before the server's
 * `Keep-Alive: timeout=N` hint runs out (without one it ignores the hint, and reuses sockets the server is
 * closing: "socket hang up" on a request that may have been sent). 4 s, undici's default, when the server gives
 * no hint.
 */
export const makeAgents = (): Agents => ({
  http: new Http.Agent({ keepAlive: true, timeout: keptSocketMillis }),
  https: new Https.Agent({ keepAlive: true, timeout: keptSocketMillis })
})

/** Destroys the agents' sockets. */
export const destroyAgents = (agents: Agents): void => {
  agents.http.destroy()
  agents.https.destroy()
}

/** New keep-alive agents, destroyed when the scope closes. */
export const scopedAgents: Effect.Effect<Agents, never, Scope.Scope> = Effect.acquireRelease(
  Effect.sync(makeAgents),
  (agents) => Effect.sync(() => destroyAgents(agents))
)

/** A failure with a `code`, like Node's own system errors. */
export class CodedError extends Error {
  constructor(message: string, readonly code: string) {
    super(message)
  }
}

/** Why a body was cut before its end, if it was: its error, or the connection closing mid-body. */
export const brokenBody = (source: Http.IncomingMessage): unknown =>
  source.errored ??
    (source.destroyed && !source.complete ? new CodedError("the connection closed mid-body", "ECONNRESET") : undefined)

/**
 * Reads a whole body that nobody has read yet, then calls `done` with it, or `failed` when it is cut (an error,
 * the idle timeout, the connection closing before its end). Exactly one of them is called. With `maxBytes`, a
 * longer body is not read on: `done` gets its first `maxBytes` and `tooLarge`, and the connection is closed.
 */
export const readBody = (
  source: Http.IncomingMessage,
  done: (bytes: Buffer, tooLarge: boolean) => void,
  failed: (cause: unknown) => void,
  maxBytes = Infinity
): void => {
  // Cut before anyone read it (a reset, the idle timeout): its 'error' and 'close' are past, so say so now.
  const broken = brokenBody(source)
  if (broken !== undefined) return failed(broken)
  if (source.readableEnded) return done(Buffer.alloc(0), false)
  let settled = false
  const pieces: Array<Buffer> = []
  let received = 0
  source.on("data", (piece: Buffer) => {
    if (settled) return
    received += piece.length
    pieces.push(piece)
    if (received <= maxBytes) return
    settled = true
    source.destroy()
    done(Buffer.concat(pieces).subarray(0, maxBytes), true)
  })
  source.once("end", () => {
    if (settled) return
    settled = true
    done(pieces.length === 1 ? pieces[0]! : Buffer.concat(pieces), false)
  })
  // `on`: a second error must not go unhandled.
  source.on("error", (cause) => {
    if (settled) return
    settled = true
    failed(cause)
  })
  // Closed before its end (the connection was destroyed): the body is incomplete.
  source.once("close", () => {
    const broken = brokenBody(source)
    if (settled || broken === undefined) return
    settled = true
    failed(broken)
  })
}

/** What to send: bytes (their length is sent), a stream to pipe, or nothing. */
export type Outgoing =
  | { readonly _tag: "None" }
  | { readonly _tag: "Bytes"; readonly bytes: Uint8Array | string; readonly contentType?: string | undefined }
  | { readonly _tag: "Stream"; readonly readable: Readable }

/** Nothing to send. */
export const none: Outgoing = { _tag: "None" }

/** Methods whose requests normally carry a body: an empty one is sent as `content-length: 0`. */
const carriesBody: ReadonlySet<string> = new Set(["POST", "PUT", "PATCH"])

/** The timers of a request, in milliseconds (`undefined`: none). */
export interface Timers {
  /**
   * Longest wait from sending the request to the response headers (connecting included); for a streamed body,
   * from its last byte handed to the system, and not while it is being sent.
   */
  readonly headers: number | undefined
  /** Longest silence between two pieces of the body. */
  readonly body: number | undefined
}

/**
 * What becomes of a request: its answer's head, or a failure before it (`InvalidUrl` when its URL is not http or
 * https, `Encode` when its body failed).
 */
export interface Outcome {
  readonly response: (response: Http.IncomingMessage) => void
  readonly failed: (reason: "InvalidUrl" | "Transport" | "Encode", cause: unknown) => void
}

/** A URL's percent-encoded user name or password as written, or as it stands when it does not decode. */
const decoded = (component: string): string => {
  try {
    return decodeURIComponent(component)
  } catch {
    return component
  }
}

/**
 * Sends a request to `target` (http or https) and reports its answer's head or its failure to `outcome`, once.
 * Returns what gives the request up (destroys it; the body too once its head has come).
 */
export const send = (
  agents: Agents,
  timers: Timers,
  method: string,
  target: URL,
  requestHeaders: Readonly<Record<string, string>>,
  outgoing: Outgoing,
  outcome: Outcome
): () => void => {
  const secure = target.protocol === "https:"
  /** Fails before anything is sent, releasing a streamed body's producer. */
  const refused = (reason: "InvalidUrl" | "Transport", cause: unknown) => {
    if (outgoing._tag === "Stream") outgoing.readable.destroy()
    outcome.failed(reason, cause)
    return () => {}
  }
  if (!secure && target.protocol !== "http:") {
    return refused("InvalidUrl", new Error(`cannot send over ${target.protocol}`))
  }
  // Headers as a flat list and the target as plain options: Node then neither re-reads a URL object nor
  // copies the headers into its own map one by one (both showed in the profile of 2000 calls).
  // The body's own length and type replace any the request carries. Node adds no `host` to a list.
  const headers: Array<string> = requestHeaders["host"] === undefined ? ["host", target.host] : []
  const bytes = outgoing._tag === "Bytes"
  const contentType = bytes ? outgoing.contentType : undefined
  for (const name in requestHeaders) {
    if (bytes && name === "content-length") {
      continue
    }
    if (contentType !== undefined && name === "content-type") {
      continue
    }
    headers.push(name, requestHeaders[name]!)
  }
  if (bytes) {
    headers.push("content-length", String(Buffer.byteLength(outgoing.bytes)))
  } else if (
    outgoing._tag === "None" && carriesBody.has(method) &&
    requestHeaders["content-length"] === undefined && requestHeaders["transfer-encoding"] === undefined
  ) {
    // As other clients send it: with a list of headers Node would otherwise send an empty body chunked.
    headers.push("content-length", "0")
  }
  if (contentType !== undefined) {
    headers.push("content-type", contentType)
  }
  // Credentials in the URL are sent as Basic authentication, as Node does for a URL (it would not with a list).
  if ((target.username !== "" || target.password !== "") && requestHeaders["authorization"] === undefined) {
    const credentials = `${decoded(target.username)}:${decoded(target.password)}`
    headers.push("authorization", `Basic ${Buffer.from(credentials).toString("base64")}`)
  }
  let req: Http.ClientRequest
  try {
    req = (secure ? Https.request : Http.request)({
      protocol: target.protocol,
      hostname: target.hostname.startsWith("[") ? target.hostname.slice(1, -1) : target.hostname,
      port: target.port,
      path: target.pathname + target.search,
      method,
      headers,
      agent: secure ? agents.https : agents.http
    })
  } catch (cause) {
    // Node refused the request before sending it (a header value with a control character, say).
    return refused("Transport", cause)
  }
  let settled = false
  let bodyFailure: unknown
  let response: Http.IncomingMessage | undefined
  let timer: ReturnType<typeof setTimeout> | undefined
  const headersTimeout = timers.headers
  // A streamed body is not the server's delay: once connected, the timer stops while it is being sent and starts
  // again when its last byte has been handed to the system. (How far an upload has really got cannot be seen from
  // here: the system takes megabytes at once and wakes the writer in bursts seconds apart when the server reads
  // slowly, so a "no progress" limit would cut healthy uploads.)
  const streamed = outgoing._tag === "Stream"
  if (headersTimeout !== undefined) {
    const expire = () => {
      // Not connected yet: nothing can have reached the server. Over TLS, connected means the handshake is done
      // (our side has sent its Finished): until then the request waits in the TLS socket, unsent. Asked of the
      // socket itself, so a socket handed over by the agent or a custom one is judged as it stands.
      const socket = req.socket
      const connected = socket !== null && socket !== undefined && !socket.connecting &&
        (!(socket instanceof TLSSocket) || socket.getFinished() !== undefined)
      if (connected && streamed && !req.writableFinished) {
        timer = undefined
        return
      }
      req.destroy(
        connected
          ? new CodedError(`no answer within ${headersTimeout} ms`, "MOTIVE_HEADERS_TIMEOUT")
          : new CodedError(`no connection within ${headersTimeout} ms`, "MOTIVE_CONNECT_TIMEOUT")
      )
    }
    timer = setTimeout(expire, headersTimeout)
    if (streamed) {
      req.once("finish", () => {
        if (settled) return
        clearTimeout(timer)
        timer = setTimeout(expire, headersTimeout)
      })
    }
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
    if (bodyFailure === undefined) outcome.failed("Transport", cause)
    else outcome.failed("Encode", bodyFailure)
  })
  req.once("response", (res: Http.IncomingMessage) => {
    if (timer !== undefined) {
      clearTimeout(timer)
    }
    settled = true
    response = res
    if (timers.body !== undefined) {
      idleLimit(res, timers.body)
    }
    outcome.response(res)
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
  return () => {
    if (timer !== undefined) clearTimeout(timer)
    req.destroy()
    response?.destroy()
  }
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
