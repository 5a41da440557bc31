/**
 * Retries said out loud: the client's retry policy, with a line on the terminal before each retry ("rate
 * limited by Motive; retrying in 8.0 s (attempt 2 of 6)") and the attempt recorded for the final error.
 *
 * @since 0.1.0
 */
import type { MotiveError, RetryPolicy } from "@effect-motive/http"
import { Duration, Effect, Schedule } from "effect"
import type { Output } from "./Output.js"

/**
 * Why a call is tried again, in a few words.
 *
 * @since 0.1.0
 */
export const reasonOf = (error: MotiveError): string => {
  switch (error._tag) {
    case "RateLimited":
      return "rate limited by Motive"
    case "ServerError":
      return `Motive answered ${error.status}`
    case "TransportError":
      return "could not reach Motive"
    case "RequestTimeout":
      return "Motive did not answer in time"
    default:
      return error.message
  }
}

/**
 * The policy with each retry of an API call announced (on a terminal) and counted.
 *
 * @since 0.1.0
 */
export const withNotices = (
  policy: RetryPolicy.RetryPolicy["Type"],
  maxAttempts: number,
  output: Output["Type"]
): RetryPolicy.RetryPolicy["Type"] => ({
  ...policy,
  api: policy.api.pipe(
    Schedule.intersect(Schedule.identity<MotiveError>()),
    Schedule.intersect(Schedule.count),
    Schedule.modifyDelayEffect(([[, error], retries], delay) => {
      const attempt = retries + 2
      const seconds = (Duration.toMillis(delay) / 1000).toFixed(1)
      return Effect.zipRight(
        output.attempt(attempt),
        output.notice(`${reasonOf(error)}; retrying in ${seconds} s (attempt ${attempt} of ${maxAttempts})`)
      ).pipe(Effect.as(delay))
    })
  )
})
