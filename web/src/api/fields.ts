// Settings → 字段与标签: dictionaries (sources 大类/小类, industries, levels, stages), tag groups and
// tags, custom fields. Reading is open to everyone logged in; changes take settings.manage.
import { http, type Id } from './http'
import type { DictItem, DictKind, TagGroup } from './dictionary'

export type DictKindKey = 'source' | 'industry' | 'level' | 'stage'
export type CustomFieldType =
  | 'text'
  | 'long_text'
  | 'number'
  | 'money'
  | 'date'
  | 'datetime'
  | 'single'
  | 'multi'
  | 'phone'
  | 'email'
  | 'region'
  | 'employee'
export const CUSTOM_FIELD_TYPES: CustomFieldType[] = [
  'text',
  'long_text',
  'number',
  'money',
  'date',
  'datetime',
  'single',
  'multi',
  'phone',
  'email',
  'region',
  'employee',
]

export interface CustomField {
  id: Id
  key: string
  label: string
  type: CustomFieldType
  options: string[]
  config: Record<string, unknown>
  required: boolean
  description: string | null
  sort: number
  is_active: boolean
}

export interface CustomFieldBody {
  key?: string
  label?: string
  type?: CustomFieldType
  options?: string[]
  rename_options?: Record<string, string>
  required?: boolean
  description?: string | null
  is_active?: boolean
}

export const getKind = (kind: DictKindKey) => http.get<DictKind>(`/settings/dictionaries/${kind}`)
export const setFreeEntry = (kind: DictKindKey | 'tag', free_entry: boolean) =>
  http.patch<unknown>(`/settings/dictionaries/${kind}`, { free_entry })
export const createItem = (kind: DictKindKey, body: { name: string; parent_id?: Id | null }) =>
  http.post<DictItem>(`/settings/dictionaries/${kind}`, body)
export const updateItem = (id: Id, body: { name?: string; is_active?: boolean; parent_id?: Id | null }) =>
  http.patch<DictItem>(`/settings/dictionary-items/${id}`, body)
export const deleteItem = (id: Id) => http.delete<void>(`/settings/dictionary-items/${id}`)
export const orderItems = (kind: DictKindKey, ids: Id[]) => http.put<DictKind>(`/settings/dictionaries/${kind}/order`, { ids })

export const getTagGroups = () => http.get<{ free_entry: boolean; groups: TagGroup[] }>('/settings/tag-groups')
export const createTagGroup = (body: { name: string; mode: 'single' | 'multi' }) =>
  http.post<TagGroup>('/settings/tag-groups', body)
export const updateTagGroup = (id: Id, body: { name?: string; mode?: 'single' | 'multi' }) =>
  http.patch<TagGroup>(`/settings/tag-groups/${id}`, body)
export const deleteTagGroup = (id: Id) => http.delete<void>(`/settings/tag-groups/${id}`)
export const orderTagGroups = (ids: Id[]) => http.put<unknown>('/settings/tag-groups/order', { ids })
export const createTag = (groupId: Id, body: { name: string; color?: string | null }) =>
  http.post<TagGroup['tags'][number]>(`/settings/tag-groups/${groupId}/tags`, body)
export const updateTag = (id: Id, body: { name?: string; color?: string | null; group_id?: Id }) =>
  http.patch<TagGroup['tags'][number]>(`/settings/tags/${id}`, body)
export const deleteTag = (id: Id) => http.delete<void>(`/settings/tags/${id}`)

export const listCustomFields = () => http.get<CustomField[]>('/settings/custom-fields')
export const createCustomField = (body: CustomFieldBody) => http.post<CustomField>('/settings/custom-fields', body)
export const updateCustomField = (id: Id, body: CustomFieldBody) =>
  http.patch<CustomField>(`/settings/custom-fields/${id}`, body)
export const deleteCustomField = (id: Id) => http.delete<void>(`/settings/custom-fields/${id}`)
export const orderCustomFields = (ids: Id[]) => http.put<CustomField[]>('/settings/custom-fields/order', { ids })
