/** What the emulated API answers, before it becomes an HTTP response. */
import type { VideoBytes } from "../Media.js"

/**
 * A JSON answer: status, body and extra headers.
 */
export interface ApiAnswer {
  readonly _tag: "Json"
  readonly status: number
  readonly body: unknown
  readonly headers?: Readonly<Record<string, string>>
}

/**
 * A media answer, in S3's manner: an XML error, or the bytes of a video or an image (possibly cut short by a
 * `truncate` fault).
 */
export type MediaAnswer =
  | { readonly _tag: "S3Error"; readonly status: number; readonly code: string; readonly message: string }
  | { readonly _tag: "Video"; readonly key: string; readonly video: VideoBytes; readonly truncateAfter?: number }
  | { readonly _tag: "Image"; readonly key: string; readonly truncateAfter?: number }

/**
 * Any answer a route gives.
 */
export type RouteAnswer = ApiAnswer | MediaAnswer

/**
 * A JSON answer.
 */
export const answer = (status: number, body: unknown, headers?: Readonly<Record<string, string>>): ApiAnswer =>
  headers === undefined ? { _tag: "Json", status, body } : { _tag: "Json", status, body, headers }

/**
 * A refusal: `{ error_message, ...extra }` (Motive does not document its error body; the client reads
 * `error_message`, and `code` / `id` where they matter). The one place error bodies are built.
 */
export const refuse = (
  status: number,
  message: string,
  extra: { readonly code?: string; readonly id?: number } = {}
): ApiAnswer => answer(status, { error_message: message, ...extra })
