/**
 * The emulated API's routes, declared once. The router, the route key of a request (for faults and
 * records), the `video_monitoring` check and the public list of route keys are all read from this table.
 *
 * This module imports no runtime code (the public `Faults` module reads it, and the CLI loads that module
 * without the sandbox); a handler only names the {@link SandboxApi} operation that answers.
 */
import type { Effect } from "effect"
import type { RouteAnswer } from "./answers.js"
import type { SandboxApi } from "./api.js"

/**
 * What a handler is given: path parameters, query, the parsed JSON body (POST) and the path itself.
 */
export interface RouteInput {
  readonly params: Readonly<Record<string, string | undefined>>
  readonly query: Readonly<Record<string, string>>
  readonly body: unknown
  readonly path: string
}

/**
 * One route: method, path pattern (`:name` is a path parameter), the key faults and records use, whether it
 * is a camera endpoint (refused with 403 while `video_monitoring` is off), and its handler.
 */
export interface Route {
  readonly method: "GET" | "POST"
  readonly path: `/${string}`
  readonly key: string
  readonly camera: boolean
  readonly handle: (api: SandboxApi, input: RouteInput) => Effect.Effect<RouteAnswer>
}

const param = (input: RouteInput, name: string): string => input.params[name] ?? ""

/**
 * Every route of the emulated API. The order of first appearance of each key is the order of
 * {@link routeKeys}.
 */
export const routes = [
  {
    method: "POST",
    path: "/v1/image_captures",
    key: "createImageCapture",
    camera: true,
    handle: (api, input) => api.createCapture(input.body)
  },
  {
    method: "GET",
    path: "/v1/image_captures/:camera_type/:request_id",
    key: "getImageCapture",
    camera: true,
    handle: (api, input) => api.getCapture(param(input, "camera_type"), param(input, "request_id"))
  },
  {
    method: "POST",
    path: "/v1/video_recall_requests",
    key: "createVideoRecall",
    camera: true,
    handle: (api, input) => api.createRecall(input.body)
  },
  {
    method: "GET",
    path: "/v1/video_recall_requests/:id",
    key: "getVideoRecall",
    camera: true,
    handle: (api, input) => api.getRecall(param(input, "id"))
  },
  {
    method: "GET",
    path: "/v1/video_recall_requests/quota",
    key: "recallQuota",
    camera: true,
    handle: (api) => api.quota
  },
  {
    method: "GET",
    path: "/v1/video_recall_requests/vehicles/available_timelines",
    key: "availableTimelines",
    camera: true,
    handle: (api, input) => api.timelines("vehicle", input.query)
  },
  {
    method: "GET",
    path: "/v1/video_recall_requests/assets/available_timelines",
    key: "availableTimelines",
    camera: true,
    handle: (api, input) => api.timelines("asset", input.query)
  },
  {
    method: "GET",
    path: "/v1/vehicles",
    key: "vehicles",
    camera: false,
    handle: (api, input) => api.vehicles(input.query)
  },
  { method: "GET", path: "/v1/assets", key: "assets", camera: false, handle: (api, input) => api.assets(input.query) },
  {
    method: "POST",
    path: "/v1/company_webhooks",
    key: "companyWebhooks",
    camera: false,
    handle: (api, input) => api.createWebhook(input.body)
  },
  {
    method: "GET",
    path: "/v1/company_webhooks",
    key: "companyWebhooks",
    camera: false,
    handle: (api, input) => api.listWebhooks(input.query)
  },
  {
    method: "GET",
    path: "/media/recalls/:id/:file",
    key: "media",
    camera: false,
    handle: (api, input) => api.media(input.path, input.query)
  },
  {
    method: "GET",
    path: "/media/images/:id/:file",
    key: "media",
    camera: false,
    handle: (api, input) => api.media(input.path, input.query)
  }
] as const satisfies ReadonlyArray<Route>

type RouteRow = (typeof routes)[number]

/**
 * The routes faults can target. `media` is every pre-signed media URL.
 */
export type RouteKey = RouteRow["key"]

/**
 * Every route key, once, in table order.
 */
export const routeKeys: ReadonlyArray<RouteKey> = [...new Set(routes.map((route) => route.key))]

// Matching follows the router's own rules (find-my-way): case-insensitive, trailing and repeated slashes
// ignored, and a static segment wins over a parameter, so that the key names the route that answers.
const normalise = (path: string): string => {
  const collapsed = path.replace(/\/{2,}/g, "/").toLowerCase()
  return collapsed.length > 1 && collapsed.endsWith("/") ? collapsed.slice(0, -1) : collapsed
}

const compiled = routes.map((route: RouteRow) => ({
  route,
  static: !route.path.includes(":"),
  pattern: new RegExp(`^${route.path.toLowerCase().replace(/:[a-z_]+/g, "[^/]+")}$`)
}))

// Static paths first, as the router tries them.
const byPrecedence = [...compiled.filter((c) => c.static), ...compiled.filter((c) => !c.static)]

/**
 * The route a method and path address, if any.
 */
export const routeOf = (method: string, path: string): RouteRow | undefined => {
  const normalised = normalise(path)
  return byPrecedence.find((c) => c.route.method === method && c.pattern.test(normalised))?.route
}

/**
 * The key of the route a method and path address (faults and records are keyed by it).
 */
export const routeKeyOf = (method: string, path: string): RouteKey | undefined => routeOf(method, path)?.key

/**
 * Whether a route is a camera endpoint, refused while `video_monitoring` is off.
 */
export const isCameraRoute = (key: RouteKey): boolean => routes.some((route) => route.key === key && route.camera)
