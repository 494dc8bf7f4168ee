import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { hash, verify } from '@node-rs/argon2';

/**
 * argon2id (the library's default algorithm; a test checks the `$argon2id$` prefix) with OWASP's
 * second recommended setting: 19 MiB, 2 passes, 1 lane.
 */
const ARGON2_OPTIONS = { memoryCost: 19_456, timeCost: 2, parallelism: 1 };

/**
 * Hashes a password with argon2id.
 * @param password the plain password
 * @returns the PHC-format hash (algorithm, parameters and salt included)
 */
export function hashPassword(password: string): Promise<string> {
  return hash(password, ARGON2_OPTIONS);
}

let dummyHash: Promise<string> | undefined;

/**
 * Checks a password against a stored hash. With no hash (unknown account) it still spends the
 * time of one verification, so response time does not tell which e-mails are admins.
 * @param storedHash the PHC hash, or undefined
 * @param password the password tried
 * @returns true when it matches
 */
export async function verifyPassword(storedHash: string | undefined, password: string): Promise<boolean> {
  if (!storedHash) {
    dummyHash ??= hashPassword(randomToken(16));
    await verify(await dummyHash, password).catch(() => false);
    return false;
  }
  return verify(storedHash, password).catch(() => false);
}

/**
 * A random, URL-safe secret.
 * @param bytes entropy in bytes
 * @returns base64url text
 */
export function randomToken(bytes = 32): string {
  return randomBytes(bytes).toString('base64url');
}

/**
 * SHA-256 of a high-entropy secret (session id, API token, setup token), as stored in the DB.
 * A fast hash is right here: the secret is random, so there is nothing to brute-force.
 * @param secret the secret
 * @returns hex digest
 */
export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}

/**
 * Compares two strings in constant time.
 * @returns true when equal
 */
export function safeEqual(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}
