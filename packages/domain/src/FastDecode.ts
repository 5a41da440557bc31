/**
 * A schema's fast path: a plain function that decodes what the schema accepts to the same value, for response
 * bodies decoded on every call. It returns `undefined` for anything it does not accept, and the schema then
 * decodes (and reports what is wrong). Each one is property-tested to agree with its schema.
 *
 * @since 0.1.0
 */
import type { Schema } from "effect"

/**
 * The annotation that carries a fast path.
 *
 * @since 0.1.0
 */
export const FastDecodeId: unique symbol = Symbol.for("@effect-motive/domain/FastDecode")

/**
 * Decodes like its schema, or gives `undefined` (then only the schema can say why).
 *
 * @since 0.1.0
 */
export type FastDecode<A> = (input: unknown) => A | undefined

/**
 * Attaches a fast path to a schema.
 *
 * @since 0.1.0
 */
export const withFastDecode = <A, I, R>(
  schema: Schema.Schema<A, I, R>,
  decode: FastDecode<A>
): Schema.Schema<A, I, R> => schema.annotations({ [FastDecodeId]: decode })

/**
 * The fast path attached to a schema, if any.
 *
 * @since 0.1.0
 */
export const fastDecodeOf = <A, I, R>(schema: Schema.Schema<A, I, R>): FastDecode<A> | undefined => {
  const decode = schema.ast.annotations[FastDecodeId]
  // Annotations are untyped; only `withFastDecode` sets this one, with a function for the schema's own type.
  return typeof decode === "function" ? decode as FastDecode<A> : undefined
}
