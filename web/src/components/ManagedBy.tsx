import { Text } from '@adobe/react-spectrum';
import { useTranslation } from 'react-i18next';
import type { ManagedBy } from '../types.ts';

/** Whether the source synchronizes from outside: what is edited here, its next sync may change back. */
export function isSynchronized(source: ManagedBy): boolean {
  return source.type === 'scim' || source.type === 'directory_sync' || source.type === 'umapi';
}

/**
 * Words who manages a user or a group: the console or API, a bulk upload, a SCIM connection, a
 * directory sync or an Adobe-API integration (by its name).
 * @returns the text
 */
export function useManagedByText(source: ManagedBy): string {
  const { t } = useTranslation();
  const name = source.name ?? t('managedBy.unnamed');
  switch (source.type) {
    case 'console':
      return t('managedBy.console');
    case 'bulk':
      return t('managedBy.bulk');
    case 'scim':
      return t('managedBy.scim', { name });
    case 'directory_sync':
      return t('managedBy.directory_sync', { name });
    case 'umapi':
      return t('managedBy.umapi', { name });
  }
}

/** One line: "Managed by …", and for a synchronized source that its next sync may change edits back. */
export function ManagedByLine({ source, testId }: { source: ManagedBy; testId: string }) {
  const { t } = useTranslation();
  const text = useManagedByText(source);
  return (
    <Text data-testid={testId}>
      {t('managedBy.label')}: {text}
      {isSynchronized(source) ? ` — ${t('managedBy.syncNotice')}` : ''}
    </Text>
  );
}
