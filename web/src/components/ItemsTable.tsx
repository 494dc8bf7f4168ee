import { Cell, Column, Row, type SpectrumTableProps, TableBody, TableHeader, TableView } from '@adobe/react-spectrum';
import type { Key, ReactNode } from 'react';

/** One column of an {@link ItemsTable}. */
export interface ItemsColumn<K extends string> {
  key: K;
  name: string;
  /** Its width; none: the columns without one share what is left equally. */
  width?: number | `${number}fr`;
  sortable?: boolean;
  /** A column whose header says nothing visible (row actions); its name stays for screen readers. */
  hideHeader?: boolean;
}

/** The height of a Spectrum table's header row (regular and compact density). */
const HEADER_HEIGHT = 34;

/**
 * The height of a table that fits its rows (at least `minRows`, so an empty one shows its empty
 * state) and, given `max`, stops growing there and scrolls: every table of the console is sized so.
 * `max` may be a Spectrum size (`size-6000`): TableView's `height` goes through Spectrum's
 * dimension helper, which turns the sizes inside a CSS function such as `min()` into their
 * `var(--spectrum-global-dimension-…)` values (test/browser/products-profiles.e2e.ts checks it).
 */
export function tableHeight(rows: number, rowHeight: number, minRows = 2, max?: string): string {
  const fitted = `${HEADER_HEIGHT + Math.max(rows, minRows) * rowHeight + 8}px`;
  return max ? `min(${max}, ${fitted})` : fitted;
}

/** The props of an {@link ItemsTable}: its own and TableView's. */
export type ItemsTableProps<T, K extends string> = {
  columns: ItemsColumn<K>[];
  items: T[];
  itemKey: (item: T) => Key;
  cell: (item: T, key: K) => ReactNode;
  cellText: (item: T, key: K) => string;
  /** True while the first page loads (the table shows a spinner). */
  loading: boolean;
  rowHeight: number;
  /** The rows an empty or short table keeps room for: 4 for a list page, 2 for a short list in a page. */
  minRows?: number;
  /** Where the table stops growing and scrolls: a CSS length or a Spectrum size (`size-6000`); null: it grows with its rows. */
  maxHeight?: string | null;
  'data-testid'?: string;
} & Omit<SpectrumTableProps<T>, 'children' | 'height' | 'maxHeight'>;

/**
 * The console's list table: one row per item, one cell per column, rendered by `cell` (with
 * `cellText` for screen readers and type-ahead), and a height that fits the rows up to `maxHeight`
 * so a short list does not leave an empty box. Everything else (selection, sorting, row actions,
 * the empty state) is TableView's own props, passed through.
 */
export function ItemsTable<T, K extends string>(props: ItemsTableProps<T, K>) {
  const {
    columns,
    items,
    itemKey,
    cell,
    cellText,
    loading,
    rowHeight,
    minRows = 4,
    maxHeight = '70vh',
    ...tableProps
  } = props;
  return (
    <TableView
      minHeight={minRows >= 4 ? 'size-2400' : undefined}
      {...tableProps}
      height={tableHeight(items.length, rowHeight, minRows, maxHeight ?? undefined)}
    >
      <TableHeader columns={columns}>
        {(column) => (
          <Column key={column.key} width={column.width} allowsSorting={column.sortable} hideHeader={column.hideHeader}>
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

/**
 * A cell that shows its text on one line, whole in its tooltip (a truncated cell), its column
 * named for tests (`data-column`).
 * @param empty what stands for no text (a dash by default)
 */
export function TextCell({ text, column, empty = '—' }: { text: string; column: string; empty?: string }) {
  return (
    <span title={text} data-column={column}>
      {text || empty}
    </span>
  );
}
