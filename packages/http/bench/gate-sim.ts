/**
 * The adaptive rate limit against servers the sandbox does not play: token buckets of any size, 429s whose
 * `Retry-After` is a fraction of a second, whole seconds, an HTTP date, or missing (as Motive's forum reports),
 * and traffic with quiet spells. A discrete-event simulation in virtual time of the gate's own arithmetic
 * (`internal/adaptiveRate.ts`) with its queues, caps and pauses as `RequestGate` and `MotiveClient` run them:
 * minutes of traffic in milliseconds. Deterministic, so it prints one figure per case, not a spread.
 *
 *   npx tsx bench/gate-sim.ts            # every case
 *   npx tsx bench/gate-sim.ts 100 nothing  # cases whose name contains each word
 */
import { Duration } from "effect"
import {
  ended,
  initialState,
  limited,
  reserve,
  searchCap,
  type State,
  succeeded,
  type Ticket
} from "../src/internal/adaptiveRate.js"
import { adaptiveDefaults } from "../src/RequestGate.js"

/** How a 429 says when to come back. */
type Tell = "fraction" | "seconds" | "date" | "nothing"

interface Case {
  readonly rate: number
  readonly burst: number
  readonly tell: Tell
  /** Busy (all callers sending) or quiet (one request a second) spells, in seconds. */
  readonly spells: ReadonlyArray<readonly ["busy" | "quiet", number]>
  /** The seconds over which the share of the server's rate is judged. */
  readonly judged: readonly [number, number]
}

interface Outcome {
  readonly share: number
  readonly refused: number
  readonly sent: number
}

/** A minimal event queue in virtual milliseconds. */
class Events {
  private readonly queue: Array<{ at: number; seq: number; run: () => void }> = []
  private seq = 0
  now = 0
  at(at: number, run: () => void) {
    const e = { at: Math.max(at, this.now), seq: this.seq++, run }
    let lo = 0
    let hi = this.queue.length
    while (lo < hi) {
      const mid = (lo + hi) >> 1
      const q = this.queue[mid]!
      if (q.at < e.at || (q.at === e.at && q.seq < e.seq)) lo = mid + 1
      else hi = mid
    }
    this.queue.splice(lo, 0, e)
  }
  runUntil(end: number) {
    while (this.queue.length > 0 && this.queue[0]!.at <= end) {
      const e = this.queue.shift()!
      this.now = e.at
      e.run()
    }
    this.now = end
  }
}

/** A FIFO semaphore whose size can change. */
class Permits {
  private taken = 0
  private readonly waiting: Array<() => void> = []
  constructor(private size: number) {}
  take(then: () => void) {
    if (this.taken < this.size) {
      this.taken++
      then()
    } else this.waiting.push(then)
  }
  give() {
    this.taken--
    this.drain()
  }
  resize(size: number) {
    this.size = size
    this.drain()
  }
  private drain() {
    while (this.taken < this.size && this.waiting.length > 0) {
      this.taken++
      this.waiting.shift()!()
    }
  }
}

const simulate = (c: Case): Outcome => {
  const options = adaptiveDefaults
  const maxConcurrency = 8
  const callers = Number(process.env.SIM_CALLERS ?? 16)
  const latency = Number(process.env.SIM_LATENCY ?? 20)
  const startStep = (Math.LN2 * 1000) / Duration.toMillis(options.startDoubling)
  const ev = new Events()
  let s: State = initialState(options, true)
  const semaphore = new Permits(maxConcurrency)
  const search = new Permits(options.searchInFlight)
  let searchSize = options.searchInFlight
  const widen = () => {
    const wanted = searchCap(options, maxConcurrency, s, ev.now)
    if (wanted !== searchSize) {
      searchSize = wanted
      search.resize(wanted)
    }
  }
  // The server: a token bucket, full at first.
  let tokens = c.burst
  let refilledAt = 0
  const answers: Array<{ at: number; ok: boolean }> = []
  const take = (): number => {
    tokens = Math.min(c.burst, tokens + ((ev.now - refilledAt) / 1000) * c.rate)
    refilledAt = ev.now
    const ok = tokens >= 1
    answers.push({ at: ev.now, ok })
    if (ok) {
      tokens -= 1
      return 0
    }
    return ((1 - tokens) / c.rate) * 1000
  }

  /** One call through the gate; `done(wait)` with 0 for a success or the wait to the next token. */
  const admit = (done: (wait: number, epoch: number) => void) => {
    const measuring = !s.measured
    const inSearch = (then: () => void) => measuring ? search.take(then) : then()
    inSearch(() =>
      semaphore.take(() => {
        const reserveNow = (entering: boolean): Ticket => {
          const [ticket, next] = reserve(options, s, ev.now, entering)
          s = next
          return ticket
        }
        const waitFor = (ticket: Ticket) => {
          if (ticket.at <= ev.now) return send(ticket)
          ev.at(ticket.at, () => {
            if (s.epoch === ticket.epoch && s.pausedUntil <= ticket.at) send(ticket)
            else waitFor(reserveNow(false))
          })
        }
        const send = (ticket: Ticket) => {
          ev.at(ev.now + latency / 2, () => {
            const wait = take()
            ev.at(ev.now + latency / 2, () => {
              if (wait === 0) {
                s = succeeded(options, startStep, ticket, measuring ? ev.now : undefined)(s)
                if (!s.measured) widen()
              }
              s = ended(ev.now)(s)
              semaphore.give()
              if (measuring) search.give()
              done(wait, ticket.epoch)
            })
          })
        }
        waitFor(reserveNow(true))
      })
    )
  }

  /** A caller as `MotiveClient` runs one: a 429 pauses the gate with what it said, then the call is retried. */
  const retryAfterOf = (wait: number) => {
    switch (c.tell) {
      case "fraction":
        return {
          pause: Math.ceil(wait),
          cause: { retryAfter: Duration.millis(Math.ceil(wait)), retryAfterForm: "delay" as const }
        }
      case "seconds": {
        const whole = Math.max(1, Math.ceil(wait / 1000)) * 1000
        return { pause: whole, cause: { retryAfter: Duration.millis(whole), retryAfterForm: "delay" as const } }
      }
      case "date": {
        // Whole seconds of the server's clock, read against ours.
        const at = Math.ceil((ev.now + wait) / 1000) * 1000
        return {
          pause: at - ev.now,
          cause: { retryAfter: Duration.millis(at - ev.now), retryAfterForm: "date" as const }
        }
      }
      case "nothing":
        return { pause: 1000, cause: {} }
    }
  }
  let mode: "busy" | "quiet" = "busy"
  let generation = 0
  const caller = (gen: number, quietOne: boolean) => {
    if (gen !== generation) return
    if (mode === "quiet" && !quietOne) return
    admit((wait, epoch) => {
      if (wait === 0) {
        if (mode === "quiet") ev.at(ev.now + 1000, () => caller(gen, quietOne))
        else caller(gen, quietOne)
        return
      }
      const { pause, cause } = retryAfterOf(wait)
      if (process.env.TRACE) console.log(`${(ev.now / 1000).toFixed(3)}s a 429 (epoch ${epoch}, gate ${s.epoch})`)
      const before = s
      s = limited(options, ev.now, pause, epoch, cause)(s)
      if (process.env.TRACE && s.epoch !== before.epoch) {
        console.log(
          `${(ev.now / 1000).toFixed(2)}s 429: rate ${before.rate.toFixed(1)} -> ${
            s.rate.toFixed(1)
          } measured ${s.measured} window ${JSON.stringify(before.window)}`
        )
      }
      widen()
      ev.at(ev.now + pause, () => caller(gen, quietOne))
    })
  }
  let t = 0
  for (const [kind, seconds] of c.spells) {
    mode = kind
    generation++
    const gen = generation
    ev.at(t * 1000, () => {
      if (kind === "busy") { for (let i = 0; i < callers; i++) caller(gen, false) }
      else caller(gen, true)
    })
    t += seconds
    ev.runUntil(t * 1000)
  }
  const [from, to] = c.judged
  const judged = answers.filter((a) => a.at >= from * 1000 && a.at < to * 1000)
  const ok = judged.filter((a) => a.ok).length
  return { share: ok / ((to - from) * c.rate), refused: judged.length - ok, sent: judged.length }
}

const cases: Array<[string, Case]> = []
for (const rate of [10, 100, 1000]) {
  for (const room of [0.01, 0.1, 1]) {
    const burst = Math.max(1, Math.round(rate * room))
    for (const tell of ["fraction", "seconds", "date", "nothing"] as const) {
      cases.push([`steady ${rate}/s burst ${burst} ${tell}`, {
        rate,
        burst,
        tell,
        spells: [["busy", 300]],
        judged: [10, 300]
      }])
      cases.push([`short ${rate}/s burst ${burst} ${tell}`, {
        rate,
        burst,
        tell,
        spells: [["busy", 50]],
        judged: [0, 50]
      }])
      cases.push([`quiet ${rate}/s burst ${burst} ${tell}`, {
        rate,
        burst,
        tell,
        spells: [["busy", 30], ["quiet", 60], ["busy", 120]],
        judged: [90, 210]
      }])
    }
  }
}

for (const rate of [10, 50, 200]) {
  cases.push([`bench ${rate}/s burst ${rate} fraction`, {
    rate,
    burst: rate,
    tell: "fraction",
    spells: [["busy", (500 - rate) / rate]],
    judged: [0, (500 - rate) / rate]
  }])
}

const words = process.argv.slice(2)
console.log("case | share of the server's rate | 429s")
for (const [name, c] of cases) {
  if (!words.every((w) => name.split(" ").includes(w) || name.includes(w))) continue
  const o = simulate(c)
  console.log(
    `${name.padEnd(34)} | ${o.share.toFixed(2)} (seconds ${c.judged[0]}–${c.judged[1]}) | ${
      (100 * o.refused / Math.max(1, o.sent)).toFixed(2)
    } %`
  )
}
