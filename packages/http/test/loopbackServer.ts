/** A loopback HTTP server for the Node transports' tests. */
import { Effect } from "effect"
import { createServer, type IncomingMessage, type ServerResponse } from "node:http"
import type { Server, Socket } from "node:net"

/** Listens on 127.0.0.1, port 0, for the scope; returns the port. Closing drops an HTTP server's connections. */
export const listening = (server: Server) =>
  Effect.acquireRelease(
    Effect.async<number>((resume) => {
      server.listen(0, "127.0.0.1", () => {
        const address = server.address()
        resume(Effect.succeed(typeof address === "object" && address !== null ? address.port : 0))
      })
    }),
    () =>
      Effect.async<void>((resume) => {
        if ("closeAllConnections" in server && typeof server.closeAllConnections === "function") {
          server.closeAllConnections()
        }
        server.close(() => resume(Effect.void))
      })
  )

/** A request the server received. */
export interface Received {
  readonly method: string
  readonly headers: IncomingMessage["headers"]
  readonly body: Buffer
}

/**
 * A loopback server answering with `handler`, recording each request (with its whole body) and how many
 * connections were opened; `closed` resolves when a connection closes.
 */
export const serverWith = (handler: (req: IncomingMessage, res: ServerResponse, socket: Socket) => void) =>
  Effect.acquireRelease(
    Effect.async<{
      readonly url: string
      readonly received: Array<Received>
      readonly connections: () => number
      readonly closed: Promise<void>
      readonly close: () => void
    }>((resume) => {
      const received: Array<Received> = []
      let connections = 0
      let onClosed: () => void = () => {}
      const closed = new Promise<void>((resolve) => (onClosed = resolve))
      const server = createServer((req, res) => {
        const pieces: Array<Buffer> = []
        req.on("data", (p: Buffer) => pieces.push(p))
        req.on("end", () => {
          received.push({ method: req.method ?? "", headers: req.headers, body: Buffer.concat(pieces) })
          handler(req, res, req.socket)
        })
      })
      server.on("connection", (socket) => {
        connections++
        socket.once("close", onClosed)
      })
      server.listen(0, "127.0.0.1", () => {
        const address = server.address()
        const port = typeof address === "object" && address !== null ? address.port : 0
        resume(Effect.succeed({
          url: `http://127.0.0.1:${port}/path?q=1`,
          received,
          connections: () => connections,
          closed,
          close: () => {
            server.closeAllConnections()
            server.close()
          }
        }))
      })
    }),
    (s) => Effect.sync(() => s.close())
  )

/** Answers `{"ok":true}` as JSON. */
export const json = (res: ServerResponse) => {
  res.setHeader("content-type", "application/json")
  res.end(JSON.stringify({ ok: true }))
}

/** Answers 100 bytes' length, sends 7, and drops the connection. */
export const cutMidBody = (_req: IncomingMessage, res: ServerResponse, socket: Socket) => {
  res.setHeader("content-length", "100")
  res.write("partial")
  setTimeout(() => socket.destroy(), 20)
}

/** Answers 10 bytes' length, sends 5, and then nothing, keeping the connection open. */
export const stallsMidBody = (_req: IncomingMessage, res: ServerResponse) => {
  res.setHeader("content-length", "10")
  res.write("12345")
}

/** A slow but steady body: `piece ` five times, then `end`, 100 ms apart (600 ms in all, never silent for long). */
export const steadyBody = (_req: IncomingMessage, res: ServerResponse) => {
  let sent = 0
  const tick = setInterval(() => {
    if (++sent === 6) {
      clearInterval(tick)
      res.end("end")
    } else res.write("piece ")
  }, 100)
}
