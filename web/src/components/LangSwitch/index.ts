export { default } from './LangSwitch.vue'
