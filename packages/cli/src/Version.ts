/**
 * The command's version (kept equal to package.json by a test).
 *
 * @since 0.1.0
 */
export const version = "0.1.0"
