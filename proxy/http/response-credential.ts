// The gateway's own upstream credential never goes back to the client: an upstream that echoes request headers
// (a debug endpoint, an error message quoting the request) would otherwise hand the agent the token, API key or
// password the gateway injected. Each value the request carried is replaced wherever it appears in a masked
// body (as sent, and as a JSON string holds it) and in the response headers.
// Values shorter than MIN_SECRET_LENGTH are left alone: replacing a few common characters everywhere would
// break documents, and a credential that short is guessable anyway.

export const CREDENTIAL_MASK = '[warden:credential]'
/** What replaces a value masked by origin (a pod's Secret value in its log: pod-secrets.ts). */
export const SECRET_MASK = '[warden:secret]'
export const MIN_SECRET_LENGTH = 8

// The forms of the last secrets list seen per list object, with the values they were made from: a credential hands
// out the same list until its secrets change (credentials.ts), and its forms were made again for every answer.
const formsOf = new WeakMap<readonly string[], { values: string[]; forms: string[] }>()

/** The forms to look for: each secret as is and, when JSON escapes it differently, as a JSON string holds it. */
export function credentialForms(secrets: readonly string[]): string[] {
  const known = formsOf.get(secrets)
  if (known && known.values.length === secrets.length && known.values.every((v, i) => v === secrets[i])) return known.forms
  const forms = formsFor(secrets)
  formsOf.set(secrets, { values: [...secrets], forms })
  return forms
}

/**
 * The forms of values to hide, made afresh (credentialForms keeps those of the credential's one list): as is and
 * as a JSON string holds them; those shorter than MIN_SECRET_LENGTH left out.
 */
export function formsFor(secrets: Iterable<string>): string[] {
  const forms = new Set<string>()
  for (const s of secrets) {
    if (s.length < MIN_SECRET_LENGTH) continue
    forms.add(s)
    forms.add(JSON.stringify(s).slice(1, -1))
  }
  return [...forms]
}

/** The text with every form replaced (in the order given: a longer form first hides it whole), and how many were. */
export function hideCredentials(text: string, forms: readonly string[], mask = CREDENTIAL_MASK): { text: string; hidden: number } {
  let hidden = 0
  for (const form of forms) {
    if (!text.includes(form)) continue
    const parts = text.split(form)
    hidden += parts.length - 1
    text = parts.join(mask)
  }
  return { text, hidden }
}

function holdsAny(text: string, forms: readonly string[]): boolean {
  for (const form of forms) if (text.includes(form)) return true
  return false
}

/** Response headers with every form replaced (in place); how many were. */
export function hideCredentialHeaders(headers: Record<string, string | string[]>, forms: readonly string[], mask = CREDENTIAL_MASK): number {
  if (!forms.length) return 0
  let hidden = 0
  for (const name of Object.keys(headers)) {
    const value = headers[name]!
    // Most answers hold no credential: a value none holds is left as it is, without a copy.
    if (typeof value === 'string' && !holdsAny(value, forms)) continue
    if (Array.isArray(value)) {
      headers[name] = value.map((v) => {
        const out = hideCredentials(v, forms, mask)
        hidden += out.hidden
        return out.text
      })
    } else {
      const out = hideCredentials(value, forms, mask)
      hidden += out.hidden
      headers[name] = out.text
    }
  }
  return hidden
}
