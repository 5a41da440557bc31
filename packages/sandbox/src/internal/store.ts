/** The sandbox's in-memory state and the API's behaviour over it, free of HTTP. */
import {
  type CameraPosition,
  cameraPositionInfo,
  formatTimestamp,
  imageCaptureInputFromBody,
  isCameraPosition,
  parseTimestamp,
  quotaExceededCode,
  recallCompletedAction,
  validateImageCapture,
  validateVideoRecall,
  videoRecallInputFromBody,
  type Violation
} from "@effect-motive/domain"
import { DateTime, Effect, Either } from "effect"
import { createHmac, randomBytes, timingSafeEqual } from "node:crypto"
import { FaultPlan } from "../Faults.js"
import type { SandboxAsset, SandboxVehicle } from "../Fleet.js"
import { imageKey, VideoBytes, videoKey } from "../Media.js"
import type {
  LifecycleStatus,
  RecordedRequest,
  StoredCapture,
  StoredEntity,
  StoredRecall,
  StoredWebhook,
  WebhookDelivery
} from "../Records.js"
import { toEffectClock } from "../SandboxClock.js"
import type { SandboxSettings } from "../SandboxOptions.js"
import { answer, type ApiAnswer, refuse } from "./answers.js"
import { seededRandom } from "./random.js"
import { TokenBuckets } from "./tokenBucket.js"

const iso = (ms: number): string => formatTimestamp(DateTime.unsafeMake(ms))

const violationsMessage = (violations: ReadonlyArray<Violation>): string => violations.map((v) => v.message).join("; ")

const loopbackHosts = new Set(["127.0.0.1", "localhost", "[::1]", "::1"])

/** Whether a webhook URL points at this machine: the sandbox posts nowhere else. */
export const isLoopbackUrl = (url: string): boolean => {
  try {
    const u = new URL(url)
    return (u.protocol === "http:" || u.protocol === "https:") &&
      (loopbackHosts.has(u.hostname) || /^127\.\d+\.\d+\.\d+$/.test(u.hostname))
  } catch {
    return false
  }
}

/** The sandbox's state. One per running sandbox; every method is synchronous. */
export class SandboxStore {
  settings: SandboxSettings
  readonly faults = new FaultPlan()
  private readonly stopListeners = new Set<() => void>()
  readonly mediaSecret = randomBytes(32)
  baseUrl = ""
  video: VideoBytes
  private buckets: TokenBuckets
  private failureRandom: () => number
  private nextRecallId = 1
  private nextCaptureId = 1
  private nextWebhookId = 1
  private nextRequestSerial = 1
  readonly recalls = new Map<number, StoredRecall>()
  readonly captures = new Map<number, StoredCapture>()
  readonly webhooks: Array<StoredWebhook> = []
  readonly deliveries: Array<WebhookDelivery> = []
  readonly requests: Array<RecordedRequest> = []
  private readonly dedupe = new Map<string, number>()
  private used = { regular: 0, timelapse: 0 }

  constructor(settings: SandboxSettings) {
    this.settings = settings
    this.video = new VideoBytes(settings.seed, settings.media.videoBytes, settings.media.mp4Header)
    this.buckets = new TokenBuckets(settings.rateLimit.requestsPerSecond, settings.rateLimit.burst)
    this.failureRandom = seededRandom(settings.seed)
  }

  /** Applies new settings; counters and stored requests stay. */
  configure(settings: SandboxSettings): void {
    const before = this.settings
    this.settings = settings
    if (
      before.seed !== settings.seed || before.media.videoBytes !== settings.media.videoBytes ||
      before.media.mp4Header !== settings.media.mp4Header
    ) this.video = new VideoBytes(settings.seed, settings.media.videoBytes, settings.media.mp4Header)
    if (before.rateLimit !== settings.rateLimit) {
      this.buckets = new TokenBuckets(settings.rateLimit.requestsPerSecond, settings.rateLimit.burst)
    }
    if (before.seed !== settings.seed) this.failureRandom = seededRandom(settings.seed)
  }

  /** Waits `millis` of real time, or until the sandbox stops, whichever comes first. */
  pause(millis: number): Effect.Effect<void> {
    return Effect.async<void>((resume) => {
      const release = () => {
        clearTimeout(timer)
        this.stopListeners.delete(done)
      }
      const done = () => {
        release()
        resume(Effect.void)
      }
      const timer = setTimeout(done, millis)
      this.stopListeners.add(done)
      return Effect.sync(release)
    })
  }

  /** Ends every {@link pause} in progress. */
  stop(): void {
    for (const done of [...this.stopListeners]) done()
  }

  /** Forgets every request, stored request, webhook, delivery, fault and quota use. */
  reset(): void {
    this.recalls.clear()
    this.captures.clear()
    this.webhooks.length = 0
    this.deliveries.length = 0
    this.requests.length = 0
    this.dedupe.clear()
    this.used = { regular: 0, timelapse: 0 }
    this.faults.clear()
    this.nextRecallId = 1
    this.nextCaptureId = 1
    this.nextWebhookId = 1
    this.buckets = new TokenBuckets(this.settings.rateLimit.requestsPerSecond, this.settings.rateLimit.burst)
    this.failureRandom = seededRandom(this.settings.seed)
  }

  now(): number {
    return this.settings.clock.now()
  }

  requestSerial(): string {
    return `sbx-${(this.nextRequestSerial++).toString(36).padStart(6, "0")}`
  }

  // ---------------------------------------------------------------------------------------------------------
  // Credentials and limits

  /** The credential a request carries, if it is one the sandbox accepts. */
  credentialOf(headers: Readonly<Record<string, string | undefined>>): string | undefined {
    const key = headers["x-api-key"]
    if (key !== undefined && this.settings.apiKeys.includes(key)) return `key:${key}`
    const auth = headers["authorization"]
    const token = auth?.match(/^Bearer\s+(.+)$/i)?.[1]
    if (token !== undefined && this.settings.oauthTokens.includes(token)) return `oauth:${token}`
    return undefined
  }

  /** Takes a rate-limit token for `credential`; a refusal carries the Retry-After header as configured. */
  takeToken(credential: string): ApiAnswer | undefined {
    const waitMillis = this.buckets.take(credential, this.now())
    if (waitMillis === 0) return undefined
    const style = this.settings.rateLimit.retryAfter
    const headers: Record<string, string> = style === "seconds"
      ? { "retry-after": (waitMillis / 1000).toFixed(3).replace(/\.?0+$/, "") || "0" }
      : style === "http-date"
      ? { "retry-after": new Date(this.now() + Math.max(1000, waitMillis)).toUTCString() }
      : {}
    return answer(429, { error_message: "Rate limit exceeded: slow down", code: "rate_limited" }, headers)
  }

  // ---------------------------------------------------------------------------------------------------------
  // Fleet

  vehicleByNumber(number: unknown): SandboxVehicle | undefined {
    return typeof number === "string" ? this.settings.fleet.vehicles.find((v) => v.number === number.trim()) : undefined
  }

  assetByName(name: unknown): SandboxAsset | undefined {
    return typeof name === "string" ? this.settings.fleet.assets.find((a) => a.name === name.trim()) : undefined
  }

  private entityOf(target: { _tag: "vehicle" | "asset" } & ({ number: string } | { name: string } | { id: number })):
    | { readonly entity: StoredEntity; readonly cameras: ReadonlyArray<CameraPosition>; readonly label: string }
    | undefined
  {
    const fleet = this.settings.fleet
    if (target._tag === "vehicle") {
      const v = "number" in target
        ? fleet.vehicles.find((x) => x.number === target.number)
        : "id" in target
        ? fleet.vehicles.find((x) => x.id === target.id)
        : undefined
      return v === undefined ? undefined : {
        entity: { kind: "vehicle", id: v.id, number: v.number },
        cameras: v.cameras,
        label: `vehicle ${v.number}`
      }
    }
    const a = "name" in target
      ? fleet.assets.find((x) => x.name === target.name)
      : "id" in target
      ? fleet.assets.find((x) => x.id === target.id)
      : undefined
    return a === undefined ? undefined : {
      entity: { kind: "asset", id: a.id, name: a.name },
      cameras: a.cameras,
      label: `asset ${a.name}`
    }
  }

  private gapsOf(entity: StoredEntity) {
    const fleet = this.settings.fleet
    const found = entity.kind === "vehicle"
      ? fleet.vehicles.find((v) => v.id === entity.id)
      : fleet.assets.find((a) => a.id === entity.id)
    return found?.gaps ?? []
  }

  /** Spans with video inside `[from, to]`, given retention and gaps. */
  availableSpans(entity: StoredEntity, from: number, to: number): Array<[number, number]> {
    // Whole seconds: footage boundaries finer than that mean nothing and read badly.
    const now = Math.floor(this.now() / 1000) * 1000
    const start = Math.max(from, now - this.settings.fleet.retentionMinutes * 60_000)
    const end = Math.min(to, now)
    if (end <= start) return []
    let spans: Array<[number, number]> = [[start, end]]
    for (const gap of this.gapsOf(entity)) {
      const g0 = now - gap.fromMinutesAgo * 60_000
      const g1 = now - gap.toMinutesAgo * 60_000
      spans = spans.flatMap(([a, b]): Array<[number, number]> => {
        if (g1 <= a || g0 >= b) return [[a, b]]
        const out: Array<[number, number]> = []
        if (g0 > a) out.push([a, g0])
        if (g1 < b) out.push([g1, b])
        return out
      })
    }
    return spans
  }

  private failsFor(entity: StoredEntity): boolean {
    const names = this.settings.lifecycle.failEntities
    const scripted = names.includes(String(entity.id)) ||
      names.includes(entity.kind === "vehicle" ? entity.number : entity.name)
    return scripted || this.failureRandom() < this.settings.lifecycle.failureRate
  }

  // ---------------------------------------------------------------------------------------------------------
  // Video recalls

  createRecall(body: unknown): Effect.Effect<ApiAnswer> {
    const input = videoRecallInputFromBody(body)
    const vehicle = this.vehicleByNumber(input.vehicleNumber)
    return validateVideoRecall(input, { dashcam: vehicle?.dashcam === "smart" ? "smart" : "ai" }).pipe(
      Effect.withClock(toEffectClock(this.settings.clock)),
      Effect.match({
        onFailure: (error) => refuse(400, violationsMessage(error.violations)),
        onSuccess: (request) => {
          const found = this.entityOf(request.target)
          if (found === undefined) {
            return refuse(
              404,
              request.target._tag === "vehicle"
                ? `No vehicle with vehicle_number "${request.target.number}"`
                : `No asset with asset_name "${request.target.name}"`
            )
          }
          const { cameras: available, entity, label } = found
          const requested = request.cameraPositions
          const missing = (requested ?? []).filter((p) => !available.includes(p))
          if (missing.length > 0) {
            return refuse(400, `${label} has no ${missing.join(", ")} camera (it has ${available.join(", ")})`)
          }
          const cameras = requested === undefined ? available : requested
          const start = DateTime.toEpochMillis(request.startTime)
          const end = start + request.durationMinutes * 60_000
          const spans = this.availableSpans(entity, start, end)
          if (!(spans.length === 1 && spans[0]![0] === start && spans[0]![1] === end)) {
            return refuse(
              400,
              `No video available for ${label} between ${iso(start)} and ${iso(end)}: see available_timelines`
            )
          }
          const dedupeKey = JSON.stringify([
            entity.kind,
            entity.id,
            start,
            request.durationMinutes,
            request.recallType,
            requested === undefined ? null : [...requested].sort()
          ])
          const existing = this.dedupe.get(dedupeKey)
          if (existing !== undefined) {
            return refuse(409, `Duplicate video recall request: request ${existing} has the same parameters`, {
              id: existing
            })
          }
          const total = request.recallType === "regular"
            ? this.settings.quota.regularMinutes
            : this.settings.quota.timelapseMinutes
          const used = this.used[request.recallType]
          if (used + request.durationMinutes > total) {
            return refuse(
              429,
              `Monthly video recall quota exceeded for ${request.recallType} recalls (${used} of ${total} minutes used)`,
              { code: quotaExceededCode }
            )
          }
          this.used[request.recallType] += request.durationMinutes
          const now = this.now()
          const { lifecycle } = this.settings
          const pendingUntil = now + lifecycle.recallPendingMillis / this.settings.speed
          const recall: StoredRecall = {
            id: this.nextRecallId++,
            entity,
            startTime: start,
            durationMinutes: request.durationMinutes,
            recallType: request.recallType,
            requestedPositions: requested,
            cameras,
            createdAt: now,
            pendingUntil,
            doneAt: pendingUntil + lifecycle.recallProcessingMillis / this.settings.speed,
            outcome: this.failsFor(entity) ? "failed" : "success",
            status: "pending",
            updatedAt: now,
            notified: false,
            dedupeKey
          }
          this.recalls.set(recall.id, recall)
          this.dedupe.set(dedupeKey, recall.id)
          return answer(201, this.recallJson(recall))
        }
      })
    )
  }

  getRecall(idText: string): ApiAnswer {
    const recall = /^\d+$/.test(idText) ? this.recalls.get(Number(idText)) : undefined
    if (recall === undefined) return refuse(404, `No video recall request with id ${idText}`)
    this.advance()
    return answer(200, this.recallJson(recall))
  }

  recallJson(recall: StoredRecall): Record<string, unknown> {
    const done = recall.status === "success" || recall.status === "failed"
    return {
      id: recall.id,
      status: recall.status,
      primary_entity: recall.entity.kind,
      vehicle: recall.entity.kind === "vehicle" ? { id: recall.entity.id, number: recall.entity.number } : null,
      asset: recall.entity.kind === "asset" ? { id: recall.entity.id, name: recall.entity.name } : null,
      start_time: iso(recall.startTime),
      end_time: iso(recall.startTime + recall.durationMinutes * 60_000),
      recall_type: recall.recallType,
      created_at: iso(recall.createdAt),
      updated_at: iso(recall.updatedAt),
      cameras: recall.status === "pending" ? [] : recall.cameras.map((position) => {
        const ready = recall.status === "success"
        const expires = this.now() + this.settings.media.urlTtlMillis
        return {
          position,
          camera_type: cameraPositionInfo[position].cameraType,
          status: done ? recall.status : "in_progress",
          download_url: ready ? this.signedUrl(`/media/recalls/${recall.id}/${position}.mp4`, expires) : null,
          expires_at: ready ? iso(expires) : null,
          size_bytes: ready ? this.video.size : null
        }
      })
    }
  }

  // ---------------------------------------------------------------------------------------------------------
  // Image captures

  createCapture(body: unknown): Effect.Effect<ApiAnswer> {
    return validateImageCapture(imageCaptureInputFromBody(body)).pipe(
      Effect.match({
        onFailure: (error) => refuse(400, violationsMessage(error.violations)),
        onSuccess: (request) => {
          const found = this.entityOf(request.target)
          if (found === undefined) {
            return refuse(404, `No ${request.target._tag} with id ${request.target.id}`)
          }
          if (!found.cameras.includes(request.position)) {
            return refuse(400, `${found.label} has no ${request.position} camera (it has ${found.cameras.join(", ")})`)
          }
          const now = this.now()
          const { lifecycle, speed } = this.settings
          const pendingUntil = now + lifecycle.capturePendingMillis / speed
          const capture: StoredCapture = {
            requestId: this.nextCaptureId++,
            entity: found.entity,
            position: request.position,
            cameraType: cameraPositionInfo[request.position].cameraType,
            createdAt: now,
            pendingUntil,
            doneAt: pendingUntil + lifecycle.captureProcessingMillis / speed,
            outcome: this.failsFor(found.entity) ? "failed" : "success",
            status: "pending",
            updatedAt: now
          }
          this.captures.set(capture.requestId, capture)
          return answer(201, this.captureJson(capture))
        }
      })
    )
  }

  getCapture(cameraType: string, idText: string): ApiAnswer {
    const capture = /^\d+$/.test(idText) ? this.captures.get(Number(idText)) : undefined
    if (capture === undefined || capture.cameraType !== cameraType) {
      return refuse(404, `No ${cameraType} image capture request with id ${idText}`)
    }
    this.advance()
    return answer(200, this.captureJson(capture))
  }

  captureJson(capture: StoredCapture): Record<string, unknown> {
    const expires = this.now() + this.settings.media.urlTtlMillis
    return {
      request_id: capture.requestId,
      camera_type: capture.cameraType,
      position: capture.position,
      status: capture.status,
      ...(capture.entity.kind === "vehicle"
        ? { vehicle: { id: capture.entity.id, number: capture.entity.number } }
        : { asset: { id: capture.entity.id, name: capture.entity.name } }),
      created_at: iso(capture.createdAt),
      ...(capture.status === "success"
        ? {
          images: {
            [capture.position]: {
              url: this.signedUrl(`/media/images/${capture.requestId}/${capture.position}.jpg`, expires),
              expires_at: iso(expires)
            }
          }
        }
        : {})
    }
  }

  // ---------------------------------------------------------------------------------------------------------
  // Quota, timelines, fleet lists, webhooks

  quotaInfo() {
    const bucket = (used: number, total: number) => ({
      used_minutes: used,
      remaining_minutes: Math.max(0, total - used),
      total_minutes: total
    })
    return {
      regular: bucket(this.used.regular, this.settings.quota.regularMinutes),
      timelapse: bucket(this.used.timelapse, this.settings.quota.timelapseMinutes)
    }
  }

  quota(): ApiAnswer {
    return answer(200, { quota_info: this.quotaInfo() })
  }

  timelines(kind: "vehicle" | "asset", query: Readonly<Record<string, string>>): ApiAnswer {
    const key = kind === "vehicle" ? "vehicle_number" : "asset_name"
    const name = query[key]
    if (name === undefined || name.trim() === "") return refuse(400, `${key} is required`)
    const found = kind === "vehicle"
      ? this.entityOf({ _tag: "vehicle", number: name.trim() })
      : this.entityOf({ _tag: "asset", name: name.trim() })
    if (found === undefined) return refuse(404, `No ${kind} with ${key} "${name}"`)
    const bound = (field: "start_time" | "end_time", fallback: number): Either.Either<number, string> => {
      const raw = query[field]
      if (raw === undefined) return Either.right(fallback)
      return Either.match(parseTimestamp(raw), {
        onLeft: () => Either.left(`${field} "${raw}" is not an ISO 8601 timestamp with an offset`),
        onRight: (dt) => Either.right(DateTime.toEpochMillis(dt))
      })
    }
    const now = this.now()
    const from = bound("start_time", now - this.settings.fleet.retentionMinutes * 60_000)
    const to = bound("end_time", now)
    if (Either.isLeft(from)) return refuse(400, from.left)
    if (Either.isLeft(to)) return refuse(400, to.left)
    if (to.right < from.right) return refuse(400, "end_time is before start_time")
    return answer(200, {
      primary_entity: kind,
      ...(found.entity.kind === "vehicle"
        ? { vehicle: { id: found.entity.id, number: found.entity.number }, asset: null }
        : { asset: { id: found.entity.id, name: found.entity.name }, vehicle: null }),
      available_timelines: this.availableSpans(found.entity, from.right, to.right).map(([a, b]) => ({
        start_time: iso(a),
        end_time: iso(b)
      })),
      quota_info: this.quotaInfo()
    })
  }

  page<A>(items: ReadonlyArray<A>, query: Readonly<Record<string, string>>) {
    const perPage = Math.min(100, Math.max(1, Number(query.per_page ?? 25) || 25))
    const pageNo = Math.max(1, Number(query.page_no ?? 1) || 1)
    return {
      items: items.slice((pageNo - 1) * perPage, pageNo * perPage),
      pagination: { per_page: perPage, page_no: pageNo, total: items.length }
    }
  }

  vehicles(query: Readonly<Record<string, string>>): ApiAnswer {
    const { items, pagination } = this.page(this.settings.fleet.vehicles, query)
    return answer(200, {
      vehicles: items.map((v) => ({
        vehicle: { id: v.id, number: v.number, make: v.make, model: v.model, status: "active" }
      })),
      pagination
    })
  }

  assets(query: Readonly<Record<string, string>>): ApiAnswer {
    const { items, pagination } = this.page(this.settings.fleet.assets, query)
    return answer(200, {
      assets: items.map((a) => ({ asset: { id: a.id, name: a.name, type: a.type, status: "active" } })),
      pagination
    })
  }

  private webhookJson(w: StoredWebhook) {
    return { id: w.id, url: w.url, format: w.format, actions: w.actions, enabled: w.enabled }
  }

  createWebhook(body: unknown): ApiAnswer {
    const b: Record<string, unknown> = typeof body === "object" && body !== null ? { ...body } : {}
    const problems: Array<string> = []
    if (typeof b.url !== "string" || !isLoopbackUrl(b.url)) {
      problems.push("url must be an http(s) URL on a loopback address (the sandbox posts nowhere else)")
    }
    if (typeof b.secret !== "string" || b.secret === "") problems.push("secret is required")
    const actions = b.actions === undefined ? [recallCompletedAction] : b.actions
    if (!Array.isArray(actions) || !actions.every((a) => typeof a === "string")) {
      problems.push("actions must be a list of strings")
    }
    if (problems.length > 0) return refuse(400, problems.join("; "))
    const webhook = this.registerWebhook(
      String(b.url),
      String(b.secret),
      actions as ReadonlyArray<string>,
      b.enabled !== false
    )
    return answer(201, { company_webhook: this.webhookJson(webhook) })
  }

  registerWebhook(url: string, secret: string, actions: ReadonlyArray<string>, enabled = true): StoredWebhook {
    const webhook: StoredWebhook = { id: this.nextWebhookId++, url, secret, actions, format: "json", enabled }
    this.webhooks.push(webhook)
    return webhook
  }

  listWebhooks(query: Readonly<Record<string, string>>): ApiAnswer {
    const { items, pagination } = this.page(this.webhooks, query)
    return answer(200, { company_webhooks: items.map((w) => ({ company_webhook: this.webhookJson(w) })), pagination })
  }

  // ---------------------------------------------------------------------------------------------------------
  // Time: statuses and webhook deliveries

  private statusAt(r: { pendingUntil: number; doneAt: number; outcome: "success" | "failed" }, now: number) {
    const status: LifecycleStatus = now < r.pendingUntil ? "pending" : now < r.doneAt ? "in_progress" : r.outcome
    const changedAt = status === "pending" ? undefined : status === "in_progress" ? r.pendingUntil : r.doneAt
    return { status, changedAt }
  }

  /** Moves every request to the status its timing gives it now, and queues webhook deliveries. */
  advance(): void {
    const now = this.now()
    for (const recall of this.recalls.values()) {
      if (recall.status === "success" || recall.status === "failed") continue
      const { changedAt, status } = this.statusAt(recall, now)
      if (status === recall.status) continue
      recall.status = status
      recall.updatedAt = changedAt ?? recall.updatedAt
      if ((status === "success" || status === "failed") && !recall.notified) {
        recall.notified = true
        this.queueDeliveries(recall)
      }
    }
    for (const capture of this.captures.values()) {
      if (capture.status === "success" || capture.status === "failed") continue
      const { changedAt, status } = this.statusAt(capture, now)
      capture.status = status
      capture.updatedAt = changedAt ?? capture.updatedAt
    }
  }

  private queueDeliveries(recall: StoredRecall): void {
    for (const webhook of this.webhooks) {
      if (!webhook.enabled) continue
      if (webhook.actions.length > 0 && !webhook.actions.includes(recallCompletedAction)) continue
      const body = JSON.stringify({
        action: recallCompletedAction,
        id: recall.id,
        status: recall.status,
        primary_entity: recall.entity.kind,
        trigger: "video_recall_request",
        occurred_at: iso(recall.updatedAt)
      })
      this.deliveries.push({
        webhookId: webhook.id,
        url: webhook.url,
        action: recallCompletedAction,
        recallId: recall.id,
        body,
        signature: signWebhookBody(body, webhook.secret),
        attempts: [],
        state: "pending",
        nextAttemptAt: this.now()
      })
    }
  }

  /** Deliveries whose next attempt is due; they are marked in flight. */
  dueDeliveries(): Array<WebhookDelivery> {
    const now = this.now()
    const due = this.deliveries.filter((d) => d.state === "pending" && d.nextAttemptAt <= now)
    for (const d of due) d.state = "in_flight"
    return due
  }

  /** Records an attempt and schedules the next one with doubling backoff, up to `maxAttempts`. */
  recordAttempt(
    delivery: WebhookDelivery,
    status: number | undefined,
    error: string | undefined,
    at: number,
    durationMillis: number
  ): void {
    delivery.attempts.push({ at, status, error, durationMillis })
    const ok = error === undefined && status !== undefined && status >= 200 && status < 300
    if (ok) {
      delivery.state = "delivered"
      return
    }
    const { maxAttempts, retryBaseMillis } = this.settings.webhooks
    if (delivery.attempts.length >= maxAttempts) {
      delivery.state = "failed"
      return
    }
    delivery.state = "pending"
    delivery.nextAttemptAt = this.now() +
      (retryBaseMillis * 2 ** (delivery.attempts.length - 1)) / this.settings.speed
  }

  // ---------------------------------------------------------------------------------------------------------
  // Media URLs

  signedUrl(path: string, expires: number): string {
    return `${this.baseUrl}${path}?expires=${expires}&signature=${this.mediaSignature(path, expires)}`
  }

  mediaSignature(path: string, expires: number): string {
    return createHmac("sha256", this.mediaSecret).update(`${path}\n${expires}`).digest("hex")
  }

  /** Checks a media URL's signature and expiry, S3-style. */
  checkMediaUrl(path: string, query: Readonly<Record<string, string>>): "ok" | "forged" | "expired" {
    const expires = Number(query.expires)
    const given = Buffer.from(query.signature ?? "", "utf8")
    const expected = Buffer.from(this.mediaSignature(path, expires), "utf8")
    if (!Number.isFinite(expires) || given.length !== expected.length || !timingSafeEqual(given, expected)) {
      return "forged"
    }
    return this.now() > expires ? "expired" : "ok"
  }

  /** The recall video or captured image behind a media path, if it exists and is ready. */
  mediaAt(path: string): { kind: "video"; key: string } | { kind: "image"; key: string } | undefined {
    this.advance()
    const video = path.match(/^\/media\/recalls\/(\d+)\/([a-z_]+)\.mp4$/)
    if (video !== null) {
      const recall = this.recalls.get(Number(video[1]))
      const position = video[2]
      return recall?.status === "success" && isCameraPosition(position) && recall.cameras.includes(position)
        ? { kind: "video", key: videoKey(recall.id, position) }
        : undefined
    }
    const image = path.match(/^\/media\/images\/(\d+)\/([a-z_]+)\.jpg$/)
    if (image !== null) {
      const capture = this.captures.get(Number(image[1]))
      return capture?.status === "success" && capture.position === image[2]
        ? { kind: "image", key: imageKey(capture.requestId, capture.position) }
        : undefined
    }
    return undefined
  }
}

/**
 * The `X-KT-Webhook-Signature` of a body: hex HMAC-SHA1 of the raw bytes, keyed with the webhook's secret.
 */
export const signWebhookBody = (body: string | Uint8Array, secret: string): string =>
  createHmac("sha1", secret).update(body).digest("hex")

/** The path of each media kind, for tests. */
export const mediaPaths = {
  video: (recallId: number, position: string) => `/media/recalls/${recallId}/${position}.mp4`,
  image: (requestId: number, position: string) => `/media/images/${requestId}/${position}.jpg`
}
