/** The README's sandbox snippet, verbatim between the markers; `Readme.test.ts` compiles and runs it. */
// README:begin
import { Sandbox } from "@effect-motive/sandbox"
import { Effect } from "effect"

// Run it with it.scoped (@effect/vitest) or Effect.scoped: the sandbox stops with the scope.
const inATest = Effect.gen(function*() {
  const sandbox = yield* Sandbox.make({ lifecycle: { recallPendingMillis: 0 }, quota: { regularMinutes: 5 } })
  yield* sandbox.injectFault("createVideoRecall", { kind: "commit_then_drop" })
  // … your client, with baseUrl: sandbox.baseUrl and the API key sandbox.apiKey …
  return yield* sandbox.requests // every request received, secrets masked
})
// README:end

export { inATest }
