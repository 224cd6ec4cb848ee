// Follow-ups (跟进记录) and automatic tagging rules.
import { http, type Id, type RequestOptions } from './http'
import type { AttachmentFile } from './attachment'

export const FOLLOWUP_METHODS = ['phone', 'wechat', 'visit', 'email', 'other'] as const
export type FollowupMethod = (typeof FOLLOWUP_METHODS)[number]

export interface Attachment {
  name: string
  url: string
  size?: number | null
}

export interface Followup {
  id: Id
  customer_id: Id
  customer_name: string | null
  author_id: Id
  author_name: string | null
  contact_id: Id | null
  contact_name: string | null
  at: string
  method: FollowupMethod
  content: string
  feedback: string | null
  stage: string | null
  next_at: string | null
  next_plan: string | null
  remind: boolean
  /** links (name + URL) */
  attachments: Attachment[]
  /** uploaded files (GET …/download) */
  files: AttachmentFile[]
  /** tags added by the automatic tagging rules when it was written */
  auto_tags: string[]
  task_item_id: Id | null
  created_at: string
  updated_at: string
}

export interface FollowupPage {
  items: Followup[]
  next_cursor: string | null
}

export interface FollowupCreate {
  at?: string | null
  method: FollowupMethod
  content: string
  feedback?: string | null
  stage?: string | null
  contact_id?: Id | null
  next_at?: string | null
  next_plan?: string | null
  remind?: boolean
  attachments?: Attachment[]
}

export type FollowupUpdate = Partial<Omit<FollowupCreate, 'at' | 'contact_id'>>

export interface FollowupQuery {
  author_id?: Id
  customer_id?: Id
  method?: FollowupMethod
  since?: string
  until?: string
  mine?: boolean
  cursor?: string | null
  limit?: number
}

export const listCustomerFollowups = (customerId: Id, cursor?: string | null, limit = 20) =>
  http.get<FollowupPage>(`/customers/${customerId}/followups`, { cursor, limit })
/** 403 `claim_first` for a salesperson on a public-pool customer. */
export const createFollowup = (customerId: Id, body: FollowupCreate, opts: RequestOptions = {}) =>
  http.post<Followup>(`/customers/${customerId}/followups`, body, opts)
export const listFollowups = (query: FollowupQuery = {}) => http.get<FollowupPage>('/followups', { ...query })
export const getFollowup = (id: Id) => http.get<Followup>(`/followups/${id}`)
export const updateFollowup = (id: Id, body: FollowupUpdate) => http.patch<Followup>(`/followups/${id}`, body)

export interface TagRule {
  id: Id
  name: string
  keywords: string[]
  match: 'any' | 'all'
  tag: string
  enabled: boolean
  created_at: string
}
export type TagRuleInput = Omit<TagRule, 'id' | 'created_at'>

export const listTagRules = () => http.get<TagRule[]>('/tag-rules')
export const createTagRule = (body: TagRuleInput) => http.post<TagRule>('/tag-rules', body)
export const updateTagRule = (id: Id, body: Partial<TagRuleInput>) => http.patch<TagRule>(`/tag-rules/${id}`, body)
export const deleteTagRule = (id: Id) => http.delete<void>(`/tag-rules/${id}`)

export interface TagRulePreview {
  /** the tags a follow-up with this text would add (enabled rules) */
  tags: string[]
  /** every rule the text matches, disabled ones included */
  rules: TagRule[]
}
export const previewTagRules = (text: string) => http.post<TagRulePreview>('/tag-rules/preview', { text })
