/** The README's client-against-a-sandbox snippet, verbatim between the markers; `Readme.test.ts` runs it. */
// README:begin
import { MotiveClient, MotiveConfig } from "@effect-motive/http"
import { NodeMotive } from "@effect-motive/http/node"
import { Sandbox } from "@effect-motive/sandbox"
import { Effect } from "effect"

// Your client against a sandbox of the test's own (it.scoped or Effect.scoped: the sandbox stops with the scope).
const quotaFromASandbox = Effect.gen(function*() {
  const sandbox = yield* Sandbox.make({ quota: { regularMinutes: 5 } })
  const client = NodeMotive.layer({ baseUrl: sandbox.baseUrl, credentials: MotiveConfig.apiKey(sandbox.apiKey) })
  const motive = yield* Effect.provide(MotiveClient.MotiveClient, client)
  return yield* motive.getRecallQuota
})
// README:end

export { quotaFromASandbox }
