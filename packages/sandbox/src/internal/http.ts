/** The sandbox's HTTP face: the router read from the route table, then records, faults, credentials and limits. */
import { headers as motiveHeaders } from "@effect-motive/domain"
import { HttpRouter, HttpServerRequest, HttpServerResponse } from "@effect/platform"
import type { HttpApp } from "@effect/platform"
import { Effect, Option } from "effect"
import type { RecordedRequest } from "../Records.js"
import { type ApiAnswer, refuse, type RouteAnswer } from "./answers.js"
import type { SandboxApi } from "./api.js"
import { cut, mediaResponse } from "./mediaResponse.js"
import { isCameraRoute, type Route, routeKeyOf, routes } from "./routes.js"
import type { SandboxStore } from "./store.js"

const json = (store: SandboxStore, a: ApiAnswer) =>
  HttpServerResponse.unsafeJson(a.body, {
    status: a.status,
    headers: { ...a.headers, [motiveHeaders.requestId]: store.requestSerial() }
  })

const maskHeaders = (headers: Readonly<Record<string, string | undefined>>): Record<string, string> => {
  const out: Record<string, string> = {}
  for (const [k, v] of Object.entries(headers)) {
    if (v === undefined) continue
    out[k] = k === "x-api-key" ? "***" : k === "authorization" ? v.replace(/^(\S+\s+).*$/, "$1***") : v
  }
  return out
}

const queryOf = (url: URL): Record<string, string> => Object.fromEntries(url.searchParams.entries())

const urlOf = (request: HttpServerRequest.HttpServerRequest) => new URL(request.url, "http://sandbox.invalid")

const bodyJson = (request: HttpServerRequest.HttpServerRequest): Effect.Effect<Option.Option<unknown>> =>
  request.text.pipe(
    Effect.map((text) => {
      try {
        return Option.some<unknown>(JSON.parse(text))
      } catch {
        return Option.none()
      }
    }),
    Effect.orElseSucceed(() => Option.none())
  )

/** How many received requests the sandbox remembers for inspection. */
const maxRecordedRequests = 10_000

const render = (store: SandboxStore, request: HttpServerRequest.HttpServerRequest, a: RouteAnswer) =>
  a._tag === "Json" ? json(store, a) : mediaResponse(request, a)

/** A route's handler as the router runs it: its input read from the request (POST bodies are JSON). */
const handlerOf = (store: SandboxStore, api: SandboxApi, route: Route) =>
  Effect.gen(function*() {
    const request = yield* HttpServerRequest.HttpServerRequest
    const url = urlOf(request)
    let body: unknown = undefined
    if (route.method === "POST") {
      const parsed = yield* bodyJson(request)
      if (Option.isNone(parsed)) return json(store, refuse(400, "The request body is not valid JSON"))
      body = parsed.value
    }
    const params = yield* HttpRouter.params
    const answered = yield* route.handle(api, { params, query: queryOf(url), body, path: url.pathname })
    return render(store, request, answered)
  })

/**
 * The router: one route per row of the route table, and the sandbox's own health check.
 */
export const makeRouter = (store: SandboxStore, api: SandboxApi) =>
  routes.reduce(
    (router, route: Route) => HttpRouter.route(route.method)(route.path, handlerOf(store, api, route))(router),
    HttpRouter.empty
  ).pipe(HttpRouter.get("/_sandbox/health", Effect.succeed(HttpServerResponse.unsafeJson({ ok: true }))))

/**
 * Wraps the router: records each request, applies faults, credentials, the rate limit and the
 * `video_monitoring` switch, in that order, and answers unknown routes with 404.
 */
export const makeApp = (store: SandboxStore, api: SandboxApi): HttpApp.Default => {
  const router = makeRouter(store, api).pipe(
    Effect.catchTag("RouteNotFound", () => Effect.sync(() => json(store, refuse(404, "Not found"))))
  )
  return Effect.gen(function*() {
    const request = yield* HttpServerRequest.HttpServerRequest
    const url = urlOf(request)
    const route = routeKeyOf(request.method, url.pathname)
    const body = request.method === "POST" || request.method === "PUT"
      ? yield* Effect.map(bodyJson(request), Option.getOrUndefined)
      : undefined
    // A webhook registration carries its shared secret: the record keeps the rest.
    if (route === "companyWebhooks" && typeof body === "object" && body !== null && "secret" in body) {
      Object.assign(body, { secret: "***" })
    }
    const record: { -readonly [K in keyof RecordedRequest]: RecordedRequest[K] } = {
      at: store.now(),
      method: request.method,
      path: url.pathname,
      query: queryOf(url),
      route,
      headers: maskHeaders(request.headers),
      body,
      status: undefined
    }
    store.requests.push(record)
    // A sandbox left running keeps the most recent requests only.
    if (store.requests.length > maxRecordedRequests) {
      store.requests.splice(0, store.requests.length - maxRecordedRequests)
    }
    const respond = (response: HttpServerResponse.HttpServerResponse) => {
      record.status = response.status
      return response
    }

    const fault = route === undefined
      ? undefined
      : store.faults.take(
        route,
        (f) => route === "media" ? f.kind !== "commit_then_drop" && f.kind !== "truncate" : f.kind !== "truncate"
      )
    if (fault?.kind === "reset") {
      yield* cut(request, true)
      return HttpServerResponse.empty({ status: 499 })
    }
    if (fault?.kind === "status") {
      return respond(json(store, refuse(fault.status, `Injected ${fault.status}`)))
    }
    if (fault?.kind === "slow") yield* store.pause(fault.delayMillis)

    if (route !== undefined && route !== "media") {
      const credential = store.credentialOf(request.headers)
      if (credential === undefined) {
        return respond(
          json(store, refuse(401, "Unauthorized: send a valid X-Api-Key or Authorization: Bearer token"))
        )
      }
      const limited = store.takeToken(credential)
      if (limited !== undefined) return respond(json(store, limited))
      if (!store.settings.videoMonitoring && isCameraRoute(route)) {
        return respond(json(
          store,
          refuse(
            403,
            "The video_monitoring feature is not enabled for this company (Admin > Safety > Cameras > Capture Trip Images)"
          )
        ))
      }
    }

    const response = yield* router
    if (fault?.kind === "commit_then_drop") {
      yield* cut(request, false)
      return HttpServerResponse.empty({ status: 499 })
    }
    return respond(response)
  })
}
