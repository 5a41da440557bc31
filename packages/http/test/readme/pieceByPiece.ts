/** The README's third library snippet, verbatim between the markers; `Readme.test.ts` compiles and runs it. */
// README:begin
import { Motive, MotiveConfig, RequestGate, RetryPolicy } from "@effect-motive/http"
import { NodeMediaTransport } from "@effect-motive/http/node"
import { NodeContext, NodeHttpClient } from "@effect/platform-node"
import { Layer, Schedule } from "effect"

// Any HttpClient (each exchange is bounded by the request timeout), and a FileSystem for downloads.
const platform = Layer.merge(NodeHttpClient.layerUndici, NodeContext.layer)

const pieceByPiece = (settings: MotiveConfig.MotiveConfigInput) =>
  Motive.layerWithoutDefaults.pipe(
    Layer.provide(Layer.mergeAll(
      NodeMediaTransport.layer({ idleTimeout: "1 minute" }),
      // or media through that HttpClient: MediaTransport.layerHttpClient().pipe(Layer.provide(platform))
      RetryPolicy.fromSchedule(Schedule.exponential("500 millis").pipe(Schedule.intersect(Schedule.recurs(4)))),
      RequestGate.layerWith({ rateLimit: { requestsPerSecond: 5, burst: 5 }, maxConcurrency: 4 }),
      platform
    )),
    Layer.provideMerge(MotiveConfig.layer({ ...settings, requestTimeout: "20 seconds" }))
  )
// README:end

export { pieceByPiece }
