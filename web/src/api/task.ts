// Tasks over a selection of customers: 我下发的 (issuer, managers) and 我待办的 (handlers).
import { http, type Id, type RequestOptions } from './http'
import type { FollowupMethod } from './followup'

export const TASK_TYPES = ['call', 'visit', 'content', 'custom'] as const
export type TaskType = (typeof TASK_TYPES)[number]
export type TaskStatus = 'open' | 'done' | 'cancelled'
/** the list filter also knows "overdue" (open and past due) */
export type TaskStatusFilter = TaskStatus | 'overdue'

/** The server refuses more customers than this in one task (422 too_many_customers). */
export const MAX_TASK_CUSTOMERS = 500

export interface HandlerProgress {
  handler_id: Id
  handler_name: string | null
  total: number
  done: number
  pending: number
}

export interface Task {
  id: Id
  type: TaskType
  title: string
  content: string | null
  due_at: string | null
  issuer_id: Id
  issuer_name: string | null
  handler_ids: Id[]
  status: TaskStatus
  selected: number
  skipped_blacklisted: number
  skipped_other: number
  total: number
  done: number
  pending: number
  overdue: boolean
  created_at: string
  completed_at: string | null
  my_total?: number | null
  my_done?: number | null
  per_handler?: HandlerProgress[] | null
}

export interface Skipped {
  id: Id
  reason: 'blacklisted' | 'not_found' | 'in_recycle_bin'
}

export interface TaskCreated extends Task {
  skipped: Skipped[]
}

export interface TaskPage {
  items: Task[]
  next_cursor: string | null
}

export interface TaskCreate {
  type: TaskType
  title: string
  content?: string | null
  due_at?: string | null
  handler_ids: Id[]
  customer_ids: Id[]
}

export interface TaskItem {
  id: Id
  task_id: Id
  position: number
  customer_id: Id
  customer_name: string | null
  company: string | null
  phones: string[]
  pool: string | null
  owner_name: string | null
  handler_id: Id
  handler_name: string | null
  status: 'pending' | 'done'
  overdue: boolean
  done_at: string | null
  followup_id: Id | null
  result: string | null
}

export interface ProcessBody {
  method?: FollowupMethod | null
  content?: string | null
  feedback?: string | null
  stage?: string | null
  next_at?: string | null
  next_plan?: string | null
  result?: string | null
}

export const createTask = (body: TaskCreate, opts: RequestOptions = {}) => http.post<TaskCreated>('/tasks', body, opts)
export const listIssuedTasks = (
  query: { status?: TaskStatusFilter; everyone?: boolean; cursor?: string | null; limit?: number } = {},
) => http.get<TaskPage>('/tasks/issued', { ...query })
export const listTodoTasks = (
  query: { status?: TaskStatusFilter; pending_only?: boolean; cursor?: string | null; limit?: number } = {},
) => http.get<TaskPage>('/tasks/todo', { ...query })
export const getTask = (id: Id) => http.get<Task>(`/tasks/${id}`)
export const listTaskItems = (id: Id, query: { handler_id?: Id; status?: 'pending' | 'done' } = {}) =>
  http.get<TaskItem[]>(`/tasks/${id}/items`, { ...query })
/** One click: writes the customer's follow-up and marks the item done (409 when it already is). */
export const processTaskItem = (taskId: Id, itemId: Id, body: ProcessBody = {}) =>
  http.post<TaskItem>(`/tasks/${taskId}/items/${itemId}/process`, body)
export const cancelTask = (id: Id) => http.post<Task>(`/tasks/${id}/cancel`)
