// Import and export of customers (IMP-1…7): template, upload + header mapping, import jobs with progress and an
// error report, export jobs of the current list. See docs / notes IO_API.md for the contract.
import { getLang } from '@/locales'
import { API_BASE, ApiError, http, type Id, type Problem } from './http'

export type ImportPool = 'potential' | 'to_assign' | 'following' | 'public'
export const IMPORT_POOLS: ImportPool[] = ['potential', 'to_assign', 'following', 'public']
export type OnDuplicate = 'update' | 'skip'
export type JobStatus = 'uploaded' | 'queued' | 'running' | 'done' | 'failed'
export type ExportFormat = 'xlsx' | 'csv'

export interface ImportField {
  key: string
  label: string
  required: boolean
  type: string
  aliases: string[]
  options: string[] | null
}

export interface JobError {
  code: string
  detail: string
}

/** The answer to an upload: the file's headers, the proposed mapping and the first rows. */
export interface ImportUpload extends Omit<ImportJob, 'headers' | 'mapping'> {
  id: Id
  filename: string
  status: JobStatus
  headers: string[]
  mapping: Record<string, string | null>
  rows: number | null
  sample: string[][]
  mapping_source: 'saved' | 'auto' | string
}

export interface ImportJob {
  id: Id
  filename: string
  status: JobStatus
  pool: ImportPool | null
  on_duplicate: OnDuplicate | null
  total: number | null
  processed: number
  created: number
  updated: number
  skipped: number
  failed: number
  error: JobError | null
  created_at: string
  finished_at: string | null
  has_error_report: boolean
  format?: 'xlsx' | 'csv'
  headers?: string[]
  mapping?: Record<string, string | null>
  owner_ids?: Id[]
  created_by_id?: Id
}

export interface ImportStartBody {
  mapping: Record<string, string | null>
  pool: ImportPool
  on_duplicate: OnDuplicate
  owner_ids?: Id[]
  public_pool_id?: Id | null
  save_mapping: boolean
}

export interface ExportBody {
  pool: string
  filter: object | null
  q: string | null
  columns: string[] | null
  format: ExportFormat
}

export interface ExportJob {
  id: Id
  status: Exclude<JobStatus, 'uploaded'>
  format: ExportFormat
  rows: number | null
  processed: number
  error: JobError | null
  created_at: string
  finished_at?: string | null
  /** the file stops at the tenant's export row cap */
  capped?: boolean
  filename?: string | null
  pool?: string
  columns?: string[]
  created_by_id?: Id
}

export const IMPORT_ACCEPT = '.xlsx,.csv'
export const templateUrl = `${API_BASE}/imports/template`
export const errorReportUrl = (id: Id) => `${API_BASE}/imports/${id}/errors`
export const exportFileUrl = (id: Id) => `${API_BASE}/exports/${id}/file`

export const getImportFields = () => http.get<{ items: ImportField[] }>('/imports/fields')
export const listImports = () => http.get<{ items: ImportJob[] }>('/imports', undefined, { silent: true })
export const getImport = (id: Id) => http.get<ImportJob>(`/imports/${id}`, undefined, { silent: true })
export const startImport = (id: Id, body: ImportStartBody) =>
  http.post<ImportJob>(`/imports/${id}/start`, body, { quietCodes: ['mapping_invalid'] })

export const createExport = (body: ExportBody) =>
  http.post<ExportJob>('/exports', body, { quietCodes: ['export_too_large'] })
export const getExport = (id: Id) => http.get<ExportJob>(`/exports/${id}`, undefined, { silent: true })

export const isFinished = (s: JobStatus) => s === 'done' || s === 'failed'

function readCookie(name: string): string {
  const prefix = name + '='
  for (const part of document.cookie.split(';')) {
    const c = part.trim()
    if (c.startsWith(prefix)) return decodeURIComponent(c.slice(prefix.length))
  }
  return ''
}

/** Upload a file (multipart field `file`) with upload progress (0…100). Errors are ApiErrors carrying the
 * server's problem+json; the caller shows them (nothing is shown here). */
export function uploadImport(file: File, onProgress?: (percent: number) => void): Promise<ImportUpload> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest()
    xhr.open('POST', `${API_BASE}/imports`)
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
        resolve(data as ImportUpload)
        return
      }
      const problem: Problem = { status: xhr.status }
      if (data && typeof data === 'object') {
        const d = data as Record<string, unknown>
        if (typeof d.code === 'string') problem.code = d.code
        if (typeof d.title === 'string') problem.title = d.title
        if (typeof d.detail === 'string') problem.detail = d.detail
        if (typeof d.request_id === 'string') problem.request_id = d.request_id
      }
      reject(new ApiError(problem))
    }
    const form = new FormData()
    form.append('file', file, file.name)
    xhr.send(form)
  })
}

/** Start a browser download of a same-origin URL (cookies go along; the server names the file). */
export function downloadUrl(url: string) {
  const a = document.createElement('a')
  a.href = url
  a.rel = 'noopener'
  a.download = ''
  document.body.appendChild(a)
  a.click()
  a.remove()
}
