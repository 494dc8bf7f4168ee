import {
  Flex,
  Heading,
  IllustratedMessage,
  Item,
  Picker,
  StatusLight,
  useNumberFormatter,
} from '@adobe/react-spectrum';
import { type ReactNode, useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { queryString } from '../api.ts';
import { TextCell } from '../components/ItemsTable.tsx';
import { PagedTable } from '../components/PagedTable.tsx';
import { usePagedList } from '../components/usePagedList.ts';
import { rowMessage, rowStatusKey } from './labels.ts';
import { type BulkRow, type BulkRowStatus, bulkPath } from './types.ts';

const ROW_HEIGHT = 50;

type Filter = 'all' | 'failed' | 'succeeded' | 'skipped';
type ColumnKey = 'rowNumber' | 'status' | 'key' | 'message';

function rowVariant(status: BulkRowStatus): 'positive' | 'negative' | 'neutral' | 'info' {
  switch (status) {
    case 'succeeded':
      return 'positive';
    case 'failed':
      return 'negative';
    case 'pending':
      return 'info';
    case 'skipped':
      return 'neutral';
  }
}

interface RowsTableProps {
  operationId: string;
  /** Changes whenever the operation made progress, so the first page is fetched again. */
  refreshKey: string;
  /** How many rows the operation has in all and of each outcome (its counters): the list's totals. */
  counts: Record<Filter, number>;
}

/** The rows of an operation: row number, status, key and message, filtered by outcome, cursor-paged. */
export function RowsTable({ operationId, refreshKey, counts }: RowsTableProps) {
  const { t } = useTranslation();
  const number = useNumberFormatter();
  const [filter, setFilter] = useState<Filter>('all');
  const list = usePagedList<BulkRow>(
    `${bulkPath(operationId)}/rows${queryString({ status: filter === 'all' ? undefined : filter })}`,
  );
  const { items } = list;

  // biome-ignore lint/correctness/useExhaustiveDependencies: `refreshKey` is the trigger; the first page only.
  useEffect(() => {
    list.refresh();
  }, [refreshKey]);

  const columns: { key: ColumnKey; name: string; width: number | `${number}fr` }[] = [
    { key: 'rowNumber', name: t('bulk.rows.column.rowNumber'), width: 90 },
    { key: 'status', name: t('bulk.rows.column.status'), width: 150 },
    { key: 'key', name: t('bulk.rows.column.key'), width: '1.3fr' },
    { key: 'message', name: t('bulk.rows.column.message'), width: '3fr' },
  ];

  const cellText = (row: BulkRow, key: ColumnKey): string => {
    switch (key) {
      case 'rowNumber':
        return String(row.rowNumber);
      case 'status':
        return t(rowStatusKey(row.status));
      case 'key':
        return row.key ?? '';
      case 'message':
        return rowMessage(t, row);
    }
  };

  const cell = (row: BulkRow, key: ColumnKey): ReactNode => {
    const text = cellText(row, key);
    if (key === 'status') {
      return (
        <StatusLight variant={rowVariant(row.status)} data-column="status">
          {text}
        </StatusLight>
      );
    }
    return <TextCell text={text} column={key} />;
  };

  return (
    <Flex direction="column" gap="size-150">
      <Flex alignItems="end" justifyContent="space-between" wrap gap="size-150">
        <Heading level={2} margin={0}>
          {t('bulk.rows.title')}
        </Heading>
        <Picker
          label={t('bulk.rows.filter')}
          labelPosition="side"
          selectedKey={filter}
          onSelectionChange={(key) => setFilter(key as Filter)}
          data-testid="bulk-rows-filter"
        >
          <Item key="all">{t('bulk.rows.filterAll')}</Item>
          <Item key="failed">{t('bulk.rows.filterFailed')}</Item>
          <Item key="succeeded">{t('bulk.rows.filterSucceeded')}</Item>
          <Item key="skipped">{t('bulk.rows.filterSkipped')}</Item>
        </Picker>
      </Flex>
      <PagedTable
        aria-label={t('bulk.rows.title')}
        testId="bulk-rows"
        overflowMode="wrap"
        selectionMode="none"
        renderEmptyState={() => (
          <IllustratedMessage>
            <Heading>{filter === 'all' ? t('bulk.rows.empty') : t('bulk.rows.noMatch')}</Heading>
          </IllustratedMessage>
        )}
        columns={columns}
        items={items}
        itemKey={(row) => row.rowNumber}
        cell={cell}
        cellText={cellText}
        paging={{ loading: list.loading, hasMore: list.hasMore, onLoadMore: list.loadMore, error: list.error }}
        rowHeight={ROW_HEIGHT}
        maxHeight="60vh"
        loadFailedText={t('bulk.rows.loadFailed')}
        shownText={t('bulk.rows.shownOf', { n: items.length, total: number.format(counts[filter]) })}
        loadMoreText={t('users.loadMore')}
      />
    </Flex>
  );
}
