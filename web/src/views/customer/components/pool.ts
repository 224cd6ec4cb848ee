type TagType = 'primary' | 'success' | 'warning' | 'info' | 'danger'

const POOL_TAG: Record<string, TagType> = {
  potential: 'info',
  to_assign: 'warning',
  following: 'primary',
  public: 'success',
  won: 'danger',
  recycle_bin: 'info',
}

export function poolTagType(pool: string | null | undefined): TagType {
  return (pool && POOL_TAG[pool]) || 'info'
}
