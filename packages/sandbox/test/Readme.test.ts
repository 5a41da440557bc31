/**
 * The README's sandbox snippet: a whole module in `test/readme/` (its imports included), verbatim between
 * `// README:begin` and `// README:end`: compiled as it is, run, and checked to stand in the README as it is.
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { readFileSync } from "node:fs"
import { inATest } from "./readme/inATest.js"

const readme = readFileSync(new URL("../../../README.md", import.meta.url), "utf8")
const block = readFileSync(new URL("readme/inATest.ts", import.meta.url), "utf8").split("// README:begin\n")[1]!
  .split("// README:end")[0]!.trim()

describe("README sandbox snippet", () => {
  it("stands in the README exactly as it is compiled here, a whole module", () => {
    expect(block).toMatch(/^import /)
    expect(readme).toContain(`\`\`\`ts\n${block}\n\`\`\``)
  })

  it.scopedLive("starts a sandbox, injects a fault and reads its requests (none yet)", () =>
    Effect.map(inATest, (requests) => expect(requests).toEqual([])))
})
