import {
  Button,
  Content,
  DialogContainer,
  Flex,
  Heading,
  IllustratedMessage,
  InlineAlert,
  StatusLight,
  Text,
  useDateFormatter,
} from '@adobe/react-spectrum';
import type { TFunction } from 'i18next';
import { type ReactNode, useCallback, useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api } from '../api.ts';
import { type ItemsColumn, ItemsTable } from '../components/ItemsTable.tsx';
import { errorMessage } from '../errors.ts';
import { useCan } from '../session.tsx';

const ROW_HEIGHT = 48;

/** What every credential of the settings page has: API tokens, SCIM tokens, integrations. */
export interface Credential {
  id: string;
  name: string;
  createdAt: string;
  lastUsedAt: string | null;
  revokedAt: string | null;
}

/** The columns every credential table shows, rendered by {@link CredentialsSection} itself. */
type SharedKey = 'name' | 'createdAt' | 'lastUsedAt' | 'status';

/** The shared columns' headings and widths, and the actions column of the given width. */
export function credentialColumns(t: TFunction) {
  return {
    name: { key: 'name', name: t('settings.tokens.column.name'), width: '2fr' },
    createdAt: { key: 'createdAt', name: t('settings.tokens.column.createdAt'), width: '2fr' },
    lastUsedAt: { key: 'lastUsedAt', name: t('settings.tokens.column.lastUsedAt'), width: '2fr' },
    status: { key: 'status', name: t('settings.tokens.column.status'), width: '1.5fr' },
    actions: (width: number) => ({
      key: 'actions' as const,
      name: t('settings.tokens.column.actions'),
      width,
      hideHeader: true,
    }),
  } satisfies Record<SharedKey, ItemsColumn<SharedKey>> & Record<'actions', unknown>;
}

/**
 * A settings answer read from `path`, its failure, and `act`: run a change (revoke, rotate),
 * show its failure, and read the answer again either way.
 */
export function useSettingsResource<T>(path: string) {
  const [value, setValue] = useState<T | null>(null);
  const [error, setError] = useState<unknown>(null);
  const load = useCallback(async () => {
    try {
      setValue(await api.get<T>(path));
    } catch (caught) {
      setError(caught);
    }
  }, [path]);
  useEffect(() => {
    void load();
  }, [load]);
  const act = (change: () => Promise<unknown>) => {
    setError(null);
    change()
      .catch((caught: unknown) => setError(caught))
      .finally(() => void load());
  };
  return { value, error, load, act };
}

interface CredentialsSectionProps<T extends Credential, K extends string> {
  /** The heading's id (the section is labelled by it). */
  id: string;
  title: string;
  intro: string;
  /** The create button (for who may create credentials). */
  create: { label: string; testId: string; onPress: () => void };
  /** What stands between the intro and the table (endpoints, ready configuration). */
  details?: ReactNode;
  /** The heading of a failed read or change, and the failure. */
  failedTitle: string;
  error: unknown;
  /** The credentials; null while the first read is under way. */
  items: T[] | null;
  columns: ItemsColumn<SharedKey | K>[];
  /** The cells of the section's own columns (and `actions`). */
  cell: (item: T, key: K) => ReactNode;
  /** The text of a cell that is not plain text (for screen readers and type-ahead). */
  cellText?: (item: T, key: K) => string | undefined;
  table: { label: string; testId: string; empty: string; minRows: number };
  /** The open dialog (one element, or null when none is), and whether it shows a secret (Escape does not close it). */
  dialog: ReactNode;
  showsSecret: boolean;
  onDismiss: () => void;
}

/**
 * A settings section of credentials: heading and create button, intro, the table with name,
 * creation, last use and status (and the section's own columns), the failure of a read or change,
 * and the dialog (create, then the show-once secret).
 */
export function CredentialsSection<T extends Credential, K extends string>(props: CredentialsSectionProps<T, K>) {
  const { t } = useTranslation();
  const can = useCan();
  const formatDate = useDateFormatter({ dateStyle: 'short', timeStyle: 'short' });
  const { id, title, intro, create, details, failedTitle, error, items, columns, table, dialog } = props;

  const cell = (item: T, key: SharedKey | K): ReactNode => {
    switch (key) {
      case 'name':
        return item.name;
      case 'createdAt':
        return formatDate.format(new Date(item.createdAt));
      case 'lastUsedAt':
        return item.lastUsedAt ? formatDate.format(new Date(item.lastUsedAt)) : t('settings.tokens.never');
      case 'status':
        return item.revokedAt ? (
          <StatusLight variant="neutral">{t('settings.tokens.revoked')}</StatusLight>
        ) : (
          <StatusLight variant="positive">{t('settings.tokens.active')}</StatusLight>
        );
      default:
        return props.cell(item, key as K);
    }
  };
  const cellText = (item: T, key: SharedKey | K): string => {
    const value = cell(item, key);
    return typeof value === 'string' ? value : (props.cellText?.(item, key as K) ?? '');
  };

  return (
    <section aria-labelledby={id}>
      <Flex justifyContent="space-between" alignItems="center" wrap gap="size-200">
        <Heading level={2} id={id}>
          {title}
        </Heading>
        {can('apiToken.create') && (
          <Button variant="accent" onPress={create.onPress} data-testid={create.testId}>
            {create.label}
          </Button>
        )}
      </Flex>
      <Text>{intro}</Text>
      {details}
      {error !== null && (
        <InlineAlert variant="negative" marginY="size-200">
          <Heading>{failedTitle}</Heading>
          <Content>{errorMessage(t, error)}</Content>
        </InlineAlert>
      )}
      <ItemsTable<T, SharedKey | K>
        aria-label={table.label}
        data-testid={table.testId}
        marginTop="size-200"
        columns={columns}
        items={items ?? []}
        itemKey={(item) => item.id}
        cell={cell}
        cellText={cellText}
        loading={items === null && error === null}
        rowHeight={ROW_HEIGHT}
        minRows={table.minRows}
        maxHeight="size-6000"
        renderEmptyState={() => (
          <IllustratedMessage>
            <Heading>{table.empty}</Heading>
          </IllustratedMessage>
        )}
      />
      <DialogContainer onDismiss={props.onDismiss} isKeyboardDismissDisabled={props.showsSecret}>
        {dialog}
      </DialogContainer>
    </section>
  );
}
