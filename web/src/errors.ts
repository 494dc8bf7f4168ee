import type { TFunction } from 'i18next';
import i18n from 'i18next';
// Only the type: the console bundles no zod.
import type { LicenseDeficit } from '../../shared/api/products.ts';
import { ApiError } from './api.ts';

/**
 * The message to show for a failed call, in the console's language: `errors.<code>` when the
 * message files know the code, else the server's own explanation.
 */
export function errorMessage(t: TFunction, error: unknown): string {
  if (error instanceof ApiError) {
    const deficits = licenseDeficits(error);
    if (deficits.length > 0) {
      const needs = deficits.map((deficit) =>
        t('products.deficit', { count: deficit.missing, product: deficit.productName }),
      );
      return `${t('products.deficitTitle')} ${needs.join('; ')}`;
    }
    const key = `errors.${error.code}`;
    if (i18n.exists(key)) {
      return t(key);
    }
    if (error.status === 0) {
      return t('errors.network.unreachable');
    }
    return error.message || t('errors.server.internal_error');
  }
  return t('errors.unexpected');
}

/** The field-level problems of a validation error, as `field: message` lines (server text). */
export function fieldProblems(error: unknown): string[] {
  if (error instanceof ApiError && error.errors.length > 0) {
    return error.errors.map((problem) => `${problem.field.replace(/^body\./, '')}: ${problem.message}`);
  }
  return [];
}

export type { LicenseDeficit };

/** The deficits of a `licenses.insufficient` error ("needs N more licenses of P"), else none. */
export function licenseDeficits(error: unknown): LicenseDeficit[] {
  if (
    !(error instanceof ApiError) ||
    error.code !== 'licenses.insufficient' ||
    !Array.isArray(error.problem.deficits)
  ) {
    return [];
  }
  return (error.problem.deficits as unknown[]).filter(
    (deficit): deficit is LicenseDeficit =>
      typeof deficit === 'object' &&
      deficit !== null &&
      typeof (deficit as LicenseDeficit).productName === 'string' &&
      typeof (deficit as LicenseDeficit).missing === 'number',
  );
}
