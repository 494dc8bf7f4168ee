import { Button, DialogContainer, Flex, Text, useDateFormatter, useNumberFormatter, View } from '@adobe/react-spectrum';
import { type ReactNode, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useLocation, useNavigate } from 'react-router';
import { api } from '../api.ts';
import { typeKey } from '../bulk/labels.ts';
import { DryRunBadge, OperationProgress, StatusBadge } from '../bulk/ProgressCell.tsx';
import { type BulkOperation, bulkPath, isUnfinished } from '../bulk/types.ts';
import { UploadDialog } from '../bulk/UploadDialog.tsx';
import { usePoll } from '../bulk/usePoll.ts';
import { ConfirmButton } from '../components/ConfirmButton.tsx';
import { type ItemsColumn, TextCell } from '../components/ItemsTable.tsx';
import { ListPage } from '../components/ListPage.tsx';
import { NoAccess } from '../components/NoAccess.tsx';
import { PageTitle } from '../components/PageTitle.tsx';
import { usePagedList } from '../components/usePagedList.ts';
import { useCan } from '../session.tsx';

const ROW_HEIGHT = 66;

type ColumnKey = 'operation' | 'fileName' | 'initiatedBy' | 'startedAt' | 'finishedAt' | 'status' | 'rows' | 'actions';

/** Bulk CSV operations: upload a file, the list of operations with live progress, remove one or all. */
export function BulkOperationsPage() {
  const { t } = useTranslation();
  const can = useCan();
  const navigate = useNavigate();
  const location = useLocation();
  const formatNumber = useNumberFormatter();
  const formatDate = useDateFormatter({ dateStyle: 'short', timeStyle: 'medium' });
  const [uploading, setUploading] = useState(false);
  const removedName = (location.state as { removed?: unknown } | null)?.removed;
  const [notice, setNotice] = useState<string | null>(
    typeof removedName === 'string' ? t('bulk.removedOne', { name: removedName }) : null,
  );
  /** A removal that failed (shown where a failed load is). */
  const [actionError, setActionError] = useState<unknown>(null);
  const canRun = can('bulk.run');
  const list = usePagedList<BulkOperation>(canRun ? '/api/v1/bulk-operations' : null);
  const { items, setItems } = list;

  // Live progress: while any shown operation is queued or running, ask for those every second.
  const unfinished = items.filter(isUnfinished).map((operation) => operation.id);
  usePoll(unfinished.length > 0, async () => {
    const mine = list.generation();
    const fresh = await Promise.all(unfinished.map((id) => api.get<BulkOperation>(bulkPath(id)).catch(() => null)));
    if (!list.isCurrent(mine)) {
      return;
    }
    const byId = new Map(fresh.filter((operation) => operation !== null).map((operation) => [operation.id, operation]));
    setItems((current) => current.map((operation) => byId.get(operation.id) ?? operation));
  });

  if (!canRun) {
    return (
      <>
        <PageTitle>{t('nav.bulk')}</PageTitle>
        <NoAccess text={t('bulk.noAccess')} />
      </>
    );
  }

  const changed = (message: string) => {
    setNotice(message);
    setActionError(null);
    list.reload();
  };

  const remove = (operation: BulkOperation) => {
    setActionError(null);
    api
      .delete(bulkPath(operation.id))
      .then(() => changed(t('bulk.removedOne', { name: operation.fileName })))
      .catch((caught: unknown) => setActionError(caught));
  };

  const clearAll = () => {
    setActionError(null);
    api
      .delete('/api/v1/bulk-operations')
      .then(() => changed(t('bulk.cleared')))
      .catch((caught: unknown) => setActionError(caught));
  };

  const columns: ItemsColumn<ColumnKey>[] = [
    { key: 'operation', name: t('bulk.column.operation'), width: '1.3fr' },
    { key: 'fileName', name: t('bulk.column.fileName'), width: '1.3fr' },
    { key: 'initiatedBy', name: t('bulk.column.initiatedBy'), width: '1.5fr' },
    { key: 'startedAt', name: t('bulk.column.startedAt'), width: 130 },
    { key: 'finishedAt', name: t('bulk.column.finishedAt'), width: 130 },
    { key: 'status', name: t('bulk.column.status'), width: 200 },
    { key: 'rows', name: t('bulk.column.rows'), width: 120 },
    { key: 'actions', name: t('bulk.column.actions'), width: 100 },
  ];

  const date = (value: string | null) => (value ? formatDate.format(new Date(value)) : '');

  const cellText = (operation: BulkOperation, key: ColumnKey): string => {
    switch (key) {
      case 'operation':
        if (operation.sourceSyncRunId) {
          return t('bulk.syncRunUndo');
        }
        return operation.group
          ? t('bulk.typeWithGroup', { type: t(typeKey(operation.type)), group: operation.group.name })
          : t(typeKey(operation.type));
      case 'fileName':
        return operation.fileName;
      case 'initiatedBy':
        return operation.initiatedBy.label ?? t('bulk.unknownInitiator');
      case 'startedAt':
        return date(operation.startedAt);
      case 'finishedAt':
        return date(operation.finishedAt);
      case 'status':
        return t(`bulk.status.${operation.status}`);
      case 'rows':
        return t('bulk.rowsCounts', {
          succeeded: formatNumber.format(operation.succeededRows),
          failed: formatNumber.format(operation.failedRows),
        });
      case 'actions':
        return t('bulk.remove.action');
    }
  };

  const cell = (operation: BulkOperation, key: ColumnKey): ReactNode => {
    if (key === 'status') {
      return (
        <Flex direction="column" gap="size-50" width="100%">
          <View>
            <StatusBadge operation={operation} />
          </View>
          <OperationProgress operation={operation} />
        </Flex>
      );
    }
    if (key === 'operation') {
      const text = cellText(operation, key);
      return (
        <Flex direction="column" gap="size-50" alignItems="start">
          <span data-column="operation">{text}</span>
          {operation.dryRun && <DryRunBadge />}
        </Flex>
      );
    }
    if (key === 'rows') {
      return (
        <span data-column="rows" title={cellText(operation, key)}>
          <span data-testid="bulk-succeeded">{formatNumber.format(operation.succeededRows)}</span>
          {' / '}
          <span data-testid="bulk-failed">{formatNumber.format(operation.failedRows)}</span>
        </span>
      );
    }
    if (key === 'actions') {
      return (
        <ConfirmButton
          label={t('bulk.remove.action')}
          ariaLabel={t('bulk.remove.ariaLabel', { name: operation.fileName })}
          title={t('bulk.remove.title')}
          text={t('bulk.remove.text', { name: operation.fileName })}
          onConfirm={() => remove(operation)}
          isQuiet
          isDisabled={isUnfinished(operation)}
          testId="bulk-remove"
        />
      );
    }
    const text = cellText(operation, key);
    return <TextCell text={text} column={key} />;
  };

  return (
    <ListPage
      title={t('nav.bulk')}
      testId="bulk"
      toolbarAlign="center"
      toolbar={<Text>{t('bulk.intro')}</Text>}
      actions={
        <>
          <Button variant="accent" onPress={() => setUploading(true)} data-testid="bulk-upload">
            {t('bulk.upload.button')}
          </Button>
          <ConfirmButton
            label={t('bulk.clear.action')}
            title={t('bulk.clear.title')}
            text={t('bulk.clear.text')}
            onConfirm={clearAll}
            buttonVariant="secondary"
            isDisabled={items.length === 0}
            testId="bulk-clear"
          />
        </>
      }
      notice={notice}
      onNoticeDismiss={() => setNotice(null)}
      loadFailedText={t('bulk.failed')}
      emptyText={t('bulk.empty')}
      emptyHint={t('bulk.emptyHint')}
      shownText={t('bulk.shown', { n: items.length })}
      loadMoreText={t('users.loadMore')}
      list={{ ...list, error: list.error ?? actionError }}
      columns={columns}
      table={{
        overflowMode: 'wrap',
        selectionMode: 'none',
        onAction: (key) => navigate(`/bulk/${encodeURIComponent(String(key))}`),
        itemKey: (operation) => operation.id,
        cell,
        cellText,
        rowHeight: ROW_HEIGHT,
      }}
    >
      <DialogContainer onDismiss={() => setUploading(false)}>
        {uploading && (
          <UploadDialog
            onUploaded={(_id, dryRun) => changed(dryRun ? t('bulk.upload.startedDryRun') : t('bulk.upload.started'))}
          />
        )}
      </DialogContainer>
    </ListPage>
  );
}
