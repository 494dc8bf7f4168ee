import { Button, DialogContainer, Flex, Heading, IllustratedMessage, Text } from '@adobe/react-spectrum';
import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { ConfirmButton } from '../components/ConfirmButton.tsx';
import { type ItemsColumn, ItemsTable } from '../components/ItemsTable.tsx';

const ROW_HEIGHT = 49;

/** The confirmed per-row removal of an {@link AssignedTab}. */
interface RemoveAction<T> {
  label: string;
  ariaLabel: (item: T) => string;
  title: string;
  text: (item: T) => string;
  testId: string;
  /** The width of the actions column. */
  width: number;
  onConfirm: (item: T) => void;
}

interface AssignedTabProps<T extends { id: string }, K extends string> {
  intro: string;
  /** The table's accessible name and test id. */
  label: string;
  testId: string;
  empty: string;
  items: T[];
  columns: ItemsColumn<K>[];
  cell: (item: T, key: K) => ReactNode;
  cellText: (item: T, key: K) => string;
  /** The button that opens the adding dialog and the row removal; null for who may only look. */
  change: { label: string; testId: string; onPress: () => void; remove: RemoveAction<T> } | null;
  /** The adding dialog while it is open. */
  dialog: ReactNode;
  onDismiss: () => void;
}

/**
 * A group tab listing what is assigned to the group (its admins, its product profiles): an intro
 * with the button that adds more, the table with a confirmed removal on each row, and the dialog.
 */
export function AssignedTab<T extends { id: string }, K extends string>({
  intro,
  label,
  testId,
  empty,
  items,
  columns,
  cell,
  cellText,
  change,
  dialog,
  onDismiss,
}: AssignedTabProps<T, K>) {
  const { t } = useTranslation();
  const remove = change?.remove;
  const withActions: ItemsColumn<K | 'actions'>[] = remove
    ? [...columns, { key: 'actions', name: t('products.column.actions'), width: remove.width, hideHeader: true }]
    : columns;
  return (
    <Flex direction="column" gap="size-200">
      <Flex gap="size-150" wrap alignItems="center" justifyContent="space-between">
        <Text>{intro}</Text>
        {change && (
          <Button variant="accent" onPress={change.onPress} data-testid={change.testId}>
            {change.label}
          </Button>
        )}
      </Flex>
      <ItemsTable<T, K | 'actions'>
        aria-label={label}
        data-testid={testId}
        columns={withActions}
        items={items}
        itemKey={(item) => item.id}
        cell={(item, key) =>
          key !== 'actions' ? (
            cell(item, key)
          ) : remove ? (
            <ConfirmButton
              isQuiet
              label={remove.label}
              ariaLabel={remove.ariaLabel(item)}
              title={remove.title}
              text={remove.text(item)}
              onConfirm={() => remove.onConfirm(item)}
              testId={remove.testId}
            />
          ) : null
        }
        cellText={(item, key) => (key === 'actions' ? '' : cellText(item, key))}
        loading={false}
        rowHeight={ROW_HEIGHT}
        minRows={2}
        maxHeight={null}
        renderEmptyState={() => (
          <IllustratedMessage>
            <Heading level={2}>{empty}</Heading>
          </IllustratedMessage>
        )}
      />
      <DialogContainer onDismiss={onDismiss}>{dialog}</DialogContainer>
    </Flex>
  );
}
