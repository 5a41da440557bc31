/** Which credentials the sandbox accepts: an API key or an OAuth bearer token. */
import type { SandboxSettings } from "../SandboxOptions.js"

/**
 * The credential a request carries, if it is one the sandbox accepts. Every credential is the one company's: they
 * share its rate limit.
 */
export const credentialOf = (
  settings: SandboxSettings,
  headers: Readonly<Record<string, string | undefined>>
): string | undefined => {
  const key = headers["x-api-key"]
  if (key !== undefined && settings.apiKeys.includes(key)) return `key:${key}`
  const auth = headers["authorization"]
  const token = auth?.match(/^Bearer\s+(.+)$/i)?.[1]
  if (token !== undefined && settings.oauthTokens.includes(token)) return `oauth:${token}`
  return undefined
}
