/**
 * `motive vehicles` and `motive assets`: the fleet listing, every page, as a table or one JSON document.
 *
 * @since 0.1.0
 */
import * as Command from "@effect/cli/Command"
import { Chunk, Effect, Stream } from "effect"
import { withClient } from "../Client.js"
import { Output } from "../Output.js"
import { columns } from "../Render.js"
import { root } from "../Root.js"

const text = (v: string | null | undefined) => v ?? ""

/**
 * `motive vehicles`
 *
 * @since 0.1.0
 */
export const vehiclesCommand = Command.make("vehicles", {}, () =>
  Effect.gen(function*() {
    const globals = yield* root
    const output = yield* Output
    return yield* withClient(globals, ({ client }) =>
      Effect.gen(function*() {
        const vehicles = Chunk.toReadonlyArray(yield* Stream.runCollect(client.vehicles))
        yield* output.result(
          vehicles.length === 0
            ? "No vehicles."
            : columns([
              ["ID", "NUMBER", "MAKE", "MODEL", "STATUS"],
              ...vehicles.map((v) => [String(v.id), v.number, text(v.make), text(v.model), text(v.status)])
            ]),
          { vehicles }
        )
      }))
  })).pipe(Command.withDescription("List the fleet's vehicles: id, number, make, model, status"))

/**
 * `motive assets`
 *
 * @since 0.1.0
 */
export const assetsCommand = Command.make("assets", {}, () =>
  Effect.gen(function*() {
    const globals = yield* root
    const output = yield* Output
    return yield* withClient(globals, ({ client }) =>
      Effect.gen(function*() {
        const assets = Chunk.toReadonlyArray(yield* Stream.runCollect(client.assets))
        yield* output.result(
          assets.length === 0
            ? "No assets."
            : columns([
              ["ID", "NAME", "TYPE", "STATUS"],
              ...assets.map((a) => [String(a.id), a.name, text(a.type), text(a.status)])
            ]),
          { assets }
        )
      }))
  })).pipe(Command.withDescription("List the fleet's assets: id, name, type, status"))
