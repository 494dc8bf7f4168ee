import path from 'node:path';
import { z } from 'zod';
import { PASSWORD_PROBLEM_MESSAGES, passwordProblem } from '../shared/password-policy.ts';

const integer = (fallback: number, min = 0) =>
  z
    .string()
    .trim()
    .regex(/^\d+$/, 'must be a whole number')
    .transform(Number)
    .pipe(z.number().int().min(min))
    .optional()
    .transform((value) => value ?? fallback);

const flag = (fallback: boolean) =>
  z
    .enum(['true', 'false', '1', '0', 'yes', 'no'], { message: 'must be true or false' })
    .optional()
    .transform((value) => (value === undefined ? fallback : ['true', '1', 'yes'].includes(value)));

const postgresUrl = z
  .string()
  .trim()
  .refine((value) => /^postgres(ql)?:\/\/.+/.test(value) && URL.canParse(value), {
    message: 'must be a postgres:// URL, e.g. postgres://postgres@127.0.0.1:5432/usher',
  });

/** What is wrong with an SMTP URL beyond its scheme, or null (nodemailer would read it). */
function smtpUrlProblem(url: URL): string | null {
  if (!['smtp:', 'smtps:'].includes(url.protocol) || url.hostname === '') {
    return 'no host';
  }
  if (url.port !== '' && !(Number(url.port) >= 1 && Number(url.port) <= 65_535)) {
    return 'bad port';
  }
  return url.pathname === '' || url.pathname === '/' ? null : 'path';
}

/** A URL's text with its password masked, so an error message never prints a secret. */
function maskPassword(value: string): string {
  return value.replace(/^([a-z]+:\/\/[^:/@\s]*:)[^@/\s]*@/i, '$1***@');
}

const hostPortList = z
  .string()
  .trim()
  .refine((value) => value.split(',').every((part) => /^[^\s:,]+(:\d{1,5})?$/.test(part.trim())), {
    message: 'must be a comma-separated list of host:port, e.g. 127.0.0.1:5353',
  });

/**
 * Every environment variable Usher reads, with its default. The README lists the same set;
 * `src/config.test.ts` checks that the two agree.
 */
const environmentSchema = z.object({
  PORT: integer(8080, 1),
  HOST: z.string().trim().min(1).default('0.0.0.0'),
  USHER_DATA_DIR: z.string().trim().min(1).default('./data'),
  DATABASE_URL: postgresUrl.optional(),
  USHER_PUBLIC_URL: z
    .string()
    .trim()
    .refine((value) => /^https?:\/\//.test(value) && URL.canParse(value), {
      message: 'must be an http(s):// URL, e.g. https://usher.example.com',
    })
    .optional(),
  USHER_ADMIN_EMAIL: z.email({ message: 'must be an e-mail address' }).optional(),
  USHER_ADMIN_PASSWORD: z
    .string()
    .superRefine((password, check) => {
      const problem = passwordProblem(password);
      if (problem) {
        check.addIssue({ code: 'custom', message: PASSWORD_PROBLEM_MESSAGES[problem] });
      }
    })
    .optional(),
  USHER_ORG_NAME: z.string().trim().min(1).max(255).optional(),
  SMTP_URL: z
    .string()
    .trim()
    .refine((value) => /^smtps?:\/\/[^/]+/.test(value) && URL.canParse(value), {
      message: 'must be an smtp:// or smtps:// URL, e.g. smtp://user:pass@mail.example.com:587',
    })
    .refine((value) => !URL.canParse(value) || smtpUrlProblem(new URL(value)) === null, {
      message: 'must name a host, an optional port 1-65535 and no path, e.g. smtp://user:pass@mail.example.com:587',
    })
    .optional(),
  MAIL_FROM: z.string().trim().min(3).default('Usher <usher@localhost>'),
  USHER_DNS_SERVERS: hostPortList.optional(),
  USHER_BULK_MAX_ROWS: integer(25_000, 1),
  USHER_BULK_MAX_BYTES: integer(10 * 1024 * 1024, 1),
  USHER_GROUP_WARN_MEMBERS: integer(75_000),
  USHER_GROUP_MAX_MEMBERS: integer(200_000),
  USHER_BULK_RESULTS_DAYS: integer(90, 1),
  USHER_BULK_BATCH_ROWS: integer(1000, 1),
  USHER_BULK_CONCURRENT_BATCHES: integer(2, 1),
  USHER_SYNC_CHUNK_USERS: integer(1000, 1),
  USHER_BODY_LIMIT_BYTES: integer(1024 * 1024, 1024),
  USHER_SESSION_IDLE_MINUTES: integer(30, 1),
  USHER_SESSION_MAX_HOURS: integer(12, 1),
  USHER_LOGIN_MAX_FAILURES: integer(5, 1),
  USHER_LOGIN_ACCOUNT_MAX_FAILURES: integer(100, 1),
  USHER_LOGIN_MAX_PER_ADDRESS: integer(60, 1),
  USHER_LOGIN_WINDOW_MINUTES: integer(15, 1),
  USHER_TRUST_PROXY: flag(false),
  USHER_WORKER: flag(true),
  USHER_INSTRUCTIONS_TTL_DAYS: integer(30, 1),
  USHER_OUTBOX_POLL_SECONDS: integer(5),
  USHER_CONNECT_MAX_PER_IP: integer(30, 1),
  USHER_TLS_CERT: z.string().trim().min(1).optional(),
  USHER_TLS_KEY: z.string().trim().min(1).optional(),
  USHER_UMAPI_TOKEN_SECONDS: integer(24 * 3600, 60),
  USHER_UMAPI_REQUESTS_PER_MINUTE: integer(600, 1),
  USHER_ENCRYPTION_KEY: z
    .string()
    .trim()
    .refine((value) => encryptionKeyBytes(value) !== null, {
      message: 'must be 32 random bytes as 64 hex digits or base64, e.g. the output of `openssl rand -base64 32`',
    })
    .optional(),
  USHER_LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

/**
 * Reads a 256-bit key written as 64 hex digits or as base64 (with or without padding).
 * @returns the 32 bytes, or null when the text is neither
 */
export function encryptionKeyBytes(text: string): Buffer | null {
  if (/^[0-9a-f]{64}$/i.test(text)) {
    return Buffer.from(text, 'hex');
  }
  if (/^[A-Za-z0-9+/_-]{43}=?$/.test(text)) {
    const bytes = Buffer.from(text.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
    return bytes.length === 32 ? bytes : null;
  }
  return null;
}

/** The validated configuration of one Usher process. */
export interface Config {
  port: number;
  host: string;
  dataDir: string;
  databaseUrl: string | undefined;
  publicUrl: string;
  bootstrapAdmin: { email: string; password: string; organizationName: string } | undefined;
  smtpUrl: string | undefined;
  mailFrom: string;
  dnsServers: string[];
  bulk: { maxRows: number; maxBytes: number; resultsDays: number; batchRows: number; concurrentBatches: number };
  /** Directory sync: users compared and changed per transaction of a run (entries, and users gone). */
  sync: { chunkUsers: number };
  groups: { warnMembers: number; maxMembers: number };
  bodyLimitBytes: number;
  session: { idleMinutes: number; maxHours: number };
  /**
   * Sign-in throttling (src/auth/rate-limit.ts): failures per (account, address) before delays,
   * attempts per address per window, failures per account from all addresses.
   */
  login: { maxFailures: number; maxPerAddress: number; windowMinutes: number; accountMaxFailures: number };
  trustProxy: boolean;
  runWorker: boolean;
  /** Days an instructions e-mail's connection link works. */
  instructionsTtlDays: number;
  /** How often a worker looks for e-mails to send; 0 turns automatic delivery off. */
  outboxPollSeconds: number;
  /** Device-connection requests per source address per 15 minutes. */
  connectMaxPerAddress: number;
  logLevel: string;
  /** PEM files: with both set, Usher serves https on PORT. */
  tls: { certFile: string; keyFile: string } | undefined;
  /** Adobe User Management API: access token lifetime and requests per integration per minute. */
  umapi: { tokenSeconds: number; requestsPerMinute: number };
  /** Key that seals secrets stored in the database (directory bind passwords); see auth/encryption.ts. */
  encryptionKey: Buffer | undefined;
}

/** A configuration error: names each bad variable and says what it must be. */
export class ConfigError extends Error {
  readonly problems: string[];

  constructor(problems: string[]) {
    super(`Invalid configuration:\n${problems.map((problem) => `  - ${problem}`).join('\n')}`);
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

/** Variables whose value is a secret: error messages show `***` instead. */
const SECRET_VARIABLES = new Set(['USHER_ENCRYPTION_KEY', 'USHER_ADMIN_PASSWORD']);

/** Names of every variable Usher reads. */
export const ENVIRONMENT_VARIABLES = Object.keys(environmentSchema.shape);

/**
 * Reads and validates the configuration.
 * @param env the environment (normally `process.env`); empty strings count as unset
 * @returns the configuration
 * @throws ConfigError naming every bad variable
 */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const present = Object.fromEntries(
    ENVIRONMENT_VARIABLES.flatMap((name) => {
      const value = env[name];
      return value === undefined || value === '' ? [] : [[name, value]];
    }),
  );
  const parsed = environmentSchema.safeParse(present);
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map((issue) => {
        const name = String(issue.path[0] ?? 'environment');
        // A key is never printed, not even a malformed one.
        const shown = SECRET_VARIABLES.has(name) ? '***' : maskPassword(present[name] ?? '');
        return `${name}=${JSON.stringify(shown)}: ${issue.message}`;
      }),
    );
  }
  const e = parsed.data;
  if ((e.USHER_TLS_CERT === undefined) !== (e.USHER_TLS_KEY === undefined)) {
    throw new ConfigError([
      'USHER_TLS_CERT and USHER_TLS_KEY: set both (PEM certificate chain and private key files) to serve https, or neither',
    ]);
  }
  const adminParts = [e.USHER_ADMIN_EMAIL, e.USHER_ADMIN_PASSWORD, e.USHER_ORG_NAME];
  const adminSet = adminParts.filter((part) => part !== undefined).length;
  if (adminSet !== 0 && adminSet !== 3) {
    throw new ConfigError([
      'USHER_ADMIN_EMAIL, USHER_ADMIN_PASSWORD and USHER_ORG_NAME: set all three to create the first organization, or none to get a setup link',
    ]);
  }
  return {
    port: e.PORT,
    host: e.HOST,
    dataDir: path.resolve(e.USHER_DATA_DIR),
    databaseUrl: e.DATABASE_URL,
    publicUrl: (e.USHER_PUBLIC_URL ?? `http://localhost:${e.PORT}`).replace(/\/+$/, ''),
    bootstrapAdmin:
      e.USHER_ADMIN_EMAIL && e.USHER_ADMIN_PASSWORD && e.USHER_ORG_NAME
        ? { email: e.USHER_ADMIN_EMAIL, password: e.USHER_ADMIN_PASSWORD, organizationName: e.USHER_ORG_NAME }
        : undefined,
    smtpUrl: e.SMTP_URL,
    mailFrom: e.MAIL_FROM,
    dnsServers: e.USHER_DNS_SERVERS ? e.USHER_DNS_SERVERS.split(',').map((part) => part.trim()) : [],
    bulk: {
      maxRows: e.USHER_BULK_MAX_ROWS,
      maxBytes: e.USHER_BULK_MAX_BYTES,
      resultsDays: e.USHER_BULK_RESULTS_DAYS,
      batchRows: e.USHER_BULK_BATCH_ROWS,
      concurrentBatches: e.USHER_BULK_CONCURRENT_BATCHES,
    },
    sync: { chunkUsers: e.USHER_SYNC_CHUNK_USERS },
    groups: { warnMembers: e.USHER_GROUP_WARN_MEMBERS, maxMembers: e.USHER_GROUP_MAX_MEMBERS },
    bodyLimitBytes: e.USHER_BODY_LIMIT_BYTES,
    session: { idleMinutes: e.USHER_SESSION_IDLE_MINUTES, maxHours: e.USHER_SESSION_MAX_HOURS },
    login: {
      maxFailures: e.USHER_LOGIN_MAX_FAILURES,
      maxPerAddress: e.USHER_LOGIN_MAX_PER_ADDRESS,
      windowMinutes: e.USHER_LOGIN_WINDOW_MINUTES,
      accountMaxFailures: e.USHER_LOGIN_ACCOUNT_MAX_FAILURES,
    },
    trustProxy: e.USHER_TRUST_PROXY,
    runWorker: e.USHER_WORKER,
    instructionsTtlDays: e.USHER_INSTRUCTIONS_TTL_DAYS,
    outboxPollSeconds: e.USHER_OUTBOX_POLL_SECONDS,
    connectMaxPerAddress: e.USHER_CONNECT_MAX_PER_IP,
    logLevel: e.USHER_LOG_LEVEL,
    tls:
      e.USHER_TLS_CERT && e.USHER_TLS_KEY
        ? { certFile: path.resolve(e.USHER_TLS_CERT), keyFile: path.resolve(e.USHER_TLS_KEY) }
        : undefined,
    umapi: { tokenSeconds: e.USHER_UMAPI_TOKEN_SECONDS, requestsPerMinute: e.USHER_UMAPI_REQUESTS_PER_MINUTE },
    encryptionKey: e.USHER_ENCRYPTION_KEY ? (encryptionKeyBytes(e.USHER_ENCRYPTION_KEY) ?? undefined) : undefined,
  };
}
