/** Pre-signed media URLs, S3-style: a path, an expiry and an HMAC over both, checked on every download. */
import { type CameraPosition, isCameraPosition } from "@effect-motive/domain"
import { createHmac, randomBytes, timingSafeEqual } from "node:crypto"

/**
 * The path of each media kind.
 */
export const mediaPaths = {
  video: (recallId: number, position: string) => `/media/recalls/${recallId}/${position}.mp4`,
  image: (requestId: number, position: string) => `/media/images/${requestId}/${position}.jpg`
}

/**
 * Signs media URLs for one running sandbox: its base URL and a secret drawn when it starts.
 */
export interface MediaSigner {
  readonly baseUrl: string
  readonly secret: Uint8Array
}

/**
 * A signer with a fresh secret.
 */
export const makeMediaSigner = (baseUrl: string): MediaSigner => ({ baseUrl, secret: randomBytes(32) })

const signature = (signer: MediaSigner, path: string, expires: number): string =>
  createHmac("sha256", signer.secret).update(`${path}\n${expires}`).digest("hex")

/**
 * The URL of `path`, valid until `expires` (epoch ms).
 */
export const signedUrl = (signer: MediaSigner, path: string, expires: number): string =>
  `${signer.baseUrl}${path}?expires=${expires}&signature=${signature(signer, path, expires)}`

/**
 * Checks a media URL's signature and expiry, S3-style.
 */
export const checkMediaUrl = (
  signer: MediaSigner,
  path: string,
  query: Readonly<Record<string, string>>,
  now: number
): "ok" | "forged" | "expired" => {
  const expires = Number(query.expires)
  const given = Buffer.from(query.signature ?? "", "utf8")
  const expected = Buffer.from(signature(signer, path, expires), "utf8")
  if (!Number.isFinite(expires) || given.length !== expected.length || !timingSafeEqual(given, expected)) {
    return "forged"
  }
  return now > expires ? "expired" : "ok"
}

/**
 * What a media path names: one recalled camera's video, or one captured image.
 */
export type MediaTarget =
  | { readonly kind: "video"; readonly recallId: number; readonly position: CameraPosition }
  | { readonly kind: "image"; readonly requestId: number; readonly position: string }

/**
 * Reads a media path.
 */
export const mediaTargetOf = (path: string): MediaTarget | undefined => {
  const video = path.match(/^\/media\/recalls\/(\d+)\/([a-z_]+)\.mp4$/)
  if (video !== null) {
    const position = video[2]
    return isCameraPosition(position) ? { kind: "video", recallId: Number(video[1]), position } : undefined
  }
  const image = path.match(/^\/media\/images\/(\d+)\/([a-z_]+)\.jpg$/)
  return image === null ? undefined : { kind: "image", requestId: Number(image[1]), position: image[2]! }
}
