import { Cell, Column, Row, type SpectrumTableProps, TableBody, TableHeader, TableView } from '@adobe/react-spectrum';
import type { Key, ReactNode } from 'react';

/** One column of an {@link ItemsTable}. */
export interface ItemsColumn<K extends string> {
  key: K;
  name: string;
  width: number | `${number}fr`;
  sortable?: boolean;
}

const HEADER_HEIGHT = 34;

/**
 * The console's list table: one row per item, one cell per column, rendered by `cell` (with
 * `cellText` for screen readers and type-ahead), and a height that fits the rows up to `maxHeight`
 * so a short list does not leave an empty box. Everything else (selection, sorting, row actions,
 * the empty state) is TableView's own props, passed through.
 */
export function ItemsTable<T, K extends string>(
  props: {
    columns: ItemsColumn<K>[];
    items: T[];
    itemKey: (item: T) => Key;
    cell: (item: T, key: K) => ReactNode;
    cellText: (item: T, key: K) => string;
    /** True while the first page loads (the table shows a spinner). */
    loading: boolean;
    rowHeight: number;
    maxHeight?: string;
    'data-testid'?: string;
  } & Omit<SpectrumTableProps<T>, 'children' | 'height'>,
) {
  const { columns, items, itemKey, cell, cellText, loading, rowHeight, maxHeight = '70vh', ...tableProps } = props;
  return (
    <TableView
      minHeight="size-2400"
      {...tableProps}
      height={`min(${maxHeight}, ${HEADER_HEIGHT + Math.max(items.length, 4) * rowHeight + 8}px)`}
    >
      <TableHeader columns={columns}>
        {(column) => (
          <Column key={column.key} width={column.width} allowsSorting={column.sortable}>
            {column.name}
          </Column>
        )}
      </TableHeader>
      <TableBody loadingState={loading ? 'loading' : 'idle'}>
        {items.map((item) => {
          const key = itemKey(item);
          return (
            <Row key={key}>
              {columns.map((column) => (
                <Cell key={`${String(key)}:${column.key}`} textValue={cellText(item, column.key)}>
                  {cell(item, column.key)}
                </Cell>
              ))}
            </Row>
          );
        })}
      </TableBody>
    </TableView>
  );
}
