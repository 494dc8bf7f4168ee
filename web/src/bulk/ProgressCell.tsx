import { Badge, Flex, ProgressBar, Text, useNumberFormatter } from '@adobe/react-spectrum';
import { useTranslation } from 'react-i18next';
import { statusKey, statusVariant } from './labels.ts';
import { type BulkOperation, isUnfinished } from './types.ts';

/** An operation's status as a badge. */
export function StatusBadge({ operation }: { operation: BulkOperation }) {
  const { t } = useTranslation();
  return (
    <Badge variant={statusVariant(operation.status)} data-testid="bulk-status" data-status={operation.status}>
      {t(statusKey(operation.status))}
    </Badge>
  );
}

/** The "Dry run" marker of an operation that changes nothing. */
export function DryRunBadge() {
  const { t } = useTranslation();
  return (
    <Badge variant="indigo" data-testid="bulk-dry-run">
      {t('bulk.dryRun')}
    </Badge>
  );
}

/** Rows done of all rows, as a bar (indeterminate until the file is counted). */
export function OperationProgress({ operation, width }: { operation: BulkOperation; width?: string }) {
  const { t } = useTranslation();
  const formatNumber = useNumberFormatter();
  if (!isUnfinished(operation)) {
    return null;
  }
  const total = operation.totalRows;
  const label =
    total === null
      ? t('bulk.progress.counting')
      : t('bulk.progress.rows', {
          done: formatNumber.format(operation.processedRows),
          total: formatNumber.format(total),
        });
  return (
    <Flex direction="column" gap="size-25" width={width ?? '100%'}>
      <ProgressBar
        aria-label={label}
        isIndeterminate={total === null || operation.status === 'queued'}
        value={total ? (100 * operation.processedRows) / total : 0}
        size="S"
        width="100%"
        data-testid="bulk-progress"
      />
      <Text data-testid="bulk-progress-text">{operation.status === 'queued' ? t('bulk.progress.queued') : label}</Text>
    </Flex>
  );
}
