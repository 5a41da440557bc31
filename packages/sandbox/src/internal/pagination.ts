/** Pages of a list as Motive serves them: `per_page` (default 25, at most 100) and `page_no` (from 1). */
import { pageSize } from "@effect-motive/domain"
import type { Page } from "./bodies.js"

/**
 * The page of `items` a query asks for; nonsense values fall back to the defaults.
 */
export const pageOf = <A>(items: ReadonlyArray<A>, query: Readonly<Record<string, string>>): Page<A> => {
  const perPage = Math.min(pageSize.max, Math.max(1, Number(query.per_page ?? pageSize.default) || pageSize.default))
  const pageNo = Math.max(1, Number(query.page_no ?? 1) || 1)
  return {
    items: items.slice((pageNo - 1) * perPage, pageNo * perPage),
    pagination: { perPage, pageNo, total: items.length }
  }
}
