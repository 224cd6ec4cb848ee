import { createI18n } from 'vue-i18n'
import zhCN, { type MessageSchema } from './zh-CN'
import en from './en'

export type Lang = 'zh-CN' | 'en'
export const LANGS: Lang[] = ['zh-CN', 'en']
const STORAGE_KEY = 'huike.lang'

function initialLang(): Lang {
  try {
    const saved = localStorage.getItem(STORAGE_KEY)
    if (saved === 'zh-CN' || saved === 'en') return saved
  } catch {
    /* storage unavailable */
  }
  return 'zh-CN'
}

export const i18n = createI18n<[MessageSchema], Lang, false>({
  legacy: false,
  locale: initialLang(),
  fallbackLocale: 'zh-CN',
  messages: { 'zh-CN': zhCN, en },
  missingWarn: false,
  fallbackWarn: false,
})

export function getLang(): Lang {
  return i18n.global.locale.value as Lang
}

export function setLang(lang: Lang) {
  i18n.global.locale.value = lang
  try {
    localStorage.setItem(STORAGE_KEY, lang)
  } catch {
    /* storage unavailable */
  }
  document.documentElement.lang = lang
}

document.documentElement.lang = getLang()

/** Translate a key, or return `fallback` (default: the last segment-free raw value) when the key is unknown. */
export function tOr(key: string, fallback: string): string {
  const g = i18n.global
  return g.te(key) || g.te(key, 'zh-CN') ? (g.t(key) as string) : fallback
}
