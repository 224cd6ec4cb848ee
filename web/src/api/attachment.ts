// Attachments (附件): files uploaded to a record — a follow-up, a return-visit record (later contracts).
// The server sniffs the type from the content, limits the size, and answers 404 outside the caller's scope.
import { API_BASE, ApiError, http, type Id, type Problem } from './http'
import { getLang } from '@/locales'

export type RecordKind = 'followup' | 'visit_record' | (string & {})

export interface AttachmentFile {
  id: Id
  record_kind: RecordKind
  record_id: Id
  customer_id: Id
  filename: string
  /** sniffed from the content */
  content_type: string
  size: number
  sha256: string
  uploaded_by_id: Id | null
  uploaded_by_name: string | null
  created_at: string
  download_url: string
  can_delete: boolean
}

export interface AttachmentList {
  items: AttachmentFile[]
  max_bytes: number
  accept: string[]
}

/** What the server accepts (it checks again, by content): images, PDF, Office documents, text. */
export const ATTACHMENT_ACCEPT = [
  '.png', '.jpg', '.jpeg', '.gif', '.webp', '.heic', '.heif', '.pdf',
  '.doc', '.docx', '.xls', '.xlsx', '.ppt', '.pptx', '.txt', '.csv',
]
export const ATTACHMENT_MAX_BYTES = 20 * 1024 * 1024

export const listAttachments = (kind: RecordKind, recordId: Id) =>
  http.get<AttachmentList>('/attachments', { record_kind: kind, record_id: recordId })
export const deleteAttachment = (id: Id) => http.delete<void>(`/attachments/${id}`)

function readCookie(name: string): string {
  const prefix = name + '='
  for (const part of document.cookie.split(';')) {
    const c = part.trim()
    if (c.startsWith(prefix)) return decodeURIComponent(c.slice(prefix.length))
  }
  return ''
}

/** Upload one file (multipart field `file`) to a record, with progress (0…100). Rejects with an ApiError
 * carrying the server's problem+json (the caller shows it). */
export function uploadAttachment(
  kind: RecordKind,
  recordId: Id,
  file: File,
  onProgress?: (percent: number) => void,
): Promise<AttachmentFile> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest()
    const qs = new URLSearchParams({ record_kind: String(kind), record_id: String(recordId) })
    xhr.open('POST', `${API_BASE}/attachments?${qs}`)
    xhr.withCredentials = true
    xhr.setRequestHeader('Accept', 'application/json, application/problem+json')
    xhr.setRequestHeader('Accept-Language', getLang())
    const csrf = readCookie('huike_csrf')
    if (csrf) xhr.setRequestHeader('X-CSRF-Token', csrf)
    if (onProgress) {
      xhr.upload.onprogress = (e) => {
        if (e.lengthComputable && e.total > 0) onProgress(Math.round((e.loaded / e.total) * 100))
      }
    }
    xhr.onerror = () => reject(new ApiError({ status: 0, code: 'network_error' }))
    xhr.onload = () => {
      let data: unknown = null
      try {
        data = xhr.responseText ? JSON.parse(xhr.responseText) : null
      } catch {
        data = null
      }
      if (xhr.status >= 200 && xhr.status < 300 && data && typeof data === 'object') {
        resolve(data as AttachmentFile)
        return
      }
      const problem: Problem = { status: xhr.status }
      if (data && typeof data === 'object') {
        const d = data as Record<string, unknown>
        if (typeof d.code === 'string') problem.code = d.code
        if (typeof d.title === 'string') problem.title = d.title
        if (typeof d.detail === 'string') problem.detail = d.detail
      }
      reject(new ApiError(problem))
    }
    const form = new FormData()
    form.append('file', file, file.name)
    xhr.send(form)
  })
}

/** 1.2 MB, 340 KB, 12 B */
export function fileSize(n: number): string {
  if (n >= 1024 * 1024) return `${(n / 1024 / 1024).toFixed(1)} MB`
  if (n >= 1024) return `${Math.round(n / 1024)} KB`
  return `${n} B`
}

/** The extension of a name, lower case with its dot ('' when none). */
export function extOf(name: string): string {
  const i = name.lastIndexOf('.')
  return i > 0 ? name.slice(i).toLowerCase() : ''
}
