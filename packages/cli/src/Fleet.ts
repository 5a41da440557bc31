/**
 * Vehicles and assets by the names people use: a vehicle number or an asset name resolved to the numeric id
 * some endpoints need, through the fleet listing (paged by the client).
 *
 * @since 0.1.0
 */
import { Chunk, Effect, Stream } from "effect"
import type { Motive } from "./Client.js"
import { UnknownEntity } from "./CliError.js"

/**
 * The one entity of `listing` called `name`: written exactly so (spaces around it aside) or, when none is, in
 * another case. Never a guess: a capture of the wrong truck cannot be taken back, so when several match (an old
 * vehicle whose number was reused, two written in different cases) the command is refused, naming their ids.
 */
const oneNamed = <A extends { readonly id: number; readonly status?: string | null | undefined }, E>(
  listing: Stream.Stream<A, E>,
  nameOf: (a: A) => string,
  name: string,
  what: { readonly kind: string; readonly called: string; readonly list: string; readonly idFlag: string }
) =>
  Effect.gen(function*() {
    const wanted = name.trim()
    const matches = Chunk.toReadonlyArray(
      yield* Stream.runCollect(Stream.filter(listing, (a) => nameOf(a).toLowerCase() === wanted.toLowerCase()))
    )
    const exact = matches.filter((a) => nameOf(a) === wanted)
    const found = exact.length > 0 ? exact : matches
    if (found.length === 1) return found[0]!.id
    if (found.length === 0) {
      return yield* new UnknownEntity({
        message: `no ${what.kind} ${what.called} "${name}" in the fleet ('motive ${what.list}' lists them)`
      })
    }
    const listed = found.map((a) =>
      `${a.id} ("${nameOf(a)}"${typeof a.status === "string" && a.status !== "" ? `, ${a.status}` : ""})`
    )
    return yield* new UnknownEntity({
      message: `${found.length} ${what.kind}s are ${what.called} "${name}" in the fleet: ids ${
        listed.join(", ")
      }; nothing was sent: name one with ${what.idFlag}`
    })
  })

/**
 * The id of the vehicle numbered `number`: as listed (case counts when another vehicle's number differs only in
 * case), refused when several vehicles carry it.
 *
 * @since 0.1.0
 */
export const vehicleIdOf = (motive: Motive, number: string) =>
  oneNamed(motive.client.vehicles, (v) => v.number, number, {
    kind: "vehicle",
    called: "numbered",
    list: "vehicles",
    idFlag: "--vehicle-id"
  })

/**
 * The id of the asset named `name`: as listed (case counts when another asset's name differs only in case),
 * refused when several assets carry it.
 *
 * @since 0.1.0
 */
export const assetIdOf = (motive: Motive, name: string) =>
  oneNamed(motive.client.assets, (a) => a.name, name, {
    kind: "asset",
    called: "named",
    list: "assets",
    idFlag: "--asset-id"
  })
