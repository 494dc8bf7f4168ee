import { Content, Flex, Heading, IllustratedMessage, InlineAlert, Text } from '@adobe/react-spectrum';
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api } from '../../api.ts';
import { type ItemsColumn, ItemsTable } from '../../components/ItemsTable.tsx';
import { errorMessage } from '../../errors.ts';
import { useSignedIn } from '../../session.tsx';
import { CopyButton } from './CopyButton.tsx';
import type { TrustedDirectory } from './types.ts';

type ColumnKey = 'name' | 'identityType' | 'owner' | 'domains';

const ROW_HEIGHT = 48;

/** Directories of other organizations that trust this one, and this organization's id to give them. */
export function TrustedDirectoriesSection() {
  const { t } = useTranslation();
  const session = useSignedIn();
  const [items, setItems] = useState<TrustedDirectory[] | null>(null);
  const [error, setError] = useState<unknown>(null);

  useEffect(() => {
    let active = true;
    api
      .get<{ items: TrustedDirectory[] }>('/api/v1/trusted-directories')
      .then((answer) => active && setItems(answer.items))
      .catch((caught: unknown) => active && setError(caught));
    return () => {
      active = false;
    };
  }, []);

  const columns: ItemsColumn<ColumnKey>[] = [
    { key: 'name', name: t('domains.trusted.column.name'), width: '2fr' },
    { key: 'identityType', name: t('domains.trusted.column.identityType'), width: '1.5fr' },
    { key: 'owner', name: t('domains.trusted.column.owner'), width: '2fr' },
    { key: 'domains', name: t('domains.trusted.column.domains'), width: '3fr' },
  ];
  const text = (item: TrustedDirectory, key: ColumnKey): string => {
    switch (key) {
      case 'name':
        return item.name;
      case 'identityType':
        return t(`domains.identityType.${item.identityType}`);
      case 'owner':
        return item.owner.name;
      case 'domains':
        return item.domains.join(', ') || '—';
    }
  };

  return (
    <section aria-labelledby="settings-trusted-directories">
      <Heading level={2} id="settings-trusted-directories">
        {t('domains.trusted.title')}
      </Heading>
      <Text>{t('domains.trusted.intro')}</Text>
      <Flex alignItems="center" gap="size-150" wrap marginTop="size-150">
        <Text>{t('domains.trusted.ownId')}</Text>
        <span className="usher-mono" data-testid="own-organization-id">
          {session.organization.id}
        </span>
        <CopyButton text={session.organization.id} label={t('domains.trusted.copyId')} />
      </Flex>
      {error !== null && (
        <InlineAlert variant="negative" marginY="size-200">
          <Heading>{t('domains.trusted.failed')}</Heading>
          <Content>{errorMessage(t, error)}</Content>
        </InlineAlert>
      )}
      <ItemsTable
        aria-label={t('domains.trusted.title')}
        marginTop="size-200"
        data-testid="trusted-directory-table"
        columns={columns}
        items={items ?? []}
        itemKey={(item) => `${item.owner.id}:${item.id}`}
        cell={text}
        cellText={text}
        loading={items === null && error === null}
        rowHeight={ROW_HEIGHT}
        minRows={2}
        maxHeight="size-4600"
        renderEmptyState={() => (
          <IllustratedMessage>
            <Heading>{t('domains.trusted.empty')}</Heading>
          </IllustratedMessage>
        )}
      />
    </section>
  );
}
