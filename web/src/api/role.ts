import { http, type Id } from './http'
import type { DataScope, RoleKind } from './auth'

export interface Role {
  id: Id
  code: string
  name: string
  data_scope: DataScope
  kind: RoleKind
  permissions: string[]
  is_builtin: boolean
  employee_count: number
}

export interface RoleCreate {
  code: string
  name: string
  data_scope: DataScope
  kind: RoleKind
  permissions: string[]
}

export type RoleUpdate = Partial<RoleCreate>

export type PermissionGroup = 'customer' | 'pool' | 'org' | 'system'
export interface Permission {
  code: string
  group: PermissionGroup | string
}

export const listRoles = () => http.get<{ items: Role[] }>('/roles')
export const createRole = (body: RoleCreate) => http.post<Role>('/roles', body)
export const updateRole = (id: Id, body: RoleUpdate) => http.patch<Role>(`/roles/${id}`, body)
export const deleteRole = (id: Id) => http.delete<void>(`/roles/${id}`)
export const listPermissions = () => http.get<Permission[] | { items: Permission[] }>('/permissions', undefined, { silent: true })
