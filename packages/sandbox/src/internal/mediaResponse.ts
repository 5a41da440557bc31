/** Media as S3 serves it: byte ranges, ETags, XML errors, and a body cut short on request. */
import { HttpServerRequest, HttpServerResponse } from "@effect/platform"
import { NodeHttpServerRequest } from "@effect/platform-node"
import { Effect, Option, Stream } from "effect"
import { createHash } from "node:crypto"
import { jpegImage } from "../Media.js"
import type { MediaAnswer } from "./answers.js"

const CHUNK = 256 * 1024

/**
 * Cuts the connection: a TCP reset when the platform offers it, otherwise a plain destroy.
 */
export const cut = (request: HttpServerRequest.HttpServerRequest, reset: boolean): Effect.Effect<void> =>
  Effect.sync(() => {
    const socket = NodeHttpServerRequest.toIncomingMessage(request).socket
    if (reset && typeof socket.resetAndDestroy === "function") socket.resetAndDestroy()
    else socket.destroy()
  })

const s3Error = (status: number, code: string, message: string) =>
  HttpServerResponse.text(
    `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${message}</Message></Error>`,
    { status, contentType: "application/xml" }
  )

/**
 * Parses a single `Range: bytes=…` header against `size`. A range whose last byte comes before its first is
 * invalid, and ignored as S3 does (RFC 9110 §14.2 allows it): the whole body, 200. One that starts past the end
 * is unsatisfiable (416).
 */
export const parseRange = (
  header: string | undefined,
  size: number
): { readonly start: number; readonly end: number } | "unsatisfiable" | undefined => {
  if (header === undefined) return undefined
  const m = /^bytes=(\d*)-(\d*)$/.exec(header.trim())
  if (m === null || (m[1] === "" && m[2] === "")) return undefined
  if (m[1] === "") {
    const suffix = Number(m[2])
    return suffix === 0 || size === 0 ? "unsatisfiable" : { start: Math.max(0, size - suffix), end: size - 1 }
  }
  const start = Number(m[1])
  if (m[2] !== "" && Number(m[2]) < start) return undefined
  const end = m[2] === "" ? size - 1 : Math.min(Number(m[2]), size - 1)
  return start >= size ? "unsatisfiable" : { start, end }
}

const serveBytes = (
  request: HttpServerRequest.HttpServerRequest,
  options: {
    readonly size: number
    readonly etag: string
    readonly contentType: string
    readonly slice: (start: number, end: number) => Uint8Array
    readonly truncateAfter: number | undefined
  }
) => {
  const { etag, size } = options
  const ifRange = request.headers["if-range"]
  const range = ifRange !== undefined && ifRange !== etag ? undefined : parseRange(request.headers["range"], size)
  if (range === "unsatisfiable") {
    return HttpServerResponse.empty({ status: 416, headers: { "content-range": `bytes */${size}` } })
  }
  const start = range?.start ?? 0
  const endExclusive = range === undefined ? size : range.end + 1
  const cutAt = options.truncateAfter === undefined
    ? endExclusive
    : Math.min(endExclusive, start + options.truncateAfter)
  const body = Stream.unfold(start, (offset) =>
    offset >= cutAt
      ? Option.none()
      : Option.some([options.slice(offset, Math.min(offset + CHUNK, cutAt)), offset + CHUNK] as const))
  const stream = cutAt < endExclusive
    ? Stream.concat(
      body,
      Stream.drain(Stream.fromEffect(Effect.zipRight(Effect.sleep("50 millis"), cut(request, false))))
    )
    : body
  return HttpServerResponse.stream(stream, {
    status: range === undefined ? 200 : 206,
    contentType: options.contentType,
    contentLength: endExclusive - start,
    headers: {
      "accept-ranges": "bytes",
      etag,
      ...(range === undefined ? {} : { "content-range": `bytes ${start}-${range.end}/${size}` })
    }
  })
}

/**
 * The HTTP response for a media answer: an S3 XML error, or the bytes, honouring `Range` and `If-Range`.
 */
export const mediaResponse = (
  request: HttpServerRequest.HttpServerRequest,
  media: MediaAnswer
): HttpServerResponse.HttpServerResponse => {
  switch (media._tag) {
    case "S3Error":
      return s3Error(media.status, media.code, media.message)
    case "Image": {
      const bytes = jpegImage(media.key)
      return serveBytes(request, {
        size: bytes.length,
        // As S3's: the MD5 of the bytes, so that two images never share one (a partial file resumed with If-Range
        // from another capture's image would come out mixed).
        etag: `"${createHash("md5").update(bytes).digest("hex")}"`,
        contentType: "image/jpeg",
        slice: (a, b) => bytes.subarray(a, b),
        truncateAfter: media.truncateAfter
      })
    }
    case "Video": {
      const { key, video } = media
      return serveBytes(request, {
        size: video.size,
        etag: video.etag(key),
        contentType: "video/mp4",
        slice: (a, b) => video.slice(key, a, b),
        truncateAfter: media.truncateAfter
      })
    }
  }
}
