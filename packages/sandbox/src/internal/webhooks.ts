/** Company webhook registrations: which loopback URLs hear of completed recalls, with which secret. */
import { recallCompletedAction } from "@effect-motive/domain"
import { Effect, Either, Redacted, Ref } from "effect"
import type { StoredWebhook } from "../Records.js"

const loopbackHosts = new Set(["127.0.0.1", "localhost", "[::1]", "::1"])

/**
 * Whether a webhook URL points at this machine: the sandbox posts nowhere else.
 */
export const isLoopbackUrl = (url: string): boolean => {
  try {
    const u = new URL(url)
    return (u.protocol === "http:" || u.protocol === "https:") &&
      (loopbackHosts.has(u.hostname) || /^127\.\d+\.\d+\.\d+$/.test(u.hostname))
  } catch {
    return false
  }
}

/**
 * A registration as `POST /v1/company_webhooks` asks for it.
 */
export interface WebhookRegistration {
  readonly url: string
  readonly secret: Redacted.Redacted<string>
  readonly actions: ReadonlyArray<string>
  readonly enabled: boolean
}

/**
 * Reads a registration body, or names every problem with it.
 */
export const registrationOf = (body: unknown): Either.Either<WebhookRegistration, string> => {
  const b: Record<string, unknown> = typeof body === "object" && body !== null ? { ...body } : {}
  const problems: Array<string> = []
  const url = typeof b.url === "string" && isLoopbackUrl(b.url) ? b.url : undefined
  if (url === undefined) {
    problems.push("url must be an http(s) URL on a loopback address (the sandbox posts nowhere else)")
  }
  const secret = typeof b.secret === "string" && b.secret !== "" ? b.secret : undefined
  if (secret === undefined) problems.push("secret is required")
  const given = b.actions === undefined ? [recallCompletedAction] : b.actions
  const actions = Array.isArray(given) && given.every((a) => typeof a === "string") ? given : undefined
  if (actions === undefined) problems.push("actions must be a list of strings")
  return url === undefined || secret === undefined || actions === undefined
    ? Either.left(problems.join("; "))
    : Either.right({ url, secret: Redacted.make(secret), actions, enabled: b.enabled !== false })
}

interface Registry {
  readonly nextId: number
  readonly webhooks: ReadonlyArray<StoredWebhook>
}

const emptyRegistry: Registry = { nextId: 1, webhooks: [] }

/**
 * The registered webhooks.
 */
export interface Webhooks {
  readonly register: (registration: WebhookRegistration) => Effect.Effect<StoredWebhook>
  readonly all: Effect.Effect<ReadonlyArray<StoredWebhook>>
  readonly reset: Effect.Effect<void>
}

/**
 * An empty registry.
 */
export const makeWebhooks: Effect.Effect<Webhooks> = Effect.map(Ref.make(emptyRegistry), (ref) => ({
  register: ({ actions, enabled, secret, url }) =>
    Ref.modify(ref, (registry) => {
      const webhook: StoredWebhook = { id: registry.nextId, url, secret, actions, format: "json", enabled }
      return [webhook, { nextId: registry.nextId + 1, webhooks: [...registry.webhooks, webhook] }]
    }),
  all: Effect.map(Ref.get(ref), (registry) => registry.webhooks),
  reset: Ref.set(ref, emptyRegistry)
}))
