// A decide thread (pool.ts): a replica of the gateway's decider, prepared from the same bundle, options and
// data, deciding input documents given as their JSON text.
import { serve } from '../threads/serve.ts'
import { type Decider, type DeciderRecipe, prepareDecider } from './decider.ts'

await serve(() => {
  let loaded: { generation: number; decider: Decider } | undefined
  return {
    async load(generation: number, recipe: DeciderRecipe) {
      loaded = { generation, decider: await prepareDecider(recipe.bundle, recipe.options) }
    },
    decide(generation: number, json: string) {
      if (loaded?.generation !== generation) throw Object.assign(new Error(`policy generation ${generation} is not loaded`), { code: 'decide.stale_policy' })
      const { decision, repeatable } = loaded.decider.decideJson!(json)
      return { decision, repeatable }
    },
  }
})
