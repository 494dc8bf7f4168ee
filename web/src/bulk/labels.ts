/** Message keys and texts shared by the bulk operations pages. */
import type { TFunction } from 'i18next';
import i18n from 'i18next';
import { ADMIN_ROLES, type AdminRole } from '../../../shared/roles.ts';
import { roleKey } from '../settings/roles.ts';
import type { BulkOutcome, BulkRow, BulkRowStatus, BulkStatus, BulkType } from './types.ts';

/** Message key of an upload type's short name ("Add users"). */
export function typeKey(type: BulkType): `bulk.type.${BulkType}` {
  return `bulk.type.${type}`;
}

/** Message key of the sentence that explains an upload type. */
export function typeHintKey(type: BulkType): `bulk.typeHint.${BulkType}` {
  return `bulk.typeHint.${type}`;
}

/** Message key of an operation status's name. */
export function statusKey(status: BulkStatus): `bulk.status.${BulkStatus}` {
  return `bulk.status.${status}`;
}

/** Message key of a row status's name. */
export function rowStatusKey(status: BulkRowStatus): `bulk.rowStatus.${BulkRowStatus}` {
  return `bulk.rowStatus.${status}`;
}

/** The Spectrum Badge variant of an operation status. */
export function statusVariant(status: BulkStatus): 'neutral' | 'info' | 'positive' | 'negative' | 'yellow' {
  switch (status) {
    case 'queued':
      return 'neutral';
    case 'running':
      return 'info';
    case 'completed':
      return 'positive';
    case 'completed_with_errors':
      return 'yellow';
    case 'failed':
      return 'negative';
    case 'cancelled':
      return 'neutral';
  }
}

/** The message key of an outcome code (`bulk.added_user` → `bulk.outcome.added_user`), if it has one. */
function outcomeKey(code: string): string | null {
  if (!/^bulk\.[a-z_]+$/.test(code)) {
    return null;
  }
  const key = `bulk.outcome.${code.slice('bulk.'.length)}`;
  return i18n.exists(key) ? key : null;
}

/** Values of an outcome's parameters as text (lists joined by commas). */
function textParams(params: Record<string, unknown>): Record<string, string | number> {
  const values: Record<string, string | number> = {};
  for (const [name, value] of Object.entries(params ?? {})) {
    if (typeof value === 'number' || typeof value === 'string') {
      values[name] = value;
    } else if (Array.isArray(value)) {
      values[name] = value.map(String).join(', ');
    } else if (value !== null && value !== undefined) {
      values[name] = JSON.stringify(value);
    }
  }
  return values;
}

/**
 * The `role` parameter of an admin role outcome (`bulk.granted_role`) as text: the role's name in
 * the console's language, with its scope's name in parentheses (`Product admin (Photoshop)`).
 */
function roleParams(t: TFunction, params: Record<string, string | number>): Record<string, string | number> {
  const role = params.role;
  if (typeof role !== 'string' || !(ADMIN_ROLES as readonly string[]).includes(role)) {
    return params;
  }
  const { scope, ...rest } = params;
  const name = t(roleKey(role as AdminRole));
  return { ...rest, role: scope === undefined ? name : `${name} (${scope})` };
}

/** The `reason` parameter of a kept user (`bulk.kept_user`: what refers to them) in the console's language. */
function reasonParams(t: TFunction, params: Record<string, string | number>): Record<string, string | number> {
  const key = typeof params.reason === 'string' ? `bulk.reference.${params.reason}` : null;
  return key && i18n.exists(key) ? { ...params, reason: t(key) } : params;
}

/**
 * What a row says, in the console's language: its outcomes translated when every code is known,
 * else the server's English message.
 */
export function rowMessage(t: TFunction, row: Pick<BulkRow, 'message' | 'outcomes'>): string {
  const outcomes: BulkOutcome[] = Array.isArray(row.outcomes) ? row.outcomes : [];
  const keys = outcomes.map((outcome) => outcomeKey(outcome.code));
  if (outcomes.length > 0 && keys.every((key) => key !== null)) {
    return outcomes
      .map((outcome, index) => {
        const params = reasonParams(t, roleParams(t, textParams(outcome.params ?? {})));
        const count = typeof params.needed === 'number' ? { count: params.needed } : {};
        return t(keys[index] as string, { ...params, ...count, interpolation: { escapeValue: false } });
      })
      .join('; ');
  }
  return row.message ?? '';
}
