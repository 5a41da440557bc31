/**
 * Releases, every few seconds, the claims a runner's storage reads leave on the unprocessed messages of the shards
 * it owns: the workaround for a race in `@effect/cluster` 0.60.2 (Effect-TS/effect#8312, fixed for Effect 4 by
 * #8317 and not on the 3.x line).
 *
 * A storage read claims every message it returns (`last_read`), and no read returns a claimed message again for
 * 10 minutes. When a workflow's `run` finishes (suspended) during a read and a completion resumes it in the same
 * read, the read claims the resumed `run` and then skips it as already done: the workflow stalls for 10 minutes.
 * Seen here when a runner dies: the new owner of its shards reads each workflow's `run` and its completion together,
 * the `run` suspends, the completion resumes it at once, and the row stays `waiting` (the several-machines test
 * failed this way in about 1 run in 6 under load). Releasing the claims is what the cluster itself does each time
 * it acquires shards; a message still being processed is claimed again and skipped, as before.
 *
 * @since 0.1.0
 */
import { MessageStorage, ShardId, Sharding } from "@effect/cluster"
import { Duration, Effect, Layer, Schedule } from "effect"

/** Shards per group: the cluster's default, set explicitly in both modes' sharding configuration. */
export const shardsPerGroup = 300

/** The longest a stranded message waits. */
const releaseEvery = Duration.seconds(5)

/**
 * The release, for the life of the layer, on a runner (a process that owns shards).
 *
 * @since 0.1.0
 */
export const layer: Layer.Layer<never, never, Sharding.Sharding | MessageStorage.MessageStorage> = Layer
  .scopedDiscard(
    Effect.gen(function*() {
      const sharding = yield* Sharding.Sharding
      const storage = yield* MessageStorage.MessageStorage
      // Every shard of the (only) shard group our entities use; the release covers the ones this runner holds.
      const allShards = Array.from({ length: shardsPerGroup }, (_, i) => ShardId.make("default", i + 1))
      yield* Effect.suspend(() => storage.resetShards(allShards.filter((shard) => sharding.hasShardId(shard)))).pipe(
        Effect.catchAllCause((cause) => Effect.logDebug("could not release the claims on stored messages", cause)),
        Effect.repeat(Schedule.spaced(releaseEvery)),
        Effect.forkScoped
      )
    })
  )
