import { ActionButton, Flex, Heading, IllustratedMessage } from '@adobe/react-spectrum';
import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { useNavigate } from 'react-router';
import { ConfirmButton } from '../../components/ConfirmButton.tsx';
import { type ItemsColumn, ItemsTable } from '../../components/ItemsTable.tsx';
import { useCan } from '../../session.tsx';
import type { Directory, Domain } from './types.ts';

type ColumnKey = 'name' | 'identityType' | 'domains' | 'actions';

const ROW_HEIGHT = 48;

/** The organization's directories: name, identity type, domains, and Trust / Delete. */
export function DirectoriesTable(props: {
  directories: Directory[] | null;
  domains: Domain[];
  loading: boolean;
  onTrusts: (directory: Directory) => void;
  onIdentityProvider: (directory: Directory) => void;
  onDelete: (directory: Directory) => void;
}) {
  const { t } = useTranslation();
  const can = useCan();
  const navigate = useNavigate();
  const columns: ItemsColumn<ColumnKey>[] = [
    { key: 'name', name: t('domains.directories.column.name'), width: '2fr' },
    { key: 'identityType', name: t('domains.directories.column.identityType'), width: '1.5fr' },
    { key: 'domains', name: t('domains.directories.column.domains'), width: '3fr' },
    { key: 'actions', name: t('domains.directories.column.actions'), width: 380, hideHeader: true },
  ];
  const domainsOf = (directory: Directory) =>
    props.domains
      .filter((domain) => domain.directory?.id === directory.id)
      .map((domain) => domain.name)
      .join(', ');

  const cell = (directory: Directory, key: ColumnKey): ReactNode => {
    switch (key) {
      case 'name':
        return directory.name;
      case 'identityType':
        return t(`domains.identityType.${directory.identityType}`);
      case 'domains':
        return domainsOf(directory) || '—';
      case 'actions':
        return (
          <Flex gap="size-50">
            <ActionButton
              isQuiet
              onPress={() => props.onTrusts(directory)}
              aria-label={t('domains.directories.trustNamed', { name: directory.name })}
              data-testid="directory-trusts"
            >
              {t('domains.directories.trust')}
            </ActionButton>
            {can('domain.manage') && directory.identityType === 'federated' && (
              <ActionButton
                isQuiet
                onPress={() => props.onIdentityProvider(directory)}
                aria-label={t('domains.directories.signInNamed', { name: directory.name })}
                data-testid="directory-identity-provider"
              >
                {t('domains.directories.signIn')}
              </ActionButton>
            )}
            {can('domain.manage') && (
              <ActionButton
                isQuiet
                onPress={() => navigate(`/settings/directories/${encodeURIComponent(directory.id)}/sync`)}
                aria-label={t('domains.directories.syncNamed', { name: directory.name })}
                data-testid="directory-sync"
              >
                {t('domains.directories.sync')}
              </ActionButton>
            )}
            {can('domain.manage') && (
              <ConfirmButton
                isQuiet
                label={t('domains.directories.delete')}
                ariaLabel={t('domains.directories.deleteNamed', { name: directory.name })}
                title={t('domains.directories.deleteTitle')}
                text={t('domains.directories.deleteText', { name: directory.name })}
                testId="directory-delete"
                onConfirm={() => props.onDelete(directory)}
              />
            )}
          </Flex>
        );
    }
  };
  const cellText = (directory: Directory, key: ColumnKey): string => {
    const value = cell(directory, key);
    return typeof value === 'string' ? value : '';
  };

  return (
    <ItemsTable
      aria-label={t('domains.directories.title')}
      marginTop="size-100"
      data-testid="directory-table"
      columns={columns}
      items={props.directories ?? []}
      itemKey={(directory) => directory.id}
      cell={cell}
      cellText={cellText}
      loading={props.loading}
      rowHeight={ROW_HEIGHT}
      minRows={2}
      maxHeight="size-4600"
      renderEmptyState={() => (
        <IllustratedMessage>
          <Heading>{t('domains.directories.empty')}</Heading>
        </IllustratedMessage>
      )}
    />
  );
}
