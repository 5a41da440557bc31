/**
 * Company webhooks: registrations and the events Motive posts [docs: company-webhooks-overview].
 *
 * @since 0.1.0
 */
import { Schema } from "effect"

/**
 * The `action` of a recall-completion event [assumed, `motive-api.md`].
 *
 * @since 0.1.0
 */
export const recallCompletedAction = "video_recall_request_completed"

/**
 * A webhook event: `action` and, for request events, the `id` (integer or numeric string). The event is a
 * trigger: fetch the details from the API, which is the source of truth. Other fields are ignored.
 *
 * @since 0.1.0
 */
export const WebhookEvent = Schema.Struct({
  action: Schema.String,
  id: Schema.optional(Schema.NullOr(Schema.Union(Schema.Int, Schema.String)))
})

/**
 * @since 0.1.0
 */
export type WebhookEvent = typeof WebhookEvent.Type

/**
 * The recall a completion event names: its `id` as a positive whole number, or a string of decimal digits (`"42"`);
 * `undefined` for another action, or an id that is neither (`"0x10"`, `"1e2"`, `4.5`: never read as another
 * recall's number).
 *
 * @since 0.1.0
 */
export const completedRecallId = (event: WebhookEvent): number | undefined => {
  if (event.action !== recallCompletedAction) return undefined
  const id = typeof event.id === "number" ? event.id : typeof event.id === "string" && /^\d+$/.test(event.id)
    ? Number(event.id)
    : NaN
  return Number.isSafeInteger(id) && id > 0 ? id : undefined
}

/**
 * A registered company webhook as the API reports it (the secret is never echoed back by the sandbox).
 *
 * @since 0.1.0
 */
export const CompanyWebhook = Schema.Struct({
  id: Schema.Int,
  url: Schema.String,
  format: Schema.optional(Schema.NullOr(Schema.String)),
  actions: Schema.optionalWith(Schema.Array(Schema.String), { default: () => [], nullable: true }),
  enabled: Schema.optionalWith(Schema.Boolean, { default: () => true, nullable: true })
})

/**
 * @since 0.1.0
 */
export type CompanyWebhook = typeof CompanyWebhook.Type

/**
 * Body of `POST /v1/company_webhooks` [assumed field names].
 *
 * @since 0.1.0
 */
export const CompanyWebhookBody = Schema.Struct({
  url: Schema.String,
  secret: Schema.String,
  format: Schema.optional(Schema.Literal("json")),
  actions: Schema.Array(Schema.String),
  enabled: Schema.optional(Schema.Boolean)
})

/**
 * @since 0.1.0
 */
export type CompanyWebhookBody = typeof CompanyWebhookBody.Type
