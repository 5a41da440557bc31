/** One process at a time: a lock file holding the owner's pid, taken over when that process is gone. */
import { FileSystem } from "@effect/platform"
import { Effect, Option, type Scope } from "effect"

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
 * The locks this process holds. A lock file naming this process's pid is otherwise taken for one left by an
 * earlier process that had the same pid (a container's processes often do): known here, it is refused instead.
 */
const heldHere = new Set<string>()

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
    // Claimed here before anything is awaited, so two layers of this process opening it at once cannot both pass.
    if (heldHere.has(file)) {
      return yield* Effect.fail({ message: "it is open in this process already (a second layer on the same file)" })
    }
    heldHere.add(file)
    return yield* takeFile(fs, file).pipe(Effect.onError(() => Effect.sync(() => heldHere.delete(file))))
  })

const takeFile = (fs: FileSystem.FileSystem, file: string) =>
  Effect.gen(function*() {
    // What the lock holds (`undefined` when it is gone).
    const contentOf = Effect.map(Effect.option(fs.readFileString(file)), (text) => Option.getOrUndefined(text))
    const live = (content: string | undefined) => {
      const holder = Number(content?.trim())
      return Number.isSafeInteger(holder) && holder > 0 && holder !== process.pid && isRunning(holder)
    }
    // The lock appears whole, with the pid in it: written beside it, then linked into place (which fails when it
    // exists). Created empty and then written, another process could read it empty in between and take it as left.
    const mine = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}`
    const create = Effect.acquireUseRelease(
      fs.writeFileString(mine, String(process.pid)),
      () =>
        fs.link(mine, file).pipe(
          Effect.catchIf(
            (e) => e._tag === "SystemError" && e.reason !== "AlreadyExists",
            // A file system without hard links: created in place (empty for an instant), as before.
            () => fs.writeFileString(file, String(process.pid), { flag: "wx" })
          )
        ),
      () => fs.remove(mine, { force: true }).pipe(Effect.ignore)
    )
    // Taking over a stale lock happens under a second lock, and removes only the very lock found stale (the same
    // content in it): two processes finding it stale at once would otherwise both remove it, the second removing
    // the lock the first had just made, and both run.
    const takeover = `${file}.takeover`
    for (let tries = 0; tries < 50; tries++) {
      const created = yield* Effect.either(create)
      if (created._tag === "Right") {
        yield* Effect.addFinalizer(() =>
          fs.remove(file, { force: true }).pipe(
            Effect.ignore,
            Effect.ensuring(Effect.sync(() => heldHere.delete(file)))
          )
        )
        return
      }
      if (created.left._tag === "SystemError" && created.left.reason !== "AlreadyExists") {
        return yield* Effect.fail({ message: created.left.message })
      }
      const content = yield* contentOf
      if (live(content)) return yield* Effect.fail({ holder: Number(content?.trim()) })
      const taking = yield* Effect.either(
        Effect.acquireUseRelease(
          fs.writeFileString(takeover, String(process.pid), { flag: "wx" }),
          () =>
            Effect.flatMap(contentOf, (again) =>
              content !== undefined && again === content && !live(again)
                ? fs.remove(file, { force: true }).pipe(Effect.ignore)
                : Effect.void),
          () => fs.remove(takeover, { force: true }).pipe(Effect.ignore)
        )
      )
      if (taking._tag === "Left") {
        // Another process is taking it over. A takeover lock left by one that died in that instant is cleared.
        const made = yield* fs.stat(takeover).pipe(Effect.map((info) => info.mtime), Effect.option)
        const age = made._tag === "Some" && made.value._tag === "Some" ? Date.now() - made.value.value.getTime() : 0
        if (age > 10_000) yield* fs.remove(takeover, { force: true }).pipe(Effect.ignore)
        yield* Effect.sleep("20 millis")
      }
    }
    return yield* Effect.fail({ message: `could not take ${file}` })
  })
