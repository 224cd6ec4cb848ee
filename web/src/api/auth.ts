import { http, type Id } from './http'

export type DataScope = 'self' | 'department' | 'center' | 'company'
export type RoleKind = 'sales' | 'non_sales'

export interface Me {
  id: Id
  username: string
  name: string
  tenant: { id: Id; code: string; name: string }
  department_id: Id | null
  department_name: string | null
  role: { id: Id; code: string; name: string; data_scope: DataScope; kind: RoleKind }
  permissions: string[]
}

export interface LoginPayload {
  tenant: string
  username: string
  password: string
}

export interface LoginResult {
  access_token: string
  token_type: string
  expires_at: string
  csrf_token: string
  employee: Me
}

export const login = (payload: LoginPayload) =>
  http.post<LoginResult>('/auth/login', payload, { noAuthRedirect: true })

export const logout = () => http.post<void>('/auth/logout', undefined, { silent: true, noAuthRedirect: true })

/** The caller; 401 when not logged in (not shown, the router handles it). */
export const fetchMe = () => http.get<Me>('/me', undefined, { silent: true, noAuthRedirect: true })
