import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { mkdir, open, readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Config } from '../config.ts';
import { encryptionKeyBytes } from '../config.ts';
import { AppError } from '../core/errors.ts';

/** Seals and opens secrets stored in the database, bound to the row they belong to. */
export interface SecretBox {
  /**
   * Encrypts a secret with AES-256-GCM under a fresh 96-bit nonce.
   * @param plain the secret
   * @param context what the secret belongs to (e.g. `directory-sync:<org>:<directory>`): it is
   *   authenticated, so a sealed value copied to another row does not open
   * @returns `v1.<nonce>.<tag>.<ciphertext>` in base64url
   */
  seal(plain: string, context: string): string;
  /**
   * Decrypts a sealed secret.
   * @throws AppError `secrets.unreadable` (500) when the key or context does not match
   */
  open(sealed: string, context: string): string;
}

export const EncryptionErrorCodes = {
  keyMissing: 'secrets.key_missing',
  unreadable: 'secrets.unreadable',
} as const;

const KEY_FILE = 'encryption.key';

function boxOf(key: Buffer): SecretBox {
  return {
    seal(plain, context) {
      const nonce = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', key, nonce);
      cipher.setAAD(Buffer.from(context, 'utf8'));
      const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
      return ['v1', nonce, cipher.getAuthTag(), body]
        .map((part) => (typeof part === 'string' ? part : part.toString('base64url')))
        .join('.');
    },
    open(sealed, context) {
      const [version, nonce, tag, body] = sealed.split('.');
      try {
        if (version !== 'v1' || !nonce || !tag || body === undefined) {
          throw new Error('format');
        }
        const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(nonce, 'base64url'));
        decipher.setAAD(Buffer.from(context, 'utf8'));
        decipher.setAuthTag(Buffer.from(tag, 'base64url'));
        return Buffer.concat([decipher.update(Buffer.from(body, 'base64url')), decipher.final()]).toString('utf8');
      } catch {
        throw new AppError(
          EncryptionErrorCodes.unreadable,
          500,
          'A stored secret cannot be decrypted with the current USHER_ENCRYPTION_KEY: restore the key it was saved with, or enter the secret again.',
        );
      }
    },
  };
}

const boxes = new WeakMap<Config, Promise<SecretBox>>();

/**
 * The secret box of this configuration: the key of USHER_ENCRYPTION_KEY; without it, on the
 * embedded database, a key generated once into `USHER_DATA_DIR/encryption.key` (mode 0600,
 * created exclusively so two processes never write different keys). With a PostgreSQL server and
 * no key there is nowhere safe to keep one, so secrets cannot be stored.
 * @param config the process configuration
 * @returns the box (cached per configuration)
 * @throws AppError `secrets.key_missing` (503) with DATABASE_URL and no USHER_ENCRYPTION_KEY
 */
export function secretBox(config: Config): Promise<SecretBox> {
  let box = boxes.get(config);
  if (!box) {
    box = loadBox(config);
    boxes.set(config, box);
    box.catch(() => boxes.delete(config));
  }
  return box;
}

async function loadBox(config: Config): Promise<SecretBox> {
  if (config.encryptionKey) {
    return boxOf(config.encryptionKey);
  }
  if (config.databaseUrl) {
    throw new AppError(
      EncryptionErrorCodes.keyMissing,
      503,
      'Set USHER_ENCRYPTION_KEY (32 random bytes, e.g. `openssl rand -base64 32`) on every Usher process before storing a directory password or enrolling an authenticator app.',
    );
  }
  const file = path.join(config.dataDir, KEY_FILE);
  await mkdir(config.dataDir, { recursive: true });
  try {
    const handle = await open(file, 'wx', 0o600);
    await handle.writeFile(`${randomBytes(32).toString('base64')}\n`);
    await handle.close();
    console.warn(
      JSON.stringify({
        level: 40,
        msg: `USHER_ENCRYPTION_KEY is not set: generated a key into ${file} for secrets stored in the embedded database. Back it up with the data folder, or set USHER_ENCRYPTION_KEY.`,
      }),
    );
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') {
      throw error;
    }
  }
  const key = encryptionKeyBytes((await readFile(file, 'utf8')).trim());
  if (!key) {
    throw new AppError(
      EncryptionErrorCodes.keyMissing,
      503,
      `${file} does not hold a 32-byte key: restore it from a backup.`,
    );
  }
  return boxOf(key);
}
