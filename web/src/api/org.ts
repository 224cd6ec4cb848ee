import { http, type Id } from './http'

export type OrgKind = 'company' | 'center' | 'department'

export interface OrgUnit {
  id: Id
  parent_id: Id | null
  kind: OrgKind
  name: string
  disabled: boolean
  sort: number
  employee_count: number
}

export interface OrgUnitCreate {
  parent_id: Id
  kind: 'center' | 'department'
  name: string
}

export interface OrgUnitUpdate {
  name?: string
  parent_id?: Id
  disabled?: boolean
}

export const listOrgUnits = () => http.get<{ items: OrgUnit[] }>('/org/units')
export const createOrgUnit = (body: OrgUnitCreate) => http.post<OrgUnit>('/org/units', body)
export const updateOrgUnit = (id: Id, body: OrgUnitUpdate) => http.patch<OrgUnit>(`/org/units/${id}`, body)
