import { http, type Id } from './http'

export interface DictItem {
  id: Id
  kind: string
  name: string
  parent_id: Id | null
  color: string | null
  sort: number
  is_active: boolean
  children: DictItem[]
}

export interface DictKind {
  kind: string
  /** values typed outside the dictionary are accepted (and added) */
  free_entry: boolean
  items: DictItem[]
}

export interface TagGroup {
  id: Id
  name: string
  mode: 'single' | 'multi'
  sort: number
  is_free: boolean
  tags: { id: Id; group_id: Id; name: string; color: string | null; sort: number }[]
}

export interface Dictionaries {
  source: DictKind
  industry: DictKind
  level: DictKind
  stage: DictKind
  tags: { free_entry: boolean; groups: TagGroup[] }
}

/** Sources, industries, levels, stages and tag groups for the customer forms (everyone logged in may read). */
export const getDictionaries = () => http.get<Dictionaries>('/settings/dictionaries', undefined, { silent: true })
