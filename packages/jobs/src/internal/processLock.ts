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
    for (let tries = 0; tries < 3; tries++) {
      const created = yield* Effect.either(fs.writeFileString(file, String(process.pid), { flag: "wx" }))
      if (created._tag === "Right") {
        yield* Effect.addFinalizer(() => fs.remove(file, { force: true }).pipe(Effect.ignore))
        return
      }
      if (created.left._tag === "SystemError" && created.left.reason !== "AlreadyExists") {
        return yield* Effect.fail({ message: created.left.message })
      }
      const holder = Number((yield* fs.readFileString(file).pipe(Effect.orElseSucceed(() => ""))).trim())
      if (Number.isSafeInteger(holder) && holder > 0 && holder !== process.pid && isRunning(holder)) {
        return yield* Effect.fail({ holder })
      }
      // Left by a process that is gone: taken over.
      yield* fs.remove(file, { force: true }).pipe(Effect.ignore)
    }
    return yield* Effect.fail({ message: `could not take ${file}` })
  })
