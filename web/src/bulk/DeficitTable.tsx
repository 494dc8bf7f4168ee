import { Content, Flex, Heading, InlineAlert, useNumberFormatter } from '@adobe/react-spectrum';
import { useTranslation } from 'react-i18next';
import { type ItemsColumn, ItemsTable, TextCell } from '../components/ItemsTable.tsx';
import type { BulkDeficit } from './types.ts';

type ColumnKey = 'product' | 'seats' | 'used' | 'needed';

/** A Spectrum table's row height at regular density. */
const ROW_HEIGHT = 40;

/** The license deficit report: per product, its seats, how many are used, and how many more are needed. */
export function DeficitTable({ deficits, dryRun }: { deficits: BulkDeficit[]; dryRun: boolean }) {
  const { t } = useTranslation();
  const formatNumber = useNumberFormatter();
  const columns: ItemsColumn<ColumnKey>[] = [
    { key: 'product', name: t('bulk.deficits.column.product') },
    { key: 'seats', name: t('bulk.deficits.column.seats') },
    { key: 'used', name: t('bulk.deficits.column.used') },
    { key: 'needed', name: t('bulk.deficits.column.needed') },
  ];
  const text = (deficit: BulkDeficit, key: ColumnKey): string =>
    key === 'product' ? deficit.productName : formatNumber.format(deficit[key]);
  return (
    <Flex direction="column" gap="size-150" data-testid="bulk-deficits">
      <InlineAlert variant="notice">
        <Heading>{t('bulk.deficits.title')}</Heading>
        <Content>{dryRun ? t('bulk.deficits.textDryRun') : t('bulk.deficits.text')}</Content>
      </InlineAlert>
      <ItemsTable
        aria-label={t('bulk.deficits.title')}
        data-testid="bulk-deficits-table"
        selectionMode="none"
        columns={columns}
        items={deficits}
        itemKey={(deficit) => deficit.productId}
        cell={(deficit, key) => <TextCell text={text(deficit, key)} column={key} />}
        cellText={text}
        loading={false}
        rowHeight={ROW_HEIGHT}
        minRows={1}
        maxHeight="size-3600"
      />
    </Flex>
  );
}
