/** One process at a time: a lock file holding the owner's pid, taken over when that process is gone. */
import { FileSystem } from "@effect/platform"
import { Effect, type Scope } from "effect"

const isRunning = (pid: number): boolean => {
  try {
    process.kill(pid, 0)
    return true
  } catch (e) {
    // EPERM: it exists, owned by another user.
    return (e as NodeJS.ErrnoException).code === "EPERM"
  }
}

/**
 * Takes `file` for this process for the scope's life, or fails with the pid of the live process holding it.
 * A lock left by a process that died (kill -9) is taken over.
 */
export const takeProcessLock = (
  file: string
): Effect.Effect<
  void,
  { readonly holder: number } | { readonly message: string },
  FileSystem.FileSystem | Scope.Scope
> =>
  Effect.gen(function*() {
    const fs = yield* FileSystem.FileSystem
    const holderOf = Effect.map(
      fs.readFileString(file).pipe(Effect.orElseSucceed(() => "")),
      (text) => Number(text.trim())
    )
    const live = (holder: number) =>
      Number.isSafeInteger(holder) && holder > 0 && holder !== process.pid && isRunning(holder)
    // Taking over a stale lock happens under a second lock: two processes finding it stale at once would otherwise
    // both remove it, the second removing the lock the first had just made, and both run.
    const takeover = `${file}.takeover`
    for (let tries = 0; tries < 50; tries++) {
      const created = yield* Effect.either(fs.writeFileString(file, String(process.pid), { flag: "wx" }))
      if (created._tag === "Right") {
        yield* Effect.addFinalizer(() => fs.remove(file, { force: true }).pipe(Effect.ignore))
        return
      }
      if (created.left._tag === "SystemError" && created.left.reason !== "AlreadyExists") {
        return yield* Effect.fail({ message: created.left.message })
      }
      const holder = yield* holderOf
      if (live(holder)) return yield* Effect.fail({ holder })
      const mine = yield* Effect.either(fs.writeFileString(takeover, String(process.pid), { flag: "wx" }))
      if (mine._tag === "Right") {
        // Still the same stale lock (not one another process took over meanwhile): removed, then taken above.
        const again = yield* holderOf
        if (!live(again)) yield* fs.remove(file, { force: true }).pipe(Effect.ignore)
        yield* fs.remove(takeover, { force: true }).pipe(Effect.ignore)
      } else {
        // Another process is taking it over. A takeover lock left by one that died in that instant is cleared.
        const made = yield* fs.stat(takeover).pipe(Effect.map((info) => info.mtime), Effect.option)
        const age = made._tag === "Some" && made.value._tag === "Some" ? Date.now() - made.value.value.getTime() : 0
        if (age > 10_000) yield* fs.remove(takeover, { force: true }).pipe(Effect.ignore)
        yield* Effect.sleep("20 millis")
      }
    }
    return yield* Effect.fail({ message: `could not take ${file}` })
  })
