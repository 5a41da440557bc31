/** The sandbox's HTTP face: the router read from the route table, then records, faults, credentials and limits. */
import { headers as motiveHeaders } from "@effect-motive/domain"
import { Webhooks } from "@effect-motive/http"
import { HttpRouter, HttpServerRequest, HttpServerResponse } from "@effect/platform"
import type { HttpApp } from "@effect/platform"
import { Effect, Option, Ref, type Scope } from "effect"
import { faultFits } from "../Faults.js"
import { type ApiAnswer, refuse, type RouteAnswer } from "./answers.js"
import type { SandboxApi } from "./api.js"
import { credentialOf } from "./credentials.js"
import { cut, mediaResponse } from "./mediaResponse.js"
import { maskBody, maskHeaders } from "./requestLog.js"
import { isCameraRoute, type Route, routeKeyOf, routes } from "./routes.js"
import type { SandboxState } from "./state.js"
import { answerInZone, zoneOf } from "./timeZones.js"

const queryOf = (url: URL): Record<string, string> => Object.fromEntries(url.searchParams.entries())

const urlOf = (request: HttpServerRequest.HttpServerRequest) => new URL(request.url, "http://sandbox.invalid")

/** Motive's requests are small JSON documents: a body above this is refused (413) unread. */
const maxBodyBytes = 1024 * 1024

/**
 * Motive's bodies nest two deep at most: a body nested deeper than this is refused unparsed, so that nothing that
 * walks a value recursively (the rules quoting a value, the request log) meets one deep enough to overflow the stack.
 */
const maxBodyDepth = 32

/** A body that cannot be used, and why (the answer's message). */
type Unusable = { readonly _tag: "Unusable"; readonly message: string }

/** Each request's body as read once (by the recording layer), for its route to use. */
const bodies = new WeakMap<HttpServerRequest.HttpServerRequest, Option.Option<unknown> | Unusable>()

/**
 * The JSON body, read at most once and never beyond {@link maxBodyBytes}; `None` when there is none, `Unusable`
 * when it is not JSON or nests deeper than {@link maxBodyDepth}. Fails with `BodyTooLarge` for a body above the
 * limit.
 */
const bodyJson = (
  request: HttpServerRequest.HttpServerRequest
): Effect.Effect<Option.Option<unknown> | Unusable, Webhooks.BodyTooLarge, Scope.Scope> => {
  const known = bodies.get(request)
  if (known !== undefined) return Effect.succeed(known)
  return Webhooks.readBody(request, maxBodyBytes).pipe(
    Effect.map((bytes): Option.Option<unknown> | Unusable => {
      if (bytes.length === 0) return Option.none()
      if (!Webhooks.jsonDepthWithin(bytes, maxBodyDepth)) {
        return { _tag: "Unusable", message: `The request body nests more than ${maxBodyDepth} levels deep` }
      }
      try {
        return Option.some<unknown>(JSON.parse(new TextDecoder().decode(bytes)))
      } catch {
        return { _tag: "Unusable", message: "The request body is not valid JSON" }
      }
    }),
    Effect.catchTag("BodyUnreadable", () => Effect.succeed(Option.none())),
    Effect.tap((parsed) => Effect.sync(() => bodies.set(request, parsed)))
  )
}

/**
 * The sandbox's HTTP app: the routes of the route table, behind records, faults, credentials, the rate limit
 * and the `video_monitoring` switch, in that order; unknown routes answer 404.
 */
export const makeApp = (state: SandboxState, api: SandboxApi): Effect.Effect<HttpApp.Default<never, Scope.Scope>> =>
  Effect.gen(function*() {
    // Every JSON answer carries a request id, as Motive's do.
    const serial = yield* Ref.make(1)
    const json = (a: ApiAnswer) =>
      Effect.map(Ref.getAndUpdate(serial, (n) => n + 1), (n) =>
        HttpServerResponse.unsafeJson(a.body, {
          status: a.status,
          headers: { ...a.headers, [motiveHeaders.requestId]: `sbx-${n.toString(36).padStart(6, "0")}` }
        }))
    const render = (request: HttpServerRequest.HttpServerRequest, a: RouteAnswer) =>
      a._tag === "Json" ? json(a) : Effect.succeed(mediaResponse(request, a))

    const handlerOf = (route: Route) =>
      Effect.gen(function*() {
        const request = yield* HttpServerRequest.HttpServerRequest
        const url = urlOf(request)
        let body: unknown = undefined
        if (route.method === "POST") {
          const parsed = yield* Effect.orElseSucceed(bodyJson(request), () => Option.none())
          if (!Option.isOption(parsed)) return yield* json(refuse(400, parsed.message))
          if (Option.isNone(parsed)) return yield* json(refuse(400, "The request body is not valid JSON"))
          body = parsed.value
        }
        const params = yield* HttpRouter.params
        const answer = yield* route.handle(api, { params, query: queryOf(url), body, path: url.pathname })
        // Times in the zone the request names, as Motive writes them.
        const zone = zoneOf(request.headers[motiveHeaders.timeZone])
        return yield* render(
          request,
          zone === undefined || answer._tag !== "Json" ? answer : { ...answer, body: answerInZone(answer.body, zone) }
        )
      })

    const table: ReadonlyArray<Route> = routes
    const router = table.reduce(
      (router: HttpRouter.HttpRouter, route) => HttpRouter.route(route.method)(route.path, handlerOf(route))(router),
      HttpRouter.empty
    ).pipe(
      // The sandbox's own health check, outside Motive's API.
      HttpRouter.get("/_sandbox/health", Effect.succeed(HttpServerResponse.unsafeJson({ ok: true }))),
      Effect.catchTag("RouteNotFound", () =>
        Effect.flatMap(HttpServerRequest.HttpServerRequest, (request) => {
          // A path of the API asked with another method: 405 with the methods it takes, as HTTP says.
          const path = urlOf(request).pathname
          const allowed = ["GET", "POST"].filter((method) => routeKeyOf(method, path) !== undefined)
          return allowed.length === 0
            ? json(refuse(404, "Not found"))
            : json({
              ...refuse(405, `${request.method} is not allowed on ${path} (it takes ${allowed.join(", ")})`),
              headers: { allow: allowed.join(", ") }
            })
        }))
    )

    return Effect.gen(function*() {
      const request = yield* HttpServerRequest.HttpServerRequest
      const url = urlOf(request)
      const route = routeKeyOf(request.method, url.pathname)
      const read = request.method === "POST" || request.method === "PUT"
        ? yield* Effect.either(bodyJson(request))
        : undefined
      // A body too large for any Motive request is refused unread, whoever sent it: memory stays bounded.
      if (read?._tag === "Left") {
        return yield* json({
          ...refuse(413, `The request body is larger than ${maxBodyBytes} bytes`),
          headers: { connection: "close" }
        })
      }
      const parsed = read === undefined || !Option.isOption(read.right) ? undefined : Option.getOrUndefined(read.right)
      // A webhook registration carries its shared secret: the record keeps the rest.
      const body = maskBody(parsed)
      const settings = yield* state.config.settings
      const n = yield* state.requests.arrived({
        at: settings.clock.now(),
        method: request.method,
        path: url.pathname,
        query: queryOf(url),
        route,
        headers: maskHeaders(request.headers),
        body,
        status: undefined
      })
      const respond = (response: HttpServerResponse.HttpServerResponse) =>
        Effect.as(state.requests.answered(n, response.status), response)

      const fault = route === undefined
        ? undefined
        // A media body's truncation is taken where the body is served.
        : yield* state.faults.take(route, (f) => faultFits(route, f) && f.kind !== "truncate")
      if (fault?.kind === "reset") {
        yield* cut(request, true)
        return HttpServerResponse.empty({ status: 499 })
      }
      if (fault?.kind === "status") return yield* respond(yield* json(refuse(fault.status, `Injected ${fault.status}`)))
      if (fault?.kind === "slow") yield* state.stopSignal.pause(fault.delayMillis)

      if (route !== undefined && route !== "media") {
        const credential = credentialOf(settings, request.headers)
        if (credential === undefined) {
          return yield* respond(
            yield* json(refuse(401, "Unauthorized: send a valid X-Api-Key or Authorization: Bearer token"))
          )
        }
        // Motive's rate limits are the company's: every credential of it shares one bucket.
        const limited = yield* state.rateLimit.take("company", settings)
        if (limited !== undefined) return yield* respond(yield* json(limited))
        if (!settings.videoMonitoring && isCameraRoute(route)) {
          return yield* respond(
            yield* json(refuse(
              403,
              "The video_monitoring feature is not enabled for this company (Admin > Safety > Cameras > Capture Trip Images)"
            ))
          )
        }
      }

      const response = yield* router
      if (fault?.kind === "commit_then_drop") {
        yield* cut(request, false)
        return HttpServerResponse.empty({ status: 499 })
      }
      return yield* respond(response)
    }).pipe(
      // Dated by the sandbox's clock, as Motive's answers are by Motive's (a client reads a Retry-After date
      // against it): Node would date them by this machine's.
      Effect.flatMap((response) =>
        Effect.map(
          state.config.now,
          (now) => HttpServerResponse.setHeader(response, "date", new Date(now).toUTCString())
        )
      )
    )
  })
