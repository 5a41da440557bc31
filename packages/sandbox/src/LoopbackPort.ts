/**
 * Free loopback ports for processes that must be told their port before they start (a runner's `--listen`, a
 * webhook receiver's `--webhook-port`, a database server), as tests and benchmarks need.
 *
 * @since 0.1.0
 */
import { createServer } from "node:net"

/**
 * The range the ports are drawn from: below Linux's ephemeral range (32768–60999, where port 0 and every
 * outgoing connection take theirs), so that no connection opened between the check and the use can hold it.
 *
 * @since 0.1.0
 */
export const portRange = { from: 20_000, to: 32_000 } as const

const canListen = (port: number) =>
  new Promise<boolean>((resolve) => {
    const server = createServer()
    server.once("error", () => resolve(false))
    server.listen(port, "127.0.0.1", () => server.close(() => resolve(true)))
  })

/**
 * A port in {@link portRange} that was free on 127.0.0.1 a moment ago, drawn at random so that processes
 * looking at once rarely pick the same one; tried again (up to 100 times) while the one drawn is taken.
 *
 * @since 0.1.0
 */
export const freeLoopbackPort = async (): Promise<number> => {
  for (let attempt = 0; attempt < 100; attempt++) {
    const port = portRange.from + Math.floor(Math.random() * (portRange.to - portRange.from))
    if (await canListen(port)) return port
  }
  throw new Error(`no free loopback port in ${portRange.from}–${portRange.to} after 100 tries`)
}
