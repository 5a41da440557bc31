/** Pages of a list as Motive serves them: `per_page` (default 25, at most 100) and `page_no` (from 1). */
import { pageSize } from "@effect-motive/domain"
import type { Page } from "./bodies.js"

/** A whole number from 1 up, or `fallback` for anything else (absent, `2.5`, `abc`, `0`, `1e300`). */
const counting = (text: string | undefined, fallback: number): number => {
  const n = text === undefined || text.trim() === "" ? NaN : Number(text)
  return Number.isSafeInteger(n) && n >= 1 ? n : fallback
}

/**
 * The page of `items` a query asks for; nonsense values fall back to the defaults, and `per_page` above the
 * largest is the largest.
 */
export const pageOf = <A>(items: ReadonlyArray<A>, query: Readonly<Record<string, string>>): Page<A> => {
  const perPage = Math.min(pageSize.max, counting(query.per_page, pageSize.default))
  const pageNo = counting(query.page_no, 1)
  return {
    items: items.slice((pageNo - 1) * perPage, pageNo * perPage),
    pagination: { perPage, pageNo, total: items.length }
  }
}
