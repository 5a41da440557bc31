/** The signature on every webhook the sandbox posts. */
import { createHmac } from "node:crypto"

/**
 * The `X-KT-Webhook-Signature` of a body: hex HMAC-SHA1 of the raw bytes, keyed with the webhook's secret
 * [docs: company-webhooks-overview].
 */
export const signWebhookBody = (body: string | Uint8Array, secret: string): string =>
  createHmac("sha1", secret).update(body).digest("hex")
