// Reminders: the tenant's rules and channels (提醒设置), one's own preferences, a manual run, the delivery log.
import { http, type Id } from './http'

export const REMINDER_CHANNELS = ['email', 'dingtalk', 'wecom'] as const
export type ReminderChannel = (typeof REMINDER_CHANNELS)[number]
export type SmtpSecurity = 'none' | 'starttls' | 'ssl'

export interface ReminderSettings {
  followup_enabled: boolean
  followup_lead_minutes: number
  no_followup_enabled: boolean
  no_followup_days: number
  visit_enabled: boolean
  visit_lead_minutes: number
  birthday_enabled: boolean
  birthday_days_before: number
  birthday_hour: number
  task_enabled: boolean
  in_app_enabled: boolean
  email_enabled: boolean
  smtp_host: string | null
  smtp_port: number
  smtp_security: SmtpSecurity
  smtp_user: string | null
  /** secrets are write-only: the server says only whether one is set */
  smtp_password_set: boolean
  smtp_from: string | null
  dingtalk_enabled: boolean
  dingtalk_webhook: string | null
  dingtalk_secret_set: boolean
  wecom_enabled: boolean
  wecom_corp_id: string | null
  wecom_agent_id: number | null
  wecom_secret_set: boolean
  wecom_api_base: string
}

type Secrets = 'smtp_password_set' | 'dingtalk_secret_set' | 'wecom_secret_set'
export type ReminderSettingsUpdate = Partial<Omit<ReminderSettings, Secrets>> & {
  /** "" clears it; leave out to keep */
  smtp_password?: string | null
  dingtalk_secret?: string | null
  wecom_secret?: string | null
}

export interface ReminderPrefs {
  /** null = the company's default */
  followup_lead_minutes: number | null
  in_app: boolean
  email: boolean
  dingtalk: boolean
  wecom: boolean
  wecom_userid: string | null
}

export interface ReminderPrefsRead extends ReminderPrefs {
  effective_lead_minutes: number
  tenant_channels: Record<string, boolean>
}

export type DeliveryStatus = 'pending' | 'sending' | 'sent' | 'failed' | 'skipped'

export interface Delivery {
  id: Id
  notification_id: Id
  employee_id: Id
  channel: string
  status: DeliveryStatus | string
  attempts: number
  last_error: string | null
  log: Record<string, unknown>[]
  created_at: string
  sent_at: string | null
  kind: string
  title: string
}

export const getReminderSettings = () => http.get<ReminderSettings>('/reminders/settings')
export const updateReminderSettings = (body: ReminderSettingsUpdate) =>
  http.patch<ReminderSettings>('/reminders/settings', body)
export const getMyReminderPrefs = () => http.get<ReminderPrefsRead>('/me/reminder-preferences')
export const putMyReminderPrefs = (body: ReminderPrefs) => http.put<ReminderPrefsRead>('/me/reminder-preferences', body)
/** Generate the tenant's due reminders now; counts per kind. */
export const runReminders = () => http.post<{ counts: Record<string, number> }>('/reminders/run')
export const listDeliveries = (
  query: { status?: DeliveryStatus; channel?: ReminderChannel; employee_id?: Id; limit?: number } = {},
) => http.get<Delivery[]>('/reminders/deliveries', { ...query })
