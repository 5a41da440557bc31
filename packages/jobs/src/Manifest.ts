/**
 * A batch's manifest: one line per downloaded file with its row, ref, recall, camera, path, bytes, sha256 and
 * times (the chain of custody a claims or legal team asks for), as CSV and JSON, each written atomically.
 *
 * @since 0.1.0
 */
import { FileSystem } from "@effect/platform"
import { type PlatformError, SystemError } from "@effect/platform/Error"
import { stringify } from "csv-stringify/sync"
import { Effect } from "effect"
import { entityOf } from "./BatchFile.js"
import type { BatchStatus } from "./FootageJobs.js"

/**
 * One line of the manifest.
 *
 * @since 0.1.0
 */
export interface ManifestLine {
  readonly batch: string
  readonly row: number
  readonly ref: string
  readonly recall_id: number
  readonly camera: string
  readonly path: string
  readonly bytes: number
  readonly sha256: string
  readonly worker: string
  readonly downloaded_at: string
  readonly recall_start: string
  readonly recall_duration_minutes: number
  readonly entity: string
}

/**
 * The manifest's lines, in row and camera order.
 *
 * @since 0.1.0
 */
export const lines = (status: BatchStatus): ReadonlyArray<ManifestLine> => {
  const rows = new Map(status.rows.map((r) => [r.row, r]))
  return status.files.map((f) => {
    const row = rows.get(f.row)
    const body = row?.body
    return {
      batch: f.batchId,
      row: f.row,
      ref: f.ref ?? "",
      recall_id: f.recallId,
      camera: f.position,
      path: f.path,
      bytes: f.bytes,
      sha256: f.sha256,
      worker: f.worker,
      downloaded_at: f.downloadedAt,
      recall_start: body?.start_time ?? "",
      recall_duration_minutes: body?.duration ?? 0,
      entity: body === undefined ? "" : entityOf(body)
    }
  })
}

/**
 * A text cell a spreadsheet would run as a formula (`=`, `+`, `-`, `@`, a tab or a carriage return first: a `ref`
 * is the batch file's, so anyone's) with `'` before it, which a spreadsheet shows as text (OWASP's CSV injection
 * advice). The JSON manifest keeps every value as it is.
 */
const inert = (cell: string): string => /^[=+\-@\t\r]/.test(cell) ? `'${cell}` : cell

const writeAtomically = (fs: FileSystem.FileSystem, file: string, content: string) =>
  Effect.gen(function*() {
    const tmp = `${file}.${process.pid}.tmp`
    yield* fs.writeFileString(tmp, content, { mode: 0o644 })
    yield* fs.rename(tmp, file).pipe(Effect.tapError(() => fs.remove(tmp, { force: true }).pipe(Effect.ignore)))
  }).pipe(
    // Told of the file the caller named, not of the temporary one beside it.
    Effect.mapError((e): PlatformError => {
      if (e._tag !== "SystemError") return e
      const { cause, description, method, module, reason, syscall } = e
      return new SystemError({
        reason,
        module,
        method,
        pathOrDescriptor: file,
        ...(description === undefined ? {} : { description: description.replaceAll(`.${process.pid}.tmp`, "") }),
        ...(syscall === undefined ? {} : { syscall }),
        ...(cause === undefined ? {} : { cause })
      })
    })
  )

/**
 * Writes `<prefix>.csv` and `<prefix>.json`.
 *
 * @since 0.1.0
 */
export const write = (
  status: BatchStatus,
  prefix: string
): Effect.Effect<
  { readonly csv: string; readonly json: string; readonly files: number },
  PlatformError,
  FileSystem.FileSystem
> =>
  Effect.gen(function*() {
    const fs = yield* FileSystem.FileSystem
    const all = lines(status)
    const csv = `${prefix}.csv`, json = `${prefix}.json`
    const columns = [
      "batch",
      "row",
      "ref",
      "recall_id",
      "camera",
      "path",
      "bytes",
      "sha256",
      "worker",
      "downloaded_at",
      "recall_start",
      "recall_duration_minutes",
      "entity"
    ]
    yield* writeAtomically(
      fs,
      csv,
      stringify(all.map((l) => ({ ...l, ref: inert(l.ref), path: inert(l.path), entity: inert(l.entity) })), {
        header: true,
        columns
      })
    )
    yield* writeAtomically(
      fs,
      json,
      `${JSON.stringify({ batch: status.batch.id, file: status.batch.file, files: all }, null, 2)}\n`
    )
    return { csv, json, files: all.length }
  })
