import fs from 'node:fs';
import path from 'node:path';
import i18next, { type TFunction } from 'i18next';
import { LOCALES, type Locale } from '../../shared/contracts.ts';

/** Kinds of e-mail Usher sends (the outbox's `kind`). */
export type MailKind =
  | 'welcome'
  | 'instructions'
  | 'email_changed'
  | 'bulk_finished'
  | 'sign_in_throttled'
  | 'sync_attention'
  | 'license_alert'
  | 'password_reset';

/** One rendered e-mail: subject, plain-text part and HTML part. */
export interface RenderedMail {
  subject: string;
  text: string;
  html: string;
}

/** What rendering a message needs besides its row: who it is for and whose organization sends it. */
export interface MailInput {
  kind: string;
  /** The recipient's language (the outbox row's `locale`); unknown ones fall back to English. */
  locale: string;
  data: Record<string, unknown>;
  organizationName: string;
  /** The recipient's first name, when known. */
  recipientName: string | null;
  /** Base of links (USHER_PUBLIC_URL), without a trailing slash. */
  publicUrl: string;
}

const CATALOG_DIR = path.join(import.meta.dirname, 'locales');

/** The server's message catalogs, one JSON file per console language (src/mail/locales). */
export const MAIL_CATALOGS: Record<Locale, Record<string, unknown>> = Object.fromEntries(
  LOCALES.map((locale) => [
    locale,
    JSON.parse(fs.readFileSync(path.join(CATALOG_DIR, `${locale}.json`), 'utf8')) as Record<string, unknown>,
  ]),
) as Record<Locale, Record<string, unknown>>;

const mailI18n = i18next.createInstance();
void mailI18n.init({
  resources: Object.fromEntries(LOCALES.map((locale) => [locale, { mail: MAIL_CATALOGS[locale] }])),
  ns: ['mail'],
  defaultNS: 'mail',
  fallbackLng: 'en',
  supportedLngs: [...LOCALES],
  initAsync: false,
  // Strings come out plain; the HTML part escapes every one of them itself (escapeHtml below).
  interpolation: { escapeValue: false },
  returnNull: false,
});

/**
 * Escapes text for HTML element content and quoted attribute values.
 * @param value any text, including user-supplied names, e-mails and file names
 * @returns the text with `& < > " '` escaped
 */
export function escapeHtml(value: string): string {
  return value
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&#39;');
}

/** A message as paragraphs of plain text and at most one call-to-action link. */
interface MailBody {
  subject: string;
  paragraphs: string[];
  action?: { label: string; lead: string; url: string };
  after?: string[];
}

const str = (value: unknown): string => (typeof value === 'string' ? value : value == null ? '' : String(value));
const num = (value: unknown): number => (typeof value === 'number' && Number.isFinite(value) ? value : 0);

function formatDate(value: unknown, locale: string): string {
  const date = new Date(str(value));
  if (Number.isNaN(date.getTime())) {
    return str(value);
  }
  return `${new Intl.DateTimeFormat(locale, { dateStyle: 'long', timeStyle: 'short', timeZone: 'UTC' }).format(date)} UTC`;
}

function listOf(values: unknown, locale: string): string {
  const items = Array.isArray(values) ? values.map(str).filter((item) => item !== '') : [];
  return new Intl.ListFormat(locale, { style: 'long', type: 'conjunction' }).format(items);
}

function bodyOf(input: MailInput, t: TFunction, locale: string): MailBody {
  const organization = input.organizationName;
  const data = input.data;
  switch (input.kind) {
    case 'welcome': {
      const paragraphs: string[] = [];
      if (Array.isArray(data.products) && data.products.length > 0) {
        paragraphs.push(t('welcome.products', { organization, products: listOf(data.products, locale) }));
      }
      // `adminRoles` lists every role granted in one change; `adminRole` is one (older messages).
      const roles = Array.isArray(data.adminRoles) ? data.adminRoles : data.adminRole ? [data.adminRole] : [];
      for (const adminRole of roles as ({ role?: unknown; scope?: { name?: unknown } } | null)[]) {
        if (!adminRole || typeof adminRole !== 'object') {
          continue;
        }
        const role = t(`roles.${str(adminRole.role)}`, { defaultValue: str(adminRole.role) });
        const scope = str(adminRole.scope?.name);
        paragraphs.push(
          scope
            ? t('welcome.adminRoleScoped', { organization, role, scope })
            : t('welcome.adminRole', { organization, role }),
        );
      }
      // An admin with no way to sign in yet gets a one-time "set your password" link (issue 21);
      // the sender drops the token once the message is sent.
      const token = str(data.token);
      if (token) {
        return {
          subject: t('welcome.subject', { organization }),
          paragraphs,
          action: {
            lead: t('welcome.setPassword'),
            label: t('welcome.setPasswordButton'),
            url: `${input.publicUrl}/set-password/${encodeURIComponent(token)}`,
          },
          after: [t('welcome.setPasswordExpires', { date: formatDate(data.expiresAt, locale) })],
        };
      }
      return {
        subject: t('welcome.subject', { organization }),
        paragraphs,
        action: {
          // A federated admin signs in through the organization's identity provider, never with a password.
          lead: data.signInSso === true ? t('welcome.signInSso') : t('welcome.signIn'),
          label: t('welcome.button'),
          url: `${input.publicUrl}/`,
        },
      };
    }
    case 'password_reset': {
      const token = str(data.token);
      return {
        subject: t('passwordReset.subject', { organization }),
        paragraphs: [t('passwordReset.intro', { organization })],
        action: token
          ? {
              lead: t('passwordReset.action'),
              label: t('passwordReset.button'),
              url: `${input.publicUrl}/reset-password/${encodeURIComponent(token)}`,
            }
          : undefined,
        after: [
          ...(token ? [] : [t('instructions.linkRemoved')]),
          t('passwordReset.expires', { date: formatDate(data.expiresAt, locale) }),
          t('passwordReset.ignore'),
        ],
      };
    }
    case 'instructions': {
      const token = str(data.token);
      return {
        subject: t('instructions.subject', { organization }),
        paragraphs: [t('instructions.intro', { organization })],
        action: token
          ? {
              lead: t('instructions.action'),
              label: t('instructions.button'),
              url: `${input.publicUrl}/connect/${encodeURIComponent(token)}`,
            }
          : undefined,
        after: [
          ...(token ? [] : [t('instructions.linkRemoved')]),
          t('instructions.expires', { date: formatDate(data.expiresAt, locale) }),
          t('instructions.mobile'),
          t('instructions.personal'),
        ],
      };
    }
    case 'email_changed': {
      const email = str(data.email);
      return {
        subject: t('emailChanged.subject', { organization }),
        paragraphs: [
          t('emailChanged.body', { organization, previousEmail: str(data.previousEmail), email }),
          t('emailChanged.signIn', { email }),
        ],
      };
    }
    case 'bulk_finished': {
      const fileName = str(data.fileName);
      const type = t(`bulkTypes.${str(data.type)}`, { defaultValue: str(data.type) });
      const status = t(`bulkStatuses.${str(data.status)}`, { defaultValue: str(data.status) });
      const skipped = num(data.skipped ?? 0);
      // An undo says so, and names the operation it undoes (its file, who ran it, a link to it).
      const undo = data.undo === true;
      const subject = `bulkFinished.${undo ? 'undoSubject' : 'subject'}${data.dryRun === true ? 'DryRun' : ''}`;
      const undone = `${input.publicUrl}/bulk/${encodeURIComponent(str(data.undoneOperationId))}`;
      return {
        subject: t(subject, { fileName }),
        paragraphs: [
          undo && data.undoneSyncRunId
            ? t('bulkFinished.undoSyncRunBody', { fileName, status })
            : undo
              ? t('bulkFinished.undoBody', { type, fileName, status, initiator: str(data.undoneInitiator) })
              : t('bulkFinished.body', { type, fileName, status }),
          t('bulkFinished.counts', { succeeded: num(data.succeeded), failed: num(data.failed) }),
          ...(skipped > 0 ? [t('bulkFinished.skipped', { skipped })] : []),
          ...(undo && skipped > 0 ? [t('bulkFinished.undoConflicts')] : []),
          ...(data.dryRun === true ? [t('bulkFinished.dryRun')] : []),
          // The undo of a directory-sync run names no operation: its file name names the run.
          ...(undo && data.undoneOperationId ? [t('bulkFinished.undoneLink', { url: undone })] : []),
        ],
        action: {
          lead: t('bulkFinished.action'),
          label: t('bulkFinished.button'),
          url: `${input.publicUrl}/bulk/${encodeURIComponent(str(data.operationId))}`,
        },
      };
    }
    case 'sign_in_throttled':
      return {
        subject: t('signInThrottled.subject', { organization }),
        paragraphs: [
          t('signInThrottled.body', { organization, failures: num(data.failures) }),
          t('signInThrottled.paused'),
          t('signInThrottled.advice'),
        ],
      };
    case 'sync_attention': {
      const directory = str(data.directory);
      return {
        subject:
          data.status === 'stopped'
            ? t('syncAttention.subjectStopped', { directory })
            : t('syncAttention.subjectFailed', { directory }),
        paragraphs: [
          data.status === 'stopped'
            ? t('syncAttention.stopped', { directory, removals: num(data.removals), limit: num(data.limit) })
            : t('syncAttention.failed', { directory }),
          str(data.message),
        ],
        action: {
          lead: t('syncAttention.action'),
          label: t('syncAttention.button'),
          url: `${input.publicUrl}/settings/directories/${encodeURIComponent(str(data.directoryId))}/sync/runs/${encodeURIComponent(str(data.runId))}`,
        },
      };
    }
    case 'license_alert': {
      const product = str(data.product);
      const total = num(data.total);
      const used = num(data.used);
      const missing = num(data.missing);
      const level = num(data.level);
      const subjectKey =
        level >= 110 ? 'licenseAlert.subject110' : level >= 100 ? 'licenseAlert.subject100' : 'licenseAlert.subject90';
      return {
        subject: t(subjectKey, { product }),
        paragraphs: [
          t('licenseAlert.used', {
            product,
            used,
            total,
            percent: total > 0 ? Math.floor((used * 100) / total) : 100,
          }),
          ...(missing > 0 ? [t('licenseAlert.missing', { product, missing, total, demand: used + missing })] : []),
          t('licenseAlert.advice'),
        ],
        action: { lead: t('licenseAlert.action'), label: t('licenseAlert.button'), url: `${input.publicUrl}/overview` },
      };
    }
    default:
      throw new Error(`Unknown e-mail kind: ${input.kind}`);
  }
}

const HTML_STYLE = {
  body: 'margin:0;padding:24px;background:#f5f5f5;font-family:Arial,Helvetica,sans-serif;font-size:15px;line-height:1.5;color:#222',
  card: 'max-width:560px;margin:0 auto;background:#fff;border-radius:8px;padding:24px',
  button:
    'display:inline-block;padding:10px 18px;background:#1473e6;color:#fff;text-decoration:none;border-radius:16px;font-weight:bold',
  footer: 'color:#6e6e6e;font-size:12px',
};

/**
 * Renders one outbox message in the recipient's language: subject, plain text and HTML. Every
 * interpolated value (names, e-mails, file names, the organization's name) is escaped in the
 * HTML part; links are built from USHER_PUBLIC_URL and URL-encoded ids or tokens only.
 * @param input the message's kind, locale and data, with the organization's name and the recipient's
 * @returns subject, text and HTML
 * @throws Error for an unknown kind
 */
export function renderMail(input: MailInput): RenderedMail {
  const locale = (LOCALES as readonly string[]).includes(input.locale) ? input.locale : 'en';
  const t = mailI18n.getFixedT(locale, 'mail');
  const body = bodyOf(input, t, locale);
  const greeting = input.recipientName
    ? t('common.greeting', { name: input.recipientName })
    : t('common.greetingNoName');
  const footer = t('common.footer', { organization: input.organizationName });

  const textParts = [greeting, ...body.paragraphs];
  if (body.action) {
    textParts.push(`${body.action.lead}\n${body.action.url}`);
  }
  textParts.push(...(body.after ?? []), '--', footer);
  const text = `${textParts.join('\n\n')}\n`;

  const p = (value: string) => `<p>${escapeHtml(value)}</p>`;
  const action = body.action
    ? `<p>${escapeHtml(body.action.lead)}</p><p><a href="${escapeHtml(body.action.url)}" style="${HTML_STYLE.button}">${escapeHtml(body.action.label)}</a></p><p style="${HTML_STYLE.footer}">${escapeHtml(body.action.url)}</p>`
    : '';
  const html = [
    '<!doctype html>',
    `<html lang="${locale}"><head><meta charset="utf-8"><title>${escapeHtml(body.subject)}</title></head>`,
    `<body style="${HTML_STYLE.body}"><div style="${HTML_STYLE.card}">`,
    p(greeting),
    ...body.paragraphs.map(p),
    action,
    ...(body.after ?? []).map(p),
    `<hr><p style="${HTML_STYLE.footer}">${escapeHtml(footer)}</p>`,
    '</div></body></html>',
  ].join('\n');
  // A subject is one header line, whatever a name in it contains.
  return { subject: body.subject.replace(/[\r\n]+/g, ' '), text, html };
}
