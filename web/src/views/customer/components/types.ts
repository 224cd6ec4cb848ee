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
  address: string
  remark: string
}

export interface Suggestions {
  source: string[]
  industry: string[]
  level: string[]
  tags: string[]
}
