import { describe, expect, it } from "@effect/vitest"
import { DateTime } from "effect"
import { captureFacts, imageCaptureRules, recallFacts, RuleCodes, videoRecallRules } from "../src/index.js"

describe("rule tables", () => {
  it("name every rule code once, except the timeline window's, which the client checks on its query", () => {
    const timelineQuery = ["window.end_before_start", "end_time.invalid"]
    const codes = [...videoRecallRules, ...imageCaptureRules].map((r) => r.code)
    expect(new Set(codes).size).toBe(codes.length - 1) // entity.exactly_one guards both requests
    expect([...new Set([...codes, ...timelineQuery])].sort()).toEqual([...RuleCodes].sort())
  })

  it("each rule holds for a valid request and reports under its own field when broken", () => {
    const now = DateTime.unsafeMake("2026-11-24T12:00:00Z")
    const valid = recallFacts({ vehicleNumber: "TRK-1", startTime: "2026-11-24T11:00:00Z", duration: 1 }, {}, now)
    for (const rule of videoRecallRules) expect(rule.check(valid)).toEqual([])
    const broken = recallFacts({ assetName: "T", startTime: "2026-11-24T11:00:00", duration: 4 }, {}, now)
    const fields = videoRecallRules.filter((r) => r.check(broken).length > 0).map((r) => [r.code, r.field])
    expect(fields).toEqual([["duration.not_allowed", "duration"], ["start_time.no_offset", "start_time"]])
    const capture = captureFacts({ vehicleId: 7, position: "front_facing" })
    for (const rule of imageCaptureRules) expect(rule.check(capture)).toEqual([])
  })
})
