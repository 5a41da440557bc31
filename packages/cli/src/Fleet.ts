/**
 * Vehicles and assets by the names people use: a vehicle number or an asset name resolved to the numeric id
 * some endpoints need, through the fleet listing (paged by the client).
 *
 * @since 0.1.0
 */
import { Effect, Option, Stream } from "effect"
import type { Motive } from "./Client.js"
import { UnknownEntity } from "./CliError.js"

/**
 * The id of the vehicle numbered `number` (exactly as listed; case does not count).
 *
 * @since 0.1.0
 */
export const vehicleIdOf = (motive: Motive, number: string) =>
  motive.client.vehicles.pipe(
    Stream.filter((v) => v.number.toLowerCase() === number.trim().toLowerCase()),
    Stream.runHead,
    Effect.flatMap(Option.match({
      onNone: () =>
        Effect.fail(
          new UnknownEntity({ message: `no vehicle numbered "${number}" in the fleet ('motive vehicles' lists them)` })
        ),
      onSome: (v) => Effect.succeed(v.id)
    }))
  )

/**
 * The id of the asset named `name` (exactly as listed; case does not count).
 *
 * @since 0.1.0
 */
export const assetIdOf = (motive: Motive, name: string) =>
  motive.client.assets.pipe(
    Stream.filter((a) => a.name.toLowerCase() === name.trim().toLowerCase()),
    Stream.runHead,
    Effect.flatMap(Option.match({
      onNone: () =>
        Effect.fail(
          new UnknownEntity({ message: `no asset named "${name}" in the fleet ('motive assets' lists them)` })
        ),
      onSome: (a) => Effect.succeed(a.id)
    }))
  )
