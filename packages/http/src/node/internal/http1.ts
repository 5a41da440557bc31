/**
 * A small HTTP/1.1 client for one job: GET a media file and write its body straight to disk.
 *
 * Why not undici or `node:http` here: on the project's benchmark both moved a 256 MiB video at 0.6–0.75 × the
 * speed of `curl`, and a first download grew the process by 40–65 MiB. Both allocate a fresh buffer for
 * every socket read and pass it through a parser and a stream machinery. This reader lets the socket fill one
 * reused buffer (`onread`, for TCP and TLS alike), parses only the response head, and writes body bytes from
 * that buffer straight to the file (or, on a slow disk, through two 1 MiB batches on the thread pool; see
 * `BatchWriter`): no copy, a few system calls per MiB, and a fixed 256 KiB of memory per download.
 *
 * Scope: `GET` with one connection per request (`connection: close`), `content-length`, `chunked` and
 * read-until-close bodies, interim (1xx) answers skipped, idle timeout. Redirects are followed by the caller.
 */
import { close as closeFd, constants as fsConstants, open as openFd, write as writeFd, writeSync } from "node:fs"
import { connect as netConnect, isIP, type Socket, type TcpNetConnectOpts } from "node:net"
import { connect as tlsConnect, type ConnectionOptions } from "node:tls"

/** `O_NOFOLLOW` where the system has it (not on Windows, whose links need rights to make). */
const noFollow = fsConstants.O_NOFOLLOW ?? 0
const appendFlags = fsConstants.O_WRONLY | fsConstants.O_CREAT | fsConstants.O_APPEND
const replaceFlags = fsConstants.O_WRONLY | fsConstants.O_CREAT | fsConstants.O_TRUNC

const readBufferBytes = 256 * 1024
const batchBytes = 1024 * 1024
/** A synchronous write slower than this ends synchronous writing for the rest of a body (see `BatchWriter`). */
const defaultSlowWriteMillis = 20
const maxHeadBytes = 64 * 1024
const maxLineBytes = 4096

/** The request never got a complete answer head: no connection, a broken one, a timeout or a malformed answer. */
export class RequestFailure {
  constructor(
    readonly detail: string,
    /** False only when no connection was made, so the server cannot have seen the request. */
    readonly requestSent: boolean,
    readonly timedOut: boolean
  ) {}
}

/** Why a body stopped before its end: the connection (`read`) or this machine's file system (`write`). */
export interface BodyFailure {
  readonly side: "read" | "write"
  readonly message: string
}

/** Options of {@link request}. */
export interface RequestOptions {
  /** Longest silence on the connection, in milliseconds (connecting, waiting for the head, between reads). */
  readonly idleTimeoutMillis: number
  /** Extra TLS options for `https` URLs (a private CA, say). */
  readonly tls?: ConnectionOptions | undefined
  /** Aborting before the head has arrived destroys the connection and rejects. */
  readonly signal?: AbortSignal | undefined
  /** A synchronous write slower than this sends the rest of the body through the thread pool (default 20 ms). */
  readonly slowWriteMillis?: number | undefined
}

/** Lower-case header names; repeated headers joined with ", ". */
export type HeadMap = Record<string, string>

/** One answer whose head has been read. The body stays on the connection until {@link Exchange.saveTo}. */
export interface Exchange {
  readonly status: number
  readonly headers: HeadMap
  /**
   * Writes the body to `path` (appending or truncating), calling `onBytes` with the running count of body
   * bytes. Resolves once the file is closed, with the failure if the body did not arrive whole.
   */
  readonly saveTo: (path: string, append: boolean, onBytes: (received: number) => void) => Promise<
    BodyFailure | undefined
  >
  /** Closes the connection (and, during `saveTo`, ends it with a `read` failure). Safe to call at any time. */
  readonly close: () => void
}

const codeOf = (e: unknown): string | undefined =>
  typeof e === "object" && e !== null && "code" in e && typeof e.code === "string" ? e.code : undefined

const describe = (e: unknown): string => codeOf(e) ?? (e instanceof Error ? e.message : String(e))

/** How the body is delimited (RFC 9112 §6.3). */
type Framing =
  | { readonly kind: "none" }
  | { readonly kind: "length"; remaining: number }
  | { readonly kind: "close" }
  | { readonly kind: "chunked"; readonly decoder: ChunkedDecoder }

/**
 * Decodes `transfer-encoding: chunked`, byte by byte at chunk boundaries and in bulk inside chunks. Extensions
 * and trailers are read and dropped.
 */
export class ChunkedDecoder {
  private state: "size" | "data" | "data-end" | "trailer" | "done" = "size"
  private remaining = 0
  private line = ""

  get done(): boolean {
    return this.state === "done"
  }

  /** Feeds `buf[start, end)`, handing data to `emit`. Returns an error message when the encoding is broken. */
  feed(buf: Uint8Array, start: number, end: number, emit: (buf: Uint8Array, s: number, e: number) => void) {
    let i = start
    while (i < end && this.state !== "done") {
      if (this.state === "data") {
        const n = Math.min(this.remaining, end - i)
        emit(buf, i, i + n)
        i += n
        this.remaining -= n
        if (this.remaining === 0) this.state = "data-end"
        continue
      }
      // The other states read lines.
      const byte = buf[i++]!
      if (byte !== 0x0a) {
        if (this.line.length >= maxLineBytes) return "a chunk header line is too long"
        this.line += String.fromCharCode(byte)
        continue
      }
      const line = this.line.endsWith("\r") ? this.line.slice(0, -1) : this.line
      this.line = ""
      switch (this.state) {
        case "size": {
          const size = line.split(";", 1)[0]!.trim()
          if (!/^[0-9a-fA-F]{1,12}$/.test(size)) return `a chunk size is not hexadecimal: ${JSON.stringify(size)}`
          this.remaining = parseInt(size, 16)
          this.state = this.remaining === 0 ? "trailer" : "data"
          break
        }
        case "data-end":
          if (line !== "") return "a chunk is longer than its size"
          this.state = "size"
          break
        case "trailer":
          if (line === "") this.state = "done"
          break
      }
    }
    return undefined
  }
}

/** Parses an answer head (without its blank line). */
const parseHead = (text: string): { status: number; headers: HeadMap } | string => {
  const lines = text.split("\r\n")
  const statusLine = /^HTTP\/1\.[01] (\d{3})(?: |$)/.exec(lines[0]!)
  if (statusLine === null) {
    return `the answer does not start with an HTTP/1.1 status line: ${JSON.stringify(lines[0]!.slice(0, 40))}`
  }
  const headers: HeadMap = Object.create(null) // a header named `constructor` is just a header
  for (const line of lines.slice(1)) {
    const colon = line.indexOf(":")
    const name = colon > 0 ? line.slice(0, colon) : ""
    if (!/^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/.test(name)) {
      return `the answer has a malformed header line: ${JSON.stringify(line.slice(0, 40))}`
    }
    const key = name.toLowerCase()
    const value = line.slice(colon + 1).trim()
    headers[key] = headers[key] === undefined ? value : `${headers[key]}, ${value}`
  }
  return { status: Number(statusLine[1]), headers }
}

/**
 * How the body is framed. A repeated but equal `content-length` is folded into one value in `headers`, so
 * that callers reading it see a number.
 */
const framingOf = (status: number, headers: HeadMap): Framing | string => {
  if (status === 204 || status === 304) return { kind: "none" }
  const te = headers["transfer-encoding"]
  if (te !== undefined) {
    // Only chunked: any other coding (gzip…) would be saved still encoded, as if it were the media.
    const codings = te.split(",").map((c) => c.trim().toLowerCase()).filter((c) => c !== "" && c !== "identity")
    if (codings.length === 1 && codings[0] === "chunked") return { kind: "chunked", decoder: new ChunkedDecoder() }
    if (codings.length === 0) return { kind: "close" }
    return `the answer uses a transfer-encoding this client does not decode: ${te}`
  }
  const cl = headers["content-length"]
  if (cl !== undefined) {
    const values = [...new Set(cl.split(",").map((v) => v.trim()))]
    if (values.length !== 1 || !/^\d{1,15}$/.test(values[0]!)) return `the answer has an invalid content-length: ${cl}`
    headers["content-length"] = values[0]!
    return { kind: "length", remaining: Number(values[0]) }
  }
  return { kind: "close" }
}

/**
 * Writes the body to the file. While the disk keeps up, each piece read is written at once with a synchronous
 * write, as `curl` does: on this project's 2-core benchmark that ran 10–15 % faster than handing 1 MiB batches
 * to Node's thread pool (a third busy thread beside the reader and the server, and every byte copied once more),
 * and it holds no batch memory. A write into the page cache takes well under a millisecond; one that takes
 * longer than `slowWriteMillis` (20 ms) means a slow disk (or a network file system), where blocking the event
 * loop would stall everything else in the process, so the rest of that body goes through two batches taking
 * turns on the thread pool: bytes are copied into one while the other is being written. `push` never fails;
 * `mayContinue` tells the reader whether to keep reading or pause until a write is done.
 *
 * A batch is allocated when first needed, no bigger than the bytes still expected (when the answer says how
 * many): a 16 KiB file costs 16 KiB here, not two 1.25 MiB batches (which, for many small files at once, was
 * most of the process's garbage).
 */
class BatchWriter {
  private readonly batches: [Buffer | undefined, Buffer | undefined] = [undefined, undefined]
  private current = 0
  private fill = 0
  private writing = false
  private waiters: Array<() => void> = []
  failure: string | undefined

  /** Whether pieces are still written at once (until a write is slow). */
  private direct = true

  /** `expected`: the body's bytes still to come, when known. */
  constructor(
    private readonly fd: number,
    private readonly slowWriteMillis: number,
    private readonly expected?: () => number | undefined
  ) {}

  private allocate(): Buffer {
    const left = this.expected?.()
    return Buffer.allocUnsafe(
      left === undefined ? batchBytes + readBufferBytes : Math.min(left, batchBytes + readBufferBytes)
    )
  }

  push(buf: Uint8Array, start: number, end: number) {
    if (this.direct) return this.writeNow(buf, start, end)
    const n = end - start
    let target = this.batches[this.current] ??= this.allocate()
    if (this.fill + n > target.length) {
      // Only when more than one read arrived without a check in between; grow this batch rather than lose bytes.
      const bigger = Buffer.allocUnsafe(this.fill + n + batchBytes)
      target.copy(bigger, 0, 0, this.fill)
      this.batches[this.current] = target = bigger
    }
    target.set(buf.subarray(start, end), this.fill)
    this.fill += n
  }

  /** Starts writing a full batch when it can; false when both are busy and the reader must wait ({@link drained}). */
  mayContinue(): boolean {
    if (this.fill < batchBytes) return true
    if (this.writing) return false
    this.writeCurrent()
    return true
  }

  /** Resolves when no write is in flight. */
  drained(): Promise<void> {
    return this.writing ? new Promise((resolve) => this.waiters.push(resolve)) : Promise.resolve()
  }

  /** Writes everything gathered; resolves when it is on disk (or failed). */
  async flush(): Promise<void> {
    await this.drained()
    if (this.fill > 0 && this.failure === undefined) {
      this.writeCurrent()
      await this.drained()
    }
  }

  /** Writes `buf[start, end)` before returning; a slow write sends the rest of the body through the batches. */
  private writeNow(buf: Uint8Array, start: number, end: number) {
    if (this.failure !== undefined) return
    const started = performance.now()
    try {
      for (let at = start; at < end;) {
        const written = writeSync(this.fd, buf, at, end - at)
        // A file that takes nothing (no error, no progress) would otherwise loop here for ever.
        if (written <= 0) throw new Error("the file took no bytes")
        at += written
      }
    } catch (error) {
      this.failure = error instanceof Error ? error.message : String(error)
    }
    if (performance.now() - started > this.slowWriteMillis) this.direct = false
  }

  private writeCurrent() {
    const batch = this.batches[this.current]!
    const length = this.fill
    this.current ^= 1
    this.fill = 0
    this.writing = true
    const done = (error: NodeJS.ErrnoException | null) => {
      if (error !== null) this.failure ??= error.message
      this.writing = false
      const waiters = this.waiters
      this.waiters = []
      for (const w of waiters) w()
    }
    const writeFrom = (offset: number) =>
      writeFd(this.fd, batch, offset, length - offset, null, (error, written) => {
        if (error !== null || offset + written >= length) return done(error)
        if (written <= 0) return done(Object.assign(new Error("the file took no bytes"), { code: "EIO" }))
        writeFrom(offset + written) // a short write: the rest
      })
    if (this.failure !== undefined) done(null)
    else writeFrom(0)
  }
}

/**
 * Read buffers of closed connections, kept for the next downloads: many small files at once would otherwise each
 * allocate (and leave to the garbage collector) a 256 KiB buffer. At most a few are kept.
 */
const spareReadBuffers: Array<Buffer> = []
const maxSpareReadBuffers = 4

/** Headers this reader sets itself; the caller's are ignored. */
const ownHeaders = new Set(["host", "connection", "accept-encoding", "content-length", "transfer-encoding"])

type Phase = "connecting" | "head" | "held" | "opening" | "body" | "finished"

/**
 * Sends `GET url` with `headers` and resolves when the answer's head has arrived (interim 1xx answers are
 * skipped). Rejects with a {@link RequestFailure}.
 */
export const request = (
  url: URL,
  headers: Readonly<Record<string, string>>,
  options: RequestOptions
): Promise<Exchange> =>
  new Promise((resolve, reject) => {
    const secure = url.protocol === "https:"
    if (!secure && url.protocol !== "http:") {
      return reject(new RequestFailure(`cannot download over ${url.protocol}`, false, false))
    }
    const lines = [
      `GET ${url.pathname}${url.search} HTTP/1.1`,
      `host: ${url.host}`,
      "accept-encoding: identity",
      "connection: close"
    ]
    for (const [name, value] of Object.entries(headers)) {
      if (!/^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/.test(name) || /[\r\n\0]/.test(value)) {
        return reject(new RequestFailure(`the header ${JSON.stringify(name)} is not a valid header`, false, false))
      }
      if (!ownHeaders.has(name.toLowerCase())) lines.push(`${name}: ${value}`)
    }
    const requestText = `${lines.join("\r\n")}\r\n\r\n`
    const idle = options.idleTimeoutMillis

    let phase: Phase = "connecting"
    // The head gathers in a buffer that doubles when full, searched only where the terminator can newly be.
    let head = Buffer.allocUnsafe(4096)
    let headLength = 0
    let searchFrom = 0
    let held: Array<Buffer> = [] // body bytes read before the body was asked for
    let endedCleanly = false // the server closed its side ('end')
    let closed = false // the socket is gone, for whatever reason
    let brokenBy: string | undefined // an error while the body waited to be asked for
    let framing: Framing = { kind: "close" }
    let received = 0
    let writer: BatchWriter | undefined
    let onBytes: (received: number) => void = () => {}
    let finishBody: (failure: BodyFailure | undefined) => void = () => {}
    let defect: { readonly error: unknown } | undefined // a throwing `onBytes`

    const fail = (failure: RequestFailure) => {
      if (phase === "connecting" || phase === "head") {
        phase = "finished"
        socket.destroy()
        reject(failure)
      }
    }
    const cut = (why: string): BodyFailure => ({ side: "read", message: `${why} after ${received} bytes` })

    const complete = () =>
      framing.kind === "none" ||
      (framing.kind === "length" && framing.remaining === 0) ||
      (framing.kind === "chunked" && framing.decoder.done)

    /** Hands body bytes to the file; ends the body when its framing says it is complete. */
    const consume = (buf: Uint8Array, start: number, end: number): void => {
      const w = writer!
      const emit = (b: Uint8Array, s: number, e: number) => {
        w.push(b, s, e)
        received += e - s
      }
      switch (framing.kind) {
        case "none":
          break
        case "close":
          emit(buf, start, end)
          break
        case "length": {
          const n = Math.min(framing.remaining, end - start)
          emit(buf, start, start + n)
          framing.remaining -= n
          break
        }
        case "chunked": {
          const broken = framing.decoder.feed(buf, start, end, emit)
          if (broken !== undefined) {
            return finishBody({ side: "read", message: `the media server's chunked body is broken: ${broken}` })
          }
          break
        }
      }
      try {
        onBytes(received)
      } catch (error) {
        defect = { error }
        return finishBody(cut("the progress callback threw"))
      }
      if (complete()) finishBody(undefined)
    }

    /** Reads on once the writer has room (or ends the body if the disk failed). */
    const continueReading = () => {
      if (phase !== "body") return
      if (writer!.failure !== undefined) return finishBody(undefined)
      writer!.mayContinue()
      socket.setTimeout(idle)
      socket.resume()
    }

    /** The server closed its side while the body was being read (or before it was asked for). */
    const onEnd = () => finishBody(framing.kind === "close" ? undefined : cut("the connection closed"))

    const onRead = (n: number, buf: Buffer): boolean => {
      switch (phase) {
        case "head": {
          if (headLength + n > head.length) {
            const bigger = Buffer.allocUnsafe(Math.max(head.length * 2, headLength + n))
            head.copy(bigger, 0, 0, headLength)
            head = bigger
          }
          buf.copy(head, headLength, 0, n)
          headLength += n
          for (;;) {
            const end = head.subarray(0, headLength).indexOf("\r\n\r\n", searchFrom)
            searchFrom = Math.max(0, headLength - 3)
            if (end < 0 ? headLength > maxHeadBytes : end > maxHeadBytes) {
              fail(new RequestFailure("the answer's head is larger than 64 KiB", true, false))
              return false
            }
            if (end < 0) return true
            const parsed = parseHead(head.subarray(0, end).toString("latin1"))
            if (typeof parsed === "string") {
              fail(new RequestFailure(parsed, true, false))
              return false
            }
            const rest = head.subarray(end + 4, headLength)
            if (parsed.status < 200) {
              // An interim answer: the real one follows, maybe already in these bytes.
              head.copy(head, 0, end + 4, headLength)
              headLength = rest.length
              searchFrom = 0
              continue
            }
            const f = framingOf(parsed.status, parsed.headers)
            if (typeof f === "string") {
              fail(new RequestFailure(f, true, false))
              return false
            }
            framing = f
            phase = "held"
            if (rest.length > 0) held.push(Buffer.from(rest))
            head = Buffer.alloc(0)
            headLength = 0
            socket.setTimeout(0) // the caller decides when the body is read
            resolve(exchange(parsed.status, parsed.headers))
            return false
          }
        }
        case "held":
        case "opening":
          held.push(Buffer.from(buf.subarray(0, n)))
          return false
        case "body": {
          consume(buf, 0, n)
          if (phase !== "body") return false
          if (writer!.failure !== undefined) {
            finishBody(undefined) // the disk refused a write: reading on would be wasted
            return false
          }
          if (writer!.mayContinue()) return true
          // Both batches are busy: stop reading until the disk catches up.
          socket.setTimeout(0)
          void writer!.drained().then(continueReading)
          return false
        }
        default:
          return false
      }
    }

    const host = url.hostname.startsWith("[") ? url.hostname.slice(1, -1) : url.hostname
    const port = Number(url.port || (secure ? 443 : 80))
    const onread = { buffer: spareReadBuffers.pop() ?? Buffer.allocUnsafe(readBufferBytes), callback: onRead }
    // Node reads into `onread` for TLS too (since v15); its type declarations only list it for TCP.
    const tlsOptions: ConnectionOptions & Pick<TcpNetConnectOpts, "onread"> = {
      ...options.tls,
      host,
      port,
      ...(isIP(host) === 0 ? { servername: host } : {}),
      ALPNProtocols: ["http/1.1"],
      onread
    }
    const socket: Socket = secure ? tlsConnect(tlsOptions) : netConnect({ host, port, onread })
    socket.setNoDelay(true)
    socket.setTimeout(idle)
    const onAbort = () => {
      // Also once the head is in: the caller stopped before it could take the exchange, so nobody will close it.
      if (phase === "held") {
        phase = "finished"
        socket.destroy()
      } else {
        fail(new RequestFailure("the request was stopped", phase !== "connecting", false))
      }
    }
    options.signal?.addEventListener("abort", onAbort, { once: true })
    socket.once("close", () => {
      options.signal?.removeEventListener("abort", onAbort)
      // Closed: no read lands in it any more (every byte taken from it was copied out).
      if (spareReadBuffers.length < maxSpareReadBuffers) spareReadBuffers.push(onread.buffer)
    })
    socket.once(secure ? "secureConnect" : "connect", () => {
      phase = "head"
      socket.write(requestText)
    })
    socket.on("timeout", () => {
      if (phase === "body") finishBody(cut(`the media server went silent for ${idle} ms`))
      else fail(new RequestFailure(`no answer within ${idle} ms`, phase !== "connecting", true))
    })
    socket.on("error", (e) => {
      if (phase === "body") finishBody(cut(`the connection broke (${describe(e)})`))
      else if (phase === "held" || phase === "opening") {
        brokenBy ??= describe(e)
        socket.destroy()
      } else fail(new RequestFailure(describe(e), phase !== "connecting", false))
    })
    socket.on("end", () => {
      endedCleanly = true
      if (phase === "body") onEnd()
      else fail(new RequestFailure("the media server closed the connection without answering", true, false))
    })
    socket.on("close", () => {
      closed = true
      if (phase === "body") finishBody(cut("the connection closed"))
      else fail(new RequestFailure("the connection closed without an answer", phase !== "connecting", false))
    })

    const exchange = (status: number, headers: HeadMap): Exchange => ({
      status,
      headers,
      close: () => {
        if (phase === "body") finishBody(cut("the download was stopped"))
        phase = "finished"
        socket.destroy()
      },
      saveTo: (path, append, progress) =>
        new Promise((resolveBody, rejectBody) => {
          if (phase !== "held") return resolveBody({ side: "read", message: "the connection is already closed" })
          phase = "opening"
          onBytes = progress
          const opened = (openError: NodeJS.ErrnoException | null, fd: number) => {
            if (openError !== null) {
              phase = "finished"
              socket.destroy()
              return resolveBody({ side: "write", message: openError.message })
            }
            const w = writer = new BatchWriter(
              fd,
              options.slowWriteMillis ?? defaultSlowWriteMillis,
              () => framing.kind === "length" ? framing.remaining : framing.kind === "none" ? 0 : undefined
            )
            let settled = false
            finishBody = (failure) => {
              if (settled) return
              settled = true
              phase = "finished"
              socket.destroy()
              void w.flush().then(() =>
                closeFd(fd, (closeError) => {
                  const writeFailure = w.failure ?? closeError?.message
                  if (defect !== undefined) rejectBody(defect.error)
                  else resolveBody(writeFailure !== undefined ? { side: "write", message: writeFailure } : failure)
                })
              )
            }
            if (phase !== "opening") return finishBody(cut("the download was stopped"))
            phase = "body"
            const early = held
            held = []
            for (const piece of early) {
              consume(piece, 0, piece.length)
              if (phase !== "body") return
            }
            if (complete()) return finishBody(undefined)
            if (brokenBy !== undefined) return finishBody(cut(`the connection broke (${brokenBy})`))
            if (endedCleanly) return onEnd()
            if (closed) return finishBody(cut("the connection closed"))
            void w.drained().then(continueReading)
          }
          try {
            // Never through a symbolic link (one planted at the partial file by another user of a shared folder
            // would have the media written into whatever it points to): opening one fails, ELOOP.
            openFd(path, (append ? appendFlags : replaceFlags) | noFollow, 0o666, opened)
          } catch (error) {
            // A path Node refuses outright (a NUL byte in it, say).
            phase = "finished"
            socket.destroy()
            resolveBody({ side: "write", message: error instanceof Error ? error.message : String(error) })
          }
        })
    })
  })
