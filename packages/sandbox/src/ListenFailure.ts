/**
 * Why a server could not listen, said for a person: a port in use or reserved is named as such, and Node's
 * error is not quoted whole (`Error: listen EADDRINUSE: address already in use 127.0.0.1:4010`).
 *
 * @since 0.1.0
 */

/**
 * What stopped a server listening on `host:port`, from the error Node gave.
 *
 * @since 0.1.0
 */
export const listenFailure = (where: { readonly host: string; readonly port: number }, cause: unknown): string => {
  const code = typeof cause === "object" && cause !== null && "code" in cause ? String(cause.code) : undefined
  const address = `${where.host}:${where.port}`
  switch (code) {
    case "EADDRINUSE":
      return `${address} is already in use: choose another port, or 0 for any free one`
    case "EACCES":
      return `${address} is not open to this user (ports below 1024 usually need privileges): choose another, or 0`
    case "EADDRNOTAVAIL":
      return `${where.host} is not an address of this machine`
    default: {
      const message = cause instanceof Error ? cause.message : String(cause)
      return `${address}: ${message}`
    }
  }
}
