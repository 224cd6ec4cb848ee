// One place for every call to the Huike API: base path, cookies, CSRF, language, problem+json errors.
import { ElMessage } from 'element-plus'
import { getLang, i18n } from '@/locales'

export const API_BASE = '/api/v1'

export interface FieldError {
  field: string
  code: string
  message: string
}

export interface Problem {
  type?: string
  title?: string
  status: number
  code?: string
  detail?: string
  request_id?: string
  errors?: FieldError[]
}

/** An answer of the API that is not 2xx, or a network failure (status 0). */
export class ApiError extends Error {
  readonly status: number
  readonly code: string
  readonly detail: string
  readonly problem: Problem
  /** true once the error was shown to the user by the central handler */
  handled = false

  constructor(problem: Problem) {
    super(problem.detail || problem.title || `HTTP ${problem.status}`)
    this.name = 'ApiError'
    this.status = problem.status
    this.code = problem.code || ''
    this.detail = problem.detail || problem.title || ''
    this.problem = problem
  }

  get fieldErrors(): FieldError[] {
    return this.problem.errors || []
  }
}

export function isApiError(e: unknown): e is ApiError {
  return e instanceof ApiError
}

type Query = Record<string, string | number | boolean | null | undefined>

export interface RequestOptions {
  query?: Query
  body?: unknown
  /** do not show an error message (the caller handles it) */
  silent?: boolean
  /** codes the caller shows itself (other errors are still shown) */
  quietCodes?: string[]
  /** on 401 do not send the user to the login page */
  noAuthRedirect?: boolean
}

let csrfFallback = ''
let onUnauthorized: (() => void) | null = null

/** Called by the app: what to do when the session is gone (go to /login?redirect=…). */
export function setUnauthorizedHandler(fn: () => void) {
  onUnauthorized = fn
}

/** The CSRF token from the login answer, used only when the huike_csrf cookie cannot be read. */
export function rememberCsrfToken(token: string | undefined | null) {
  csrfFallback = token || ''
}

function readCookie(name: string): string {
  const prefix = name + '='
  for (const part of document.cookie.split(';')) {
    const c = part.trim()
    if (c.startsWith(prefix)) return decodeURIComponent(c.slice(prefix.length))
  }
  return ''
}

/** Whether this browser holds a login (the readable half of the session's cookies). */
export function hasCsrfCookie(): boolean {
  return readCookie('huike_csrf') !== ''
}

function buildUrl(path: string, query?: Query): string {
  let url = path.startsWith('/api/') || path.startsWith('/healthz') ? path : API_BASE + path
  if (query) {
    const params = new URLSearchParams()
    for (const [k, v] of Object.entries(query)) {
      if (v === undefined || v === null || v === '') continue
      params.append(k, String(v))
    }
    const qs = params.toString()
    if (qs) url += (url.includes('?') ? '&' : '?') + qs
  }
  return url
}

function t(key: string, values?: Record<string, unknown>): string {
  return values ? (i18n.global.t(key, values) as string) : (i18n.global.t(key) as string)
}

function showError(err: ApiError) {
  let text = err.detail
  if (!text) {
    if (err.status === 0) text = t('errors.network')
    else if (err.status === 403) text = t('errors.forbidden')
    else if (err.status === 404) text = t('errors.notFound')
    else text = t('errors.server', { status: err.status })
  }
  ElMessage.error({ message: text, grouping: true })
  err.handled = true
}

async function parseProblem(res: Response): Promise<Problem> {
  const type = res.headers.get('content-type') || ''
  if (type.includes('json')) {
    try {
      const data = await res.json()
      if (data && typeof data === 'object') {
        // FastAPI's default {"detail": "..."} or {"detail": [...]} is tolerated too.
        if (Array.isArray(data.detail)) {
          return {
            status: res.status,
            code: 'validation_error',
            detail: '',
            errors: data.detail.map((d: { loc?: unknown[]; msg?: string; type?: string }) => ({
              field: (d.loc || []).filter((x) => x !== 'body').join('.'),
              code: d.type || 'invalid',
              message: d.msg || '',
            })),
          }
        }
        return { status: res.status, ...data }
      }
    } catch {
      /* fall through */
    }
  }
  return { status: res.status }
}

export async function request<T = unknown>(method: string, path: string, opts: RequestOptions = {}): Promise<T> {
  const headers: Record<string, string> = {
    Accept: 'application/json, application/problem+json',
    'Accept-Language': getLang(),
  }
  const init: RequestInit = { method, headers, credentials: 'same-origin' }
  if (opts.body !== undefined) {
    headers['Content-Type'] = 'application/json'
    init.body = JSON.stringify(opts.body)
  }
  if (method !== 'GET' && method !== 'HEAD') {
    const csrf = readCookie('huike_csrf') || csrfFallback
    if (csrf) headers['X-CSRF-Token'] = csrf
  }

  let res: Response
  try {
    res = await fetch(buildUrl(path, opts.query), init)
  } catch {
    const err = new ApiError({ status: 0, code: 'network_error', detail: t('errors.network') })
    if (!opts.silent) showError(err)
    throw err
  }

  if (res.ok) {
    if (res.status === 204) return undefined as T
    const type = res.headers.get('content-type') || ''
    if (type.includes('json')) return (await res.json()) as T
    return (await res.text()) as unknown as T
  }

  const err = new ApiError(await parseProblem(res))
  if (res.status === 401 && !opts.noAuthRedirect) {
    if (onUnauthorized) onUnauthorized()
    if (!opts.silent) {
      if (!err.detail) err.problem.detail = t('errors.unauthorized')
      ElMessage.warning({ message: err.detail || t('errors.unauthorized'), grouping: true })
      err.handled = true
    }
    throw err
  }
  const quiet = opts.silent || (err.code && opts.quietCodes?.includes(err.code))
  if (!quiet) showError(err)
  throw err
}

export const http = {
  get: <T>(path: string, query?: Query, opts: RequestOptions = {}) => request<T>('GET', path, { ...opts, query }),
  post: <T>(path: string, body?: unknown, opts: RequestOptions = {}) => request<T>('POST', path, { ...opts, body }),
  patch: <T>(path: string, body?: unknown, opts: RequestOptions = {}) => request<T>('PATCH', path, { ...opts, body }),
  put: <T>(path: string, body?: unknown, opts: RequestOptions = {}) => request<T>('PUT', path, { ...opts, body }),
  delete: <T>(path: string, opts: RequestOptions = {}) => request<T>('DELETE', path, opts),
}

/** Field errors of a 422 as {field: message}; "body.phones.0" → "phones.0" and also "phones". */
export function fieldErrorMap(e: unknown): Record<string, string> {
  const out: Record<string, string> = {}
  if (!isApiError(e)) return out
  for (const fe of e.fieldErrors) {
    const field = (fe.field || '').replace(/^body\./, '')
    const msg = fe.message || fe.code
    if (!field) continue
    if (!out[field]) out[field] = msg
    const head = field.split(/[.[]/)[0]
    if (head && !out[head]) out[head] = msg
  }
  return out
}

/** Ids as the API gives them (opaque; compare with ===, never do arithmetic). */
export type Id = string | number
