import { defineStore } from 'pinia'
import { ref, watch } from 'vue'
import { getLang, setLang, type Lang } from '@/locales'

const COLLAPSE_KEY = 'huike.sidebarCollapsed'

export const useAppStore = defineStore('app', () => {
  const lang = ref<Lang>(getLang())
  const collapsed = ref(localStorage.getItem(COLLAPSE_KEY) === '1')

  function changeLang(next: Lang) {
    setLang(next)
    lang.value = next
  }

  watch(collapsed, (v) => localStorage.setItem(COLLAPSE_KEY, v ? '1' : '0'))

  return { lang, collapsed, changeLang }
})
