/**
 * The media bytes the sandbox serves: deterministic videos of any size, and real JPEG images.
 *
 * @since 0.1.0
 */
import jpeg from "jpeg-js"
import { hashString, seededRandom } from "./internal/random.js"

const patternBytes = 1 << 20

/** An MP4 `ftyp` box (32 bytes): major brand isom, compatible isom/iso2/avc1/mp41. */
const ftyp = Uint8Array.from([
  0x00,
  0x00,
  0x00,
  0x20,
  0x66,
  0x74,
  0x79,
  0x70,
  0x69,
  0x73,
  0x6f,
  0x6d,
  0x00,
  0x00,
  0x02,
  0x00,
  0x69,
  0x73,
  0x6f,
  0x6d,
  0x69,
  0x73,
  0x6f,
  0x32,
  0x61,
  0x76,
  0x63,
  0x31,
  0x6d,
  0x70,
  0x34,
  0x31
])

/**
 * Deterministic video bytes: byte `i` of the video keyed `key` depends only on the seed, the key and `i`, so
 * any range can be produced on demand in constant memory and compared with what a client wrote.
 *
 * @since 0.1.0
 */
export class VideoBytes {
  private readonly pattern: Uint8Array

  constructor(
    seed: number,
    /** Size of every video, in bytes. */
    readonly size: number,
    readonly mp4Header: boolean
  ) {
    const random = seededRandom(seed)
    this.pattern = new Uint8Array(patternBytes)
    for (let i = 0; i < patternBytes; i += 4) {
      const word = Math.floor(random() * 4294967296)
      this.pattern[i] = word & 0xff
      this.pattern[i + 1] = (word >>> 8) & 0xff
      this.pattern[i + 2] = (word >>> 16) & 0xff
      this.pattern[i + 3] = (word >>> 24) & 0xff
    }
  }

  /** Bytes `[start, end)` of the video keyed `key`. */
  slice(key: string, start: number, end: number): Uint8Array {
    const from = Math.max(0, start)
    const to = Math.min(this.size, end)
    const out = new Uint8Array(Math.max(0, to - from))
    const shift = hashString(key) % patternBytes
    let written = 0
    let offset = from
    while (offset < to) {
      const p = (offset + shift) % patternBytes
      const n = Math.min(patternBytes - p, to - offset)
      out.set(this.pattern.subarray(p, p + n), written)
      written += n
      offset += n
    }
    if (this.mp4Header && from < ftyp.length) {
      const headerEnd = Math.min(ftyp.length, to)
      out.set(ftyp.subarray(from, headerEnd), 0)
    }
    return out
  }

  /** The whole video keyed `key` (for tests; servers stream {@link slice}s). */
  all(key: string): Uint8Array {
    return this.slice(key, 0, this.size)
  }

  /** A strong ETag for the video keyed `key`. */
  etag(key: string): string {
    return `"${hashString(`${key}:${this.size}:${this.mp4Header}`).toString(16)}-${this.size.toString(16)}"`
  }
}

/**
 * The media key of one recalled camera's video.
 *
 * @since 0.1.0
 */
export const videoKey = (recallId: number, position: string): string => `recall/${recallId}/${position}`

/**
 * The media key of a captured image.
 *
 * @since 0.1.0
 */
export const imageKey = (requestId: number, position: string): string => `image/${requestId}/${position}`

const jpegCache = new Map<string, Uint8Array>()

/**
 * A real baseline JPEG (320×180), a colour gradient that differs per key. Cached per key.
 *
 * @since 0.1.0
 */
export const jpegImage = (key: string): Uint8Array => {
  const cached = jpegCache.get(key)
  if (cached !== undefined) return cached
  const width = 320, height = 180
  const hue = hashString(key)
  const data = Buffer.alloc(width * height * 4)
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 4
      data[i] = (x + (hue & 0xff)) & 0xff
      data[i + 1] = (y + ((hue >>> 8) & 0xff)) & 0xff
      data[i + 2] = ((x + y) / 2 + ((hue >>> 16) & 0xff)) & 0xff
      data[i + 3] = 0xff
    }
  }
  const bytes = new Uint8Array(
    jpeg.encode({ data, width, height, comments: [`effect-motive sandbox ${key}`] }, 80).data
  )
  if (jpegCache.size > 256) jpegCache.clear()
  jpegCache.set(key, bytes)
  return bytes
}
