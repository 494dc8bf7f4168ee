import {
  Cell,
  Column,
  Content,
  Flex,
  Heading,
  InlineAlert,
  Row,
  TableBody,
  TableHeader,
  TableView,
  useNumberFormatter,
} from '@adobe/react-spectrum';
import { useTranslation } from 'react-i18next';
import type { BulkDeficit } from './types.ts';

type ColumnKey = 'product' | 'seats' | 'used' | 'needed';

/** The license deficit report: per product, its seats, how many are used, and how many more are needed. */
export function DeficitTable({ deficits, dryRun }: { deficits: BulkDeficit[]; dryRun: boolean }) {
  const { t } = useTranslation();
  const formatNumber = useNumberFormatter();
  const columns: { key: ColumnKey; name: string }[] = [
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
      <TableView aria-label={t('bulk.deficits.title')} data-testid="bulk-deficits-table" selectionMode="none">
        <TableHeader columns={columns}>{(column) => <Column key={column.key}>{column.name}</Column>}</TableHeader>
        <TableBody items={deficits.map((deficit) => ({ ...deficit, key: deficit.productId }))}>
          {(deficit) => (
            <Row key={deficit.productId}>
              {(key) => (
                <Cell textValue={text(deficit, key as ColumnKey)}>
                  <span data-column={String(key)}>{text(deficit, key as ColumnKey)}</span>
                </Cell>
              )}
            </Row>
          )}
        </TableBody>
      </TableView>
    </Flex>
  );
}
