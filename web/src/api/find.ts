// Finding customers (FIND-1…8): the field catalogue of the filter builder and the column dialog,
// saved filters (常用筛选, pinned ones are the quick chips) and list views (columns per pool).
import { http, type Id } from './http'
import type { Customer, PoolKey } from './customer'

export type Operator =
  | 'eq'
  | 'ne'
  | 'any_of'
  | 'none_of'
  | 'contains'
  | 'not_contains'
  | 'starts_with'
  | 'contains_any'
  | 'contains_all'
  | 'empty'
  | 'not_empty'
  | 'gt'
  | 'gte'
  | 'lt'
  | 'lte'
  | 'between'
  | 'relative'
  | 'within'

export type RelativePreset =
  | 'today'
  | 'yesterday'
  | 'tomorrow'
  | 'this_week'
  | 'last_week'
  | 'this_month'
  | 'last_month'
  | 'this_year'

export interface RelativeDate {
  preset?: RelativePreset
  last_days?: number
  next_days?: number
  more_than_days_ago?: number
}

export type Scalar = string | number | boolean | null
export type ConditionValue = Scalar | Scalar[] | RelativeDate | RelativePreset | undefined

export interface Condition {
  field: string
  op: Operator
  value?: ConditionValue
}

export interface Group {
  logic: 'and' | 'or'
  conditions: Condition[]
}

export interface Filter {
  logic: 'and' | 'or'
  conditions: (Condition | Group)[]
}

export interface FieldMeta {
  key: string
  label: string
  type: string
  custom: boolean
  operators: Operator[]
  options: (string | number)[] | null
  sortable: boolean
  column: boolean
  filterable: boolean
}

export interface SavedFilter {
  id: Id
  pool: PoolKey
  name: string
  filter: Filter
  q: string | null
  sort: string | null
  pinned: boolean
  position: number
  created_at: string
  updated_at: string
}

export interface SavedFilterCreate {
  pool: PoolKey
  name: string
  filter: Filter
  q?: string | null
  sort?: string | null
  pinned?: boolean
}

export interface ListView {
  pool: PoolKey
  columns: string[]
  pinned_fields: string[]
  sort: string
  page_size: number
  is_default: boolean
}

export interface ListViewBody {
  columns: string[]
  pinned_fields?: string[]
  sort?: string | null
  page_size?: number
}

export const MAX_CONDITIONS = 10

export const getFields = () => http.get<FieldMeta[]>('/customers/fields')
export const listSavedFilters = (pool: PoolKey) => http.get<SavedFilter[]>('/customers/saved-filters', { pool })
export const createSavedFilter = (body: SavedFilterCreate) =>
  http.post<SavedFilter>('/customers/saved-filters', body, { quietCodes: ['saved_filter_exists'] })
export const updateSavedFilter = (id: Id, body: Partial<Omit<SavedFilterCreate, 'pool'>>) =>
  http.patch<SavedFilter>(`/customers/saved-filters/${id}`, body)
export const deleteSavedFilter = (id: Id) => http.delete<void>(`/customers/saved-filters/${id}`)
export const getListView = (pool: PoolKey) => http.get<ListView>(`/customers/views/${pool}`)
export const putListView = (pool: PoolKey, body: ListViewBody) => http.put<ListView>(`/customers/views/${pool}`, body)
export const resetListView = (pool: PoolKey) => http.delete<void>(`/customers/views/${pool}`)

export interface FindQuery {
  pool: PoolKey
  q?: string
  /** JSON of a Filter */
  filter?: string
  sort?: string
  cursor?: string | null
  limit?: number
  total?: 'auto' | 'exact' | 'none'
}

export interface FindPage {
  items: Customer[]
  next_cursor: string | null
  total: number
  total_exact: boolean
  total_kind?: 'exact' | 'at_least' | 'estimate' | 'none'
  sort?: string
}

/** GET /customers with the filter and the sort (the list of every pool). */
export const findCustomers = (query: FindQuery) =>
  http.get<FindPage>('/customers', { ...query }, { quietCodes: ['invalid_filter', 'too_many_conditions'] })
