// Contacts of a customer (联系人): list, create, edit, delete, primary flag; phones are masked for roles
// without customer.phone_full, and "显示完整号码" asks the server (audited).
import { http, type Id } from './http'

export interface Contact {
  id: Id
  customer_id: Id
  name: string
  title: string | null
  /** masked (138****8000) without customer.phone_full */
  phones: string[]
  email: string | null
  wechat: string | null
  /** YYYY-MM-DD */
  birthday: string | null
  is_primary: boolean
  remark: string | null
  created_by_id: Id | null
  created_at: string
  updated_at: string
}

export interface ContactInput {
  name?: string
  title?: string | null
  phones?: string[] | null
  email?: string | null
  wechat?: string | null
  birthday?: string | null
  is_primary?: boolean | null
  remark?: string | null
}

export interface RevealedPhones {
  phones: string[]
  /** contact id → full numbers */
  contacts: Record<string, string[]>
}

export const listContacts = (customerId: Id) => http.get<Contact[]>(`/customers/${customerId}/contacts`)
export const createContact = (customerId: Id, body: ContactInput & { name: string }) =>
  http.post<Contact>(`/customers/${customerId}/contacts`, body)
export const getContact = (id: Id) => http.get<Contact>(`/contacts/${id}`)
export const updateContact = (id: Id, body: ContactInput) => http.patch<Contact>(`/contacts/${id}`, body)
export const deleteContact = (id: Id) => http.delete<void>(`/contacts/${id}`)
/** The customer's and its contacts' full numbers (the server records who looked). */
export const revealPhones = (customerId: Id) => http.post<RevealedPhones>(`/customers/${customerId}/phones/reveal`)
