import { http, type RequestOptions, type Id } from './http'

export interface Employee {
  id: Id
  username: string
  name: string
  phone: string | null
  email: string | null
  department_id: Id | null
  department_name: string | null
  role_id: Id
  role_code: string
  role_name: string
  is_active: boolean
  created_at: string
}

export interface EmployeeQuery {
  q?: string
  department_id?: Id
  include_disabled?: boolean
  limit?: number
  offset?: number
}

export interface EmployeeCreate {
  username: string
  name: string
  password: string
  department_id: Id
  role_id: Id
  phone?: string
  email?: string
}

export interface EmployeeUpdate {
  name?: string
  password?: string
  department_id?: Id
  role_id?: Id
  phone?: string | null
  email?: string | null
  is_active?: boolean
}

export const listEmployees = (query: EmployeeQuery = {}, opts: RequestOptions = {}) =>
  http.get<{ items: Employee[]; total: number }>('/employees', { ...query }, opts)
export const getEmployee = (id: Id) => http.get<Employee>(`/employees/${id}`)
export const createEmployee = (body: EmployeeCreate) => http.post<Employee>('/employees', body)
export const updateEmployee = (id: Id, body: EmployeeUpdate) => http.patch<Employee>(`/employees/${id}`, body)
