/**
 * The console's message files (web/src/i18n/locales): the same keys in every language, no empty
 * messages, the same {{placeholders}} as English, a message for every API error code, real
 * translations rather than English copies, and every key the console's code names exists.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { LOCALES } from '../shared/contracts.ts';
import { ApiTokenErrorCodes } from '../src/api-tokens/api-tokens.errors.ts';
import { AuthErrorCodes } from '../src/auth/auth.errors.ts';
import { EncryptionErrorCodes } from '../src/auth/encryption.ts';
import { BulkErrorCodes } from '../src/bulk/bulk.errors.ts';
import { BulkFileErrorCodes } from '../src/bulk/csv/csv.errors.ts';
import { HttpErrorCodes } from '../src/core/errors.ts';
import { DeviceErrorCodes } from '../src/devices/devices.errors.ts';
import { DomainErrorCodes } from '../src/domains/domains.errors.ts';
import { IdentityProviderErrorCodes } from '../src/domains/identity-providers.service.ts';
import { GroupErrorCodes } from '../src/groups/groups.errors.ts';
import { LicenseErrorCodes } from '../src/licenses/licenses.ts';
import { OutboxErrorCodes } from '../src/outbox/outbox.errors.ts';
import { ProductErrorCodes } from '../src/products/products.errors.ts';
import { PolicyErrorCodes } from '../src/roles/policy.ts';
import { SyncErrorCodes } from '../src/sync/sync.errors.ts';
import { UserErrorCodes } from '../src/users/users.errors.ts';
import { AUDIT_ACTIONS } from '../web/src/audit/actions.ts';

const root = path.resolve(import.meta.dirname, '..');
const localesDir = path.join(root, 'web/src/i18n/locales');

/** The error codes the console must explain in every language. */
const ERROR_CODES = [
  'auth.required',
  'auth.invalid_credentials',
  'auth.rate_limited',
  'auth.session_expired',
  'auth.csrf_failed',
  'auth.invalid_token',
  'auth.token_revoked',
  'auth.forbidden',
  'setup.unavailable',
  'request.validation_failed',
  'request.malformed_json',
  'request.unsupported_media_type',
  'request.body_too_large',
  'request.not_found',
  'server.internal_error',
  'api_tokens.scope_required',
  'api_tokens.scope_not_allowed',
  'api_tokens.scope_not_found',
  'api_tokens.already_revoked',
];

/** Codes the server declares in its error modules; new ones must get a message too. */
const DECLARED_CODES = [
  ...Object.values(AuthErrorCodes),
  ...Object.values(ApiTokenErrorCodes),
  ...Object.values(DomainErrorCodes),
  ...Object.values(HttpErrorCodes),
  ...Object.values(PolicyErrorCodes),
  ...Object.values(UserErrorCodes),
  ...Object.values(ProductErrorCodes),
  ...Object.values(LicenseErrorCodes),
  ...Object.values(GroupErrorCodes),
  ...Object.values(OutboxErrorCodes),
  ...Object.values(DeviceErrorCodes),
  ...Object.values(BulkErrorCodes),
  ...Object.values(BulkFileErrorCodes),
  ...Object.values(SyncErrorCodes),
  ...Object.values(EncryptionErrorCodes),
  ...Object.values(IdentityProviderErrorCodes),
  'organizations.break_glass_not_system_admin',
];

/** Messages that may be the same as English (names, codes, cognates). */
const MAY_EQUAL_ENGLISH = new Set([
  // Product names of directories.
  'sync.form.presetActiveDirectory',
  'sync.form.presetOpenLdap',
  'sync.form.server',
  'sync.column.email',
  'settings.tokens.column.prefix',
  'settings.tokens.column.role',
  'settings.tokens.role',
  'signIn.email',
  'audit.system',
  // Placeholders only: who, what and to whom.
  'audit.details.sentence',
  'audit.details.sentenceNoTarget',
  // Identity type names are the same in every language (SPEC section 1: files and the console).
  'domains.identityType.enterprise',
  'domains.identityType.federated',
  'users.identityType.personal',
  'users.identityType.enterprise',
  'users.identityType.federated',
  'users.field.alias',
  'users.paste.column.alias',
  'users.adminRoles.role',
  // Platform names are the same in every language.
  'devices.platform.windows',
  'devices.platform.macos',
  'devices.platform.android',
  'devices.platform.ios',
]);

/**
 * Plural forms: i18next picks `key_one`, `key_few`… by the language's plural rules, so each
 * language has the forms of its own rules (English one/other, Polish one/few/many/other).
 */
const PLURAL_SUFFIX = /_(zero|one|two|few|many|other)$/;

/** Keys with plural forms: those with an `_other` form (so `problem.too_many` is no plural). */
function pluralBases(keys: Iterable<string>): Set<string> {
  return new Set([...keys].filter((key) => key.endsWith('_other')).map((key) => key.slice(0, -'_other'.length)));
}

/** A key without its plural suffix (`products.deficit_one` → `products.deficit`). */
function baseKey(key: string, bases: Set<string>): string {
  const base = key.replace(PLURAL_SUFFIX, '');
  return bases.has(base) ? base : key;
}

/** The plural keys of a message file, each with the forms it has. */
function pluralForms(keys: string[]): Map<string, string[]> {
  const bases = pluralBases(keys);
  const forms = new Map<string, string[]>();
  for (const key of keys) {
    const base = baseKey(key, bases);
    if (base !== key) {
      forms.set(base, [...(forms.get(base) ?? []), key.slice(base.length + 1)].sort());
    }
  }
  return forms;
}

type Messages = Map<string, unknown>;

function flatten(value: unknown, prefix: string, into: Messages): Messages {
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    for (const [key, child] of Object.entries(value)) {
      flatten(child, prefix ? `${prefix}.${key}` : key, into);
    }
  } else {
    into.set(prefix, value);
  }
  return into;
}

function load(locale: string): Messages {
  const file = path.join(localesDir, `${locale}.json`);
  return flatten(JSON.parse(fs.readFileSync(file, 'utf8')), '', new Map());
}

function placeholders(message: unknown): string[] {
  return [...String(message).matchAll(/\{\{\s*([\w.]+)[^}]*\}\}/g)].map((match) => match[1] ?? '').sort();
}

const messages = new Map(LOCALES.map((locale) => [locale, load(locale)]));
const english = messages.get('en')!;

describe('console message files', () => {
  it('has a file for every console language and nothing else', () => {
    const files = fs
      .readdirSync(localesDir)
      .filter((name) => name.endsWith('.json'))
      .map((name) => name.replace(/\.json$/, ''))
      .sort();
    assert.deepEqual(files, [...LOCALES].sort());
  });

  for (const locale of LOCALES) {
    describe(locale, () => {
      const own = messages.get(locale)!;

      it('has exactly the keys of en.json (plural forms aside)', () => {
        const ownPlurals = pluralBases(own.keys());
        const englishPlurals = pluralBases(english.keys());
        const ownBases = new Set([...own.keys()].map((key) => baseKey(key, ownPlurals)));
        const englishBases = new Set([...english.keys()].map((key) => baseKey(key, englishPlurals)));
        const missing = [...englishBases].filter((key) => !ownBases.has(key));
        const extra = [...ownBases].filter((key) => !englishBases.has(key));
        assert.deepEqual({ missing, extra }, { missing: [], extra: [] });
      });

      it('has exactly the plural forms of its language', () => {
        const wanted = [...new Intl.PluralRules(locale).resolvedOptions().pluralCategories].sort();
        const wrong = [...pluralForms([...own.keys()])]
          .filter(([, forms]) => forms.join() !== wanted.join())
          .map(([key, forms]) => `${key}: ${forms.join('/')} (want ${wanted.join('/')})`);
        assert.deepEqual(wrong, []);
      });

      it('has no empty or non-text messages', () => {
        const bad = [...own].filter(([, value]) => typeof value !== 'string' || value.trim() === '');
        assert.deepEqual(
          bad.map(([key]) => key),
          [],
        );
      });

      it("uses the same {{placeholders}} as English's messages", () => {
        const mismatched = [...own]
          .filter(([key, value]) => {
            const reference = english.get(key) ?? english.get(`${key.replace(PLURAL_SUFFIX, '')}_other`);
            return reference !== undefined && placeholders(value).join() !== placeholders(reference).join();
          })
          .map(([key]) => key);
        assert.deepEqual(mismatched, []);
      });

      it('has a message for every API error code', () => {
        const missing = [...new Set([...ERROR_CODES, ...DECLARED_CODES])].filter((code) => !own.has(`errors.${code}`));
        assert.deepEqual(missing, []);
      });

      if (locale !== 'en') {
        it('is translated, not copied from English', () => {
          const copied = [...english]
            .filter(([key, value]) => !MAY_EQUAL_ENGLISH.has(key) && own.get(key) === value)
            .map(([key]) => key);
          assert.deepEqual(copied, []);
        });
      }
    });
  }

  it('has every key the console names literally in t(…)', () => {
    const sources: string[] = [];
    const walk = (dir: string) => {
      for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
        const full = path.join(dir, entry.name);
        if (entry.isDirectory()) {
          walk(full);
        } else if (/\.tsx?$/.test(entry.name)) {
          sources.push(fs.readFileSync(full, 'utf8'));
        }
      }
    };
    walk(path.join(root, 'web/src'));
    const used = new Set(
      sources.flatMap((text) => [...text.matchAll(/\bt\(\s*'([\w.-]+)'/g)].map((match) => match[1]!)),
    );
    assert.ok(used.size > 50, `expected many message keys in web/src, found ${used.size}`);
    const unknown = [...used].filter((key) => !english.has(key) && !english.has(`${key}_other`));
    assert.deepEqual(unknown, []);
  });

  it('names every audit action the server writes, in every language', () => {
    const written = new Set<string>();
    const walk = (dir: string) => {
      for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
        const full = path.join(dir, entry.name);
        if (entry.isDirectory()) {
          walk(full);
        } else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts')) {
          const text = fs.readFileSync(full, 'utf8');
          for (const match of text.matchAll(/\baction: ([^,\n]*)/g)) {
            for (const quoted of match[1]!.matchAll(/'([a-z_]+(?:\.[a-z_]+)+)'/g)) {
              written.add(quoted[1]!);
            }
          }
        }
      }
    };
    walk(path.join(root, 'src'));
    assert.ok(written.size > 50, `expected many audited actions in src, found ${written.size}`);
    const known = new Set<string>(AUDIT_ACTIONS);
    assert.deepEqual(
      [...written].filter((action) => !action.startsWith('test.') && !known.has(action)),
      [],
      'actions written by the server but not named in web/src/audit/actions.ts',
    );
    for (const [locale, own] of messages) {
      const unnamed = AUDIT_ACTIONS.filter((action) => !own.has(`audit.action.${action}`));
      assert.deepEqual(unnamed, [], `${locale}: audit actions without a name`);
    }
  });
});
