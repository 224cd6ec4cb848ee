// A name asked in a small dialog (new value, rename); null when cancelled.
import { ElMessageBox } from 'element-plus'
import { i18n } from '@/locales'

export async function askName(title: string, current = '', hint = ''): Promise<string | null> {
  const t = i18n.global.t
  try {
    const res = await ElMessageBox.prompt(hint, title, {
      inputValue: current,
      inputPlaceholder: t('find.settings.namePrompt'),
      inputValidator: (v: string) => (v && v.trim() ? true : t('find.settings.namePrompt')),
      confirmButtonText: t('common.save'),
      cancelButtonText: t('common.cancel'),
      customClass: 'hk-name-prompt',
    })
    const v = (res as { value: string }).value.trim()
    return v && v !== current ? v : null
  } catch {
    return null
  }
}

export async function confirmDanger(message: string): Promise<boolean> {
  const t = i18n.global.t
  try {
    await ElMessageBox.confirm(message, t('common.delete'), {
      type: 'warning',
      confirmButtonText: t('common.delete'),
      cancelButtonText: t('common.cancel'),
      confirmButtonClass: 'el-button--danger',
    })
    return true
  } catch {
    return false
  }
}
