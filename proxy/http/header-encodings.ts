// Header values as the gateway sends them (what they read as once decoded: engine/obligations/mask/header-text.ts).

/** Text made safe to send as a header value: characters outside visible ASCII (and tab) become UTF-8 percent-escapes. */
export function headerSafe(text: string): string {
  return text.replace(/[^\t\x20-\x7e]/gu, (c) => {
    try {
      return encodeURIComponent(c)
    } catch {
      return '%EF%BF%BD' // a lone surrogate: U+FFFD
    }
  })
}
