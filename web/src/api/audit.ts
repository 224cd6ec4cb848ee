import { http, type Id } from './http'

export interface AuditEntry {
  id: Id
  actor_id: Id | null
  actor_name: string | null
  action: string
  target_type: string | null
  target_id: Id | null
  before: Record<string, unknown> | null
  after: Record<string, unknown> | null
  request_id: string | null
  ip: string | null
  created_at: string
}

export interface AuditQuery {
  action?: string
  actor_id?: Id
  target_type?: string
  target_id?: Id
  since?: string
  until?: string
  cursor?: string | null
  limit?: number
}

export const listAudit = (query: AuditQuery) =>
  http.get<{ items: AuditEntry[]; next_cursor: string | null }>('/audit', { ...query })
