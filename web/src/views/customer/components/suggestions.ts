// The choices the customer form offers (来源 / 行业 / 级别 / 标签): the tenant's dictionaries, or — while they
// are unknown — the values the rows at hand already carry. Used by the list (create, drawer) and the full page.
import type { Customer } from '@/api/customer'
import type { Dictionaries, DictItem } from '@/api/dictionary'
import type { Suggestions } from './types'

export function suggestionsFrom(d: Dictionaries | null, rows: Customer[]): Suggestions {
  const names = (items: DictItem[]): string[] =>
    items.filter((i) => i.is_active).flatMap((i) => [i.name, ...names(i.children || [])])
  if (d) {
    return {
      source: names(d.source.items),
      sourceChildren: d.source.items.flatMap((i) => (i.children || []).map((c) => c.name)),
      industry: names(d.industry.items),
      level: names(d.level.items),
      tags: d.tags.groups.map((g) => ({ group: g.name, single: g.mode === 'single', tags: g.tags.map((x) => x.name) })),
      free: {
        source: d.source.free_entry,
        industry: d.industry.free_entry,
        level: d.level.free_entry,
        tags: d.tags.free_entry,
      },
    }
  }
  const uniq = (vals: (string | null | undefined)[]) =>
    [...new Set(vals.filter((v): v is string => !!v && v.trim() !== ''))].sort((a, b) => a.localeCompare(b, 'zh-CN'))
  return {
    source: uniq(rows.map((c) => c.source)),
    sourceChildren: [],
    industry: uniq(rows.map((c) => c.industry)),
    level: uniq(rows.map((c) => c.level)),
    tags: [{ group: '', single: false, tags: uniq(rows.flatMap((c) => c.tags || [])) }],
    free: { source: true, industry: true, level: true, tags: true },
  }
}
