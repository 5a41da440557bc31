/**
 * Vehicles and assets as responses describe them.
 *
 * @since 0.1.0
 */
import { Schema } from "effect"

/**
 * `{ id, number }` of a vehicle in a response.
 *
 * @since 0.1.0
 */
export const VehicleRef = Schema.Struct({
  id: Schema.Int,
  number: Schema.optional(Schema.NullOr(Schema.String))
})

/**
 * @since 0.1.0
 */
export type VehicleRef = typeof VehicleRef.Type

/**
 * `{ id, name }` of an asset in a response.
 *
 * @since 0.1.0
 */
export const AssetRef = Schema.Struct({
  id: Schema.Int,
  name: Schema.optional(Schema.NullOr(Schema.String))
})

/**
 * @since 0.1.0
 */
export type AssetRef = typeof AssetRef.Type

/**
 * Which kind of entity a request concerns (`primary_entity`).
 *
 * @since 0.1.0
 */
export const PrimaryEntity = Schema.Literal("vehicle", "asset")

/**
 * @since 0.1.0
 */
export type PrimaryEntity = typeof PrimaryEntity.Type

/**
 * Pagination block of list responses [docs: pagination].
 *
 * @since 0.1.0
 */
export const Pagination = Schema.Struct({
  perPage: Schema.propertySignature(Schema.Int).pipe(Schema.fromKey("per_page")),
  pageNo: Schema.propertySignature(Schema.Int).pipe(Schema.fromKey("page_no")),
  total: Schema.Int
})

/**
 * @since 0.1.0
 */
export type Pagination = typeof Pagination.Type

/**
 * Default and largest `per_page` [docs: pagination].
 *
 * @since 0.1.0
 */
export const pageSize = { default: 25, max: 100 } as const

/**
 * A vehicle of the fleet list (`GET /v1/vehicles`), the fields this project reads.
 *
 * @since 0.1.0
 */
export const FleetVehicle = Schema.Struct({
  id: Schema.Int,
  number: Schema.String,
  make: Schema.optional(Schema.NullOr(Schema.String)),
  model: Schema.optional(Schema.NullOr(Schema.String)),
  status: Schema.optional(Schema.NullOr(Schema.String))
})

/**
 * @since 0.1.0
 */
export type FleetVehicle = typeof FleetVehicle.Type

/**
 * One page of `GET /v1/vehicles`: `{ vehicles: [{ vehicle: {…} }], pagination }`.
 *
 * @since 0.1.0
 */
export const VehiclesPage = Schema.Struct({
  vehicles: Schema.Array(Schema.Struct({ vehicle: FleetVehicle })),
  pagination: Pagination
})

/**
 * An asset of the fleet list (`GET /v1/assets`).
 *
 * @since 0.1.0
 */
export const FleetAsset = Schema.Struct({
  id: Schema.Int,
  name: Schema.String,
  type: Schema.optional(Schema.NullOr(Schema.String)),
  status: Schema.optional(Schema.NullOr(Schema.String))
})

/**
 * @since 0.1.0
 */
export type FleetAsset = typeof FleetAsset.Type

/**
 * One page of `GET /v1/assets`: `{ assets: [{ asset: {…} }], pagination }`.
 *
 * @since 0.1.0
 */
export const AssetsPage = Schema.Struct({
  assets: Schema.Array(Schema.Struct({ asset: FleetAsset })),
  pagination: Pagination
})
