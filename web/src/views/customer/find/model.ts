// The filter builder's model: which value editor a field/operator pair needs, what a condition's
// empty value is, whether a condition is complete, and the list's state in the URL query.
import type { LocationQuery, LocationQueryRaw } from 'vue-router'
import type { Condition, ConditionValue, FieldMeta, Filter, Group, Operator, RelativeDate } from '@/api/find'

export type Editor =
  | 'none'
  | 'text'
  | 'texts'
  | 'choices'
  | 'tags'
  | 'employees'
  | 'departments'
  | 'number'
  | 'numberRange'
  | 'date'
  | 'dateRange'
  | 'relative'
  | 'bool'
  | 'regions'
  | 'period'

const DATE_TYPES = new Set(['datetime', 'date'])
const NUMBER_TYPES = new Set(['number', 'money'])
const CHOICE_TYPES = new Set(['dict', 'single', 'enum'])
const SET_TYPES = new Set(['tags', 'multi'])

/** The value editor of a field under an operator. */
export function editorFor(field: FieldMeta | undefined, op: Operator | ''): Editor {
  if (!field || !op || op === 'empty' || op === 'not_empty') return 'none'
  const type = field.type
  if (op === 'relative') return 'relative'
  if (DATE_TYPES.has(type)) return op === 'between' ? 'dateRange' : 'date'
  if (NUMBER_TYPES.has(type)) return op === 'between' ? 'numberRange' : 'number'
  if (type === 'bool') return 'bool'
  if (type === 'tags') return 'tags'
  if (type === 'multi' || CHOICE_TYPES.has(type)) return 'choices'
  if (type === 'employee' || type === 'wecom') return 'employees'
  if (type === 'department') return 'departments'
  if (type === 'region' && op === 'within') return 'regions'
  if (op === 'any_of' || op === 'none_of') return 'texts'
  return 'text'
}

/** Operators offered first for a type (the rest follow in the server's order). */
const PREFERRED: Record<string, Operator[]> = {
  tags: ['contains_any', 'contains_all', 'not_contains', 'empty', 'not_empty'],
  multi: ['contains_any', 'contains_all', 'not_contains', 'empty', 'not_empty'],
  datetime: ['relative', 'between', 'eq', 'gte', 'lte', 'gt', 'lt', 'empty', 'not_empty'],
  date: ['relative', 'between', 'eq', 'gte', 'lte', 'gt', 'lt', 'empty', 'not_empty'],
  number: ['between', 'eq', 'ne', 'gte', 'lte', 'gt', 'lt', 'empty', 'not_empty'],
  money: ['between', 'eq', 'ne', 'gte', 'lte', 'gt', 'lt', 'empty', 'not_empty'],
  text: ['contains', 'eq', 'ne', 'not_contains', 'starts_with', 'any_of', 'none_of', 'empty', 'not_empty'],
  region: ['within', 'eq', 'ne', 'contains', 'not_contains', 'starts_with', 'any_of', 'none_of', 'empty', 'not_empty'],
}

/** The operators of a field, in the order the builder shows them ("contains" on sets is contains_any). */
export function operatorsOf(field: FieldMeta | undefined): Operator[] {
  if (!field) return []
  let ops = [...field.operators]
  if (SET_TYPES.has(field.type)) ops = ops.filter((o) => o !== 'contains')
  // on single-choice fields "equals several values" already means any of them (FIND-3)
  if (CHOICE_TYPES.has(field.type) || field.type === 'employee') ops = ops.filter((o) => o !== 'any_of' && o !== 'none_of')
  const pref = PREFERRED[field.type] || []
  return [...pref.filter((o) => ops.includes(o)), ...ops.filter((o) => !pref.includes(o))]
}

export function defaultOp(field: FieldMeta | undefined): Operator | '' {
  return operatorsOf(field)[0] || ''
}

/** The empty value an editor starts with. */
export function emptyValue(editor: Editor): ConditionValue {
  switch (editor) {
    case 'texts':
    case 'choices':
    case 'tags':
    case 'employees':
    case 'departments':
    case 'regions':
      return []
    case 'numberRange':
    case 'dateRange':
      return [null, null]
    case 'relative':
      return 'today'
    case 'bool':
      return true
    case 'number':
      return null
    default:
      return ''
  }
}

/** A condition the server can take (every needed value filled). */
export function isComplete(c: Condition, field: FieldMeta | undefined): boolean {
  if (!field || !c.op) return false
  const editor = editorFor(field, c.op)
  const v = c.value
  switch (editor) {
    case 'none':
      return true
    case 'text':
      return typeof v === 'string' ? v.trim() !== '' : v !== null && v !== undefined
    case 'texts':
    case 'choices':
    case 'tags':
    case 'employees':
    case 'departments':
    case 'regions':
      return Array.isArray(v) && v.length > 0
    case 'number':
      return typeof v === 'number' && Number.isFinite(v)
    case 'numberRange':
    case 'dateRange':
      return Array.isArray(v) && v.length === 2 && v.some((x) => x !== null && x !== '' && x !== undefined)
    case 'date':
      return typeof v === 'string' && v !== ''
    case 'relative':
      if (typeof v === 'string') return v !== ''
      if (v && typeof v === 'object' && !Array.isArray(v)) {
        const r = v as RelativeDate
        return [r.last_days, r.next_days, r.more_than_days_ago].some((n) => typeof n === 'number' && n >= 0)
      }
      return false
    case 'bool':
      return typeof v === 'boolean'
    case 'period':
      return false // the pinned bar turns a period into `relative` or `between` first (pinnedOp)
  }
}

/** The condition as the API takes it (no value on empty / not_empty; single-choice "eq" as a list). */
export function toApi(c: Condition, field: FieldMeta | undefined): Condition {
  const editor = editorFor(field, c.op)
  if (editor === 'none') return { field: c.field, op: c.op }
  let value = c.value
  if (editor === 'text' && typeof value === 'string') value = value.trim()
  if (editor === 'employees' || editor === 'departments') {
    value = (value as (string | number)[]).map((x) => (typeof x === 'string' && /^\d+$/.test(x) ? Number(x) : x))
  }
  return { field: c.field, op: c.op, value }
}

// ------------------------------------------------------------------ the list's state in the URL query
export interface ListQuery {
  q: string
  filter: Filter | null
  sort: string | null
  /** the values of the pinned filter fields (固定筛选项, FIND-7), one condition per field: ?pin= */
  pins: Condition[]
}

export function readQuery(query: LocationQuery): ListQuery {
  const q = typeof query.q === 'string' ? query.q : ''
  const sort = typeof query.sort === 'string' && query.sort ? query.sort : null
  let filter: Filter | null = null
  if (typeof query.filter === 'string' && query.filter) {
    try {
      const parsed = JSON.parse(query.filter) as Filter
      if (parsed && Array.isArray(parsed.conditions) && parsed.conditions.length) filter = parsed
    } catch {
      filter = null
    }
  }
  let pins: Condition[] = []
  if (typeof query.pin === 'string' && query.pin) {
    try {
      const parsed = JSON.parse(query.pin) as Condition[]
      if (Array.isArray(parsed))
        pins = parsed.filter((c) => c && typeof c.field === 'string' && typeof c.op === 'string')
    } catch {
      pins = []
    }
  }
  return { q, filter, sort, pins }
}

/** The query with the list's state set (other keys, e.g. view=recycle-soon, kept). */
export function writeQuery(query: LocationQuery, state: ListQuery): LocationQueryRaw {
  const out: LocationQueryRaw = { ...query }
  delete out.q
  delete out.filter
  delete out.sort
  delete out.pin
  if (state.q) out.q = state.q
  if (state.filter && state.filter.conditions.length) out.filter = JSON.stringify(state.filter)
  if (state.pins.length) out.pin = JSON.stringify(state.pins)
  if (state.sort) out.sort = state.sort
  return out
}

/** A stable key of a list's state (what to fetch). */
export function stateKey(pool: string, s: ListQuery): string {
  return JSON.stringify([pool, s.q, s.filter, s.sort, s.pins])
}

// ------------------------------------------------------------------ pinned filter fields (固定筛选项, FIND-7)
/** How many fields the filter bar takes (the API allows 20; more than this no longer fits tidily). */
export const MAX_PINNED = 6

/** The value picker of a pinned field: one fixed, common operator per type, so one picker is enough. */
export function pinnedEditor(field: FieldMeta): Editor {
  if (DATE_TYPES.has(field.type)) return 'period'
  if (NUMBER_TYPES.has(field.type)) return 'numberRange'
  return editorFor(field, pinnedOp(field, null))
}

/** The operator a pinned field's value is applied with (a date's: relative, or between for a range). */
export function pinnedOp(field: FieldMeta, value: ConditionValue): Operator {
  const type = field.type
  if (DATE_TYPES.has(type)) return Array.isArray(value) ? 'between' : 'relative'
  if (NUMBER_TYPES.has(type)) return 'between'
  if (SET_TYPES.has(type)) return 'contains_any'
  if (type === 'region') return 'within'
  if (type === 'wecom') return 'any_of'
  if (CHOICE_TYPES.has(type) || type === 'employee' || type === 'department' || type === 'bool') return 'eq'
  return 'contains'
}

/** A pinned field's value as a condition, or null while it is empty or incomplete. */
export function pinCondition(field: FieldMeta, value: ConditionValue): Condition | null {
  const c: Condition = { field: field.key, op: pinnedOp(field, value), value }
  if (value === undefined || value === null || !field.operators.includes(c.op) || !isComplete(c, field)) return null
  return toApi(c, field)
}

/** The filter the list is fetched with: the pinned fields' conditions AND the filter builder's. An OR
 *  filter becomes a group under the AND; an OR of groups takes the pinned conditions into each branch
 *  (the filter language has one level of groups). */
export function combineFilter(filter: Filter | null, pins: Condition[]): Filter | null {
  const has = !!filter && filter.conditions.length > 0
  if (!pins.length) return has ? filter : null
  if (!has || !filter) return { logic: 'and', conditions: [...pins] }
  if (filter.logic === 'and') return { logic: 'and', conditions: [...pins, ...filter.conditions] }
  if (filter.conditions.every((c) => !('conditions' in c)))
    return { logic: 'and', conditions: [...pins, { logic: 'or', conditions: filter.conditions as Condition[] }] }
  const branches: Group[] = []
  for (const c of filter.conditions) {
    if (!('conditions' in c)) branches.push({ logic: 'and', conditions: [...pins, c] })
    else if (c.logic === 'and') branches.push({ logic: 'and', conditions: [...pins, ...c.conditions] })
    else for (const x of c.conditions) branches.push({ logic: 'and', conditions: [...pins, x] })
  }
  return { logic: 'or', conditions: branches }
}

export function countConditions(f: Filter | null): number {
  if (!f) return 0
  return f.conditions.reduce((n, c) => n + ('conditions' in c ? c.conditions.length : 1), 0)
}

/** Two filters mean the same (a saved filter is "active" when the URL holds exactly it). */
export function sameFilter(a: Filter | null, b: Filter | null): boolean {
  const norm = (f: Filter | null) => (f && f.conditions.length ? JSON.stringify(clean(f)) : '')
  return norm(a) === norm(b)
}

/** A copy without null object members, keys sorted (the server echoes RelativeDate with every key). */
export function clean<T>(v: T): T {
  if (Array.isArray(v)) return v.map((x) => clean(x)) as T
  if (v && typeof v === 'object') {
    const out: Record<string, unknown> = {}
    for (const k of Object.keys(v as object).sort()) {
      const x = (v as Record<string, unknown>)[k]
      if (x !== null && x !== undefined) out[k] = clean(x)
    }
    return out as T
  }
  return v
}
