function pad(n: number): string {
  return n < 10 ? '0' + n : String(n)
}

/** "2024-05-01T08:30:00Z" → "2024-05-01 16:30" (local time); empty for nothing. */
export function formatDateTime(value: string | null | undefined, withSeconds = false): string {
  if (!value) return ''
  const d = new Date(value)
  if (Number.isNaN(d.getTime())) return String(value)
  const s = `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}`
  return withSeconds ? `${s}:${pad(d.getSeconds())}` : s
}

export function formatDate(value: string | null | undefined): string {
  return formatDateTime(value).slice(0, 10)
}

/** Any JSON value as short text for tables and diffs. */
export function displayValue(v: unknown): string {
  if (v === null || v === undefined) return '—'
  if (typeof v === 'string') return v === '' ? '""' : v
  if (typeof v === 'number' || typeof v === 'boolean') return String(v)
  return JSON.stringify(v)
}
