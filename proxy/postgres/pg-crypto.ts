// The one seam to pg's maintained SCRAM-SHA-256 and md5 password code (no hand-rolled crypto here).
// pg ships CommonJS without type declarations for these files; the shapes below are what they export.
import { createRequire } from 'node:module'
import type { TLSSocket } from 'node:tls'

export interface ScramSession {
  mechanism: string
  response: string
  message: string
}

interface SaslModule {
  startSession(mechanisms: string[], stream?: TLSSocket): ScramSession
  continueSession(session: ScramSession, password: string, serverData: string, stream?: TLSSocket): Promise<void>
  finalizeSession(session: ScramSession, serverData: string): void
}

interface CryptoUtils {
  postgresMd5PasswordHash(user: string, password: string, salt: Buffer): Promise<string>
}

const require = createRequire(import.meta.url)
const sasl = require('pg/lib/crypto/sasl.js') as SaslModule
const utils = require('pg/lib/crypto/utils.js') as CryptoUtils

/** Client-first message. Passing the TLS socket allows SCRAM-SHA-256-PLUS channel binding when offered. */
export const startScram = (mechanisms: string[], tls?: TLSSocket): ScramSession => sasl.startSession(mechanisms, tls)
/** Computes the client-final message into session.response. */
export const continueScram = (session: ScramSession, password: string, serverFirst: string, tls?: TLSSocket): Promise<void> =>
  sasl.continueSession(session, password, serverFirst, tls)
/** Verifies the server signature; throws when it does not match. */
export const finalizeScram = (session: ScramSession, serverFinal: string): void => sasl.finalizeSession(session, serverFinal)
export const md5Password = (user: string, password: string, salt: Buffer): Promise<string> =>
  utils.postgresMd5PasswordHash(user, password, salt)
