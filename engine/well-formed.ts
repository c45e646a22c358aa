// Lone UTF-16 surrogates: JSON and JavaScript strings may hold them, UTF-8 cannot. Where the gateway and a peer
// must read a text alike, it is made well-formed (U+FFFD, as encoding to UTF-8 would write) or refused.

/** With the u flag a surrogate pair is one code point, so this matches only the unpaired halves. */
const LONE_SURROGATE = /\p{Cs}/u
const LONE_SURROGATES = /\p{Cs}/gu

/** Whether the text holds an unpaired surrogate. */
export const hasLoneSurrogate = (text: string): boolean => LONE_SURROGATE.test(text)

/** The text with each unpaired surrogate replaced by U+FFFD; the same string when there is none. */
export const wellFormed = (text: string): string => (LONE_SURROGATE.test(text) ? text.replace(LONE_SURROGATES, '\uFFFD') : text)
