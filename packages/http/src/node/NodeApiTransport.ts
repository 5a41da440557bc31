/**
 * Motive's API over Node's own `http` / `https` with keep-alive agents, one step per call: the request goes out
 * and the whole answer comes back in a single callback, with no `HttpClient` request or response objects between.
 * `NodeMotive` sends its calls this way. Against `AgentHttpClient` under `ApiTransport.layerHttpClient` (the same
 * agents and timers) it saves ~40 µs of CPU per call, a third of what a call costs (2000 calls at 16 in flight).
 *
 * The request timeout bounds the whole exchange, from sending to the answer's last byte (connecting included): a
 * server that trickles its answer a byte at a time fails `RequestTimeout` as one that says nothing does.
 * Interrupting an exchange destroys its request. A body longer than `maxAnswerBytes` is not read on.
 *
 * @since 0.1.0
 */
import { Duration, Effect, Layer } from "effect"
import type * as Http from "node:http"
import { type ApiAnswer, type ApiRequest, ApiTransport, isSuccess, maxAnswerBytes } from "../ApiTransport.js"
import { callbackEffect } from "../internal/callbackEffect.js"
import { wireError } from "../internal/transport.js"
import { MotiveConfig } from "../MotiveConfig.js"
import { type Agents, CodedError, none, readBody, scopedAgents, send } from "./internal/agentRequest.js"
import { millisOf } from "./internal/nodeClient.js"

const headerOf = (headers: Http.IncomingHttpHeaders) => (name: string): string | undefined => {
  const value = headers[name]
  return typeof value === "string" || value === undefined ? value : value.join(", ")
}

/**
 * Exchanges through `agents`, each bounded by `requestTimeout` as described above.
 *
 * @since 0.1.0
 */
export const make = (agents: Agents, requestTimeout: Duration.DurationInput): ApiTransport["Type"] => {
  const timeout = Duration.decode(requestTimeout)
  const timers = { headers: millisOf(timeout), body: millisOf(timeout) }
  // One interruption guard for every call (see callbackEffect): built per call, it cost 15–25 µs of CPU each.
  const exchange = callbackEffect<ApiRequest, ApiAnswer, ReturnType<typeof wireError>>((request, resume) => {
    const failed = (stage: "request" | "response", cause: unknown, invalidUrl = false) =>
      resume(
        Effect.fail(wireError({ stage, invalidUrl, cause, reason: "Transport", url: request.url }, timeout))
      )
    let target: URL
    try {
      target = new URL(request.url)
    } catch (cause) {
      return failed("request", cause, true)
    }
    const outgoing = request.body === undefined
      ? none
      : { _tag: "Bytes" as const, bytes: request.body, contentType: "application/json" }
    const started = timers.body === undefined ? 0 : performance.now()
    return send(agents, timers, request.method, target, request.headers, outgoing, {
      response: (response) => {
        const status = response.statusCode ?? 0
        const answer = (text: string, tooLarge: boolean): ApiAnswer => ({
          status,
          header: headerOf(response.headers),
          text,
          tooLarge
        })
        // The rest of the request timeout for the body (the socket's own timer only sees silences): one timer.
        const deadline = timers.body === undefined ? undefined : setTimeout(() =>
          response.destroy(
            new CodedError(`the answer did not end within ${timers.body} ms`, "MOTIVE_BODY_TIMEOUT")
          ), Math.max(0, timers.body - (performance.now() - started)))
        readBody(
          response,
          (bytes, tooLarge) => {
            clearTimeout(deadline)
            resume(Effect.succeed(answer(bytes.toString("utf8"), tooLarge)))
          },
          // A refusal stays a refusal (a 429 still pauses, a 409 still names nothing) when its body breaks.
          (cause) => {
            clearTimeout(deadline)
            if (isSuccess(status)) failed("response", cause)
            else resume(Effect.succeed(answer("", false)))
          },
          maxAnswerBytes
        )
      },
      failed: (reason, cause) => failed("request", cause, reason === "InvalidUrl")
    })
  })
  return ApiTransport.of({ exchange })
}

/**
 * The transport over its own keep-alive agents (destroyed with the layer), timed by `MotiveConfig`'s request
 * timeout.
 *
 * @since 0.1.0
 */
export const layer: Layer.Layer<ApiTransport, never, MotiveConfig> = Layer.scoped(
  ApiTransport,
  Effect.flatMap(
    scopedAgents,
    (agents) => Effect.map(MotiveConfig, (config) => make(agents, config.requestTimeout))
  )
)
