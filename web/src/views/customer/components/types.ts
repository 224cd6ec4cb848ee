import type { CreatePool } from '@/api/customer'
import type { Id } from '@/api/http'

export interface CustomerFormModel {
  name: string
  phones: string[]
  pool: CreatePool
  owner_id: Id | ''
  company: string
  email: string
  source: string
  industry: string
  level: string
  tags: string[]
  /** 省/市/区 path (广东省/深圳市/南山区); the form shows the region picker only when the model has it */
  region?: string | null
  address: string
  remark: string
  /** custom field values by key; the form shows the custom fields only when the model has them */
  custom_fields?: Record<string, unknown>
}

/** Choices offered by the form: the tenant's dictionaries, or what the list already shows when they are unknown. */
export interface Suggestions {
  source: string[]
  /** sources that are a 小类 of the one before them (shown indented) */
  sourceChildren: string[]
  industry: string[]
  level: string[]
  /** tag groups; a `single` group allows one of its tags per customer */
  tags: { group: string; single: boolean; tags: string[] }[]
  /** whether a value outside the list may be typed */
  free: { source: boolean; industry: boolean; level: boolean; tags: boolean }
}
