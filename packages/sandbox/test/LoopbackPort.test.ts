import { afterEach, describe, expect, it, vi } from "@effect/vitest"
import { createServer, type Server } from "node:net"
import { freeLoopbackPort, portRange } from "../src/LoopbackPort.js"

const listenOn = (port: number) =>
  new Promise<Server>((resolve, reject) => {
    const server = createServer()
    server.once("error", reject)
    server.listen(port, "127.0.0.1", () => resolve(server))
  })

const close = (server: Server) => new Promise<void>((resolve) => server.close(() => resolve()))

describe("freeLoopbackPort", () => {
  afterEach(() => {
    vi.restoreAllMocks()
  })

  it("gives a port below the ephemeral range that can be listened on", async () => {
    const port = await freeLoopbackPort()
    expect(port).toBeGreaterThanOrEqual(portRange.from)
    expect(port).toBeLessThan(portRange.to)
    await close(await listenOn(port))
  })

  it("draws again while the port drawn is taken", async () => {
    const takenPort = await freeLoopbackPort()
    const taken = await listenOn(takenPort)
    try {
      const freePort = await freeLoopbackPort()
      // The first draw lands on the taken port, the second on a free one.
      const draws = [takenPort, freePort].map((p) => (p - portRange.from + 0.5) / (portRange.to - portRange.from))
      vi.spyOn(Math, "random").mockImplementation(() => draws.shift() ?? 0.5)
      expect(await freeLoopbackPort()).toBe(freePort)
    } finally {
      await close(taken)
    }
  })
})
