/**
 * A caller's input read as fields before the rules check it: a value that is not an object (a JavaScript caller's
 * `null`, a number) gives none, so that the rules name what is missing instead of the check throwing.
 */
export const givenFields = <A extends object>(input: A): A | Record<string, never> =>
  typeof input === "object" && (input as unknown) !== null ? input : {}
