import { Flex, Heading, IllustratedMessage } from '@adobe/react-spectrum';
import type { ReactNode } from 'react';
import type { ItemsColumn, ItemsTableProps } from './ItemsTable.tsx';
import { PagedTable } from './PagedTable.tsx';
import { PageTitle } from './PageTitle.tsx';
import { Toast } from './Toast.tsx';
import type { PagedList } from './usePagedList.ts';

interface ListPageProps<T, K extends string> {
  title: string;
  /**
   * Prefix of the page's test ids: `<testId>-table`, `-shown`, `-load-more`, `-notice`, `-error`.
   */
  testId: string;
  /** Beside the title (an export link). */
  headerEnd?: ReactNode;
  /** Under the title: an introduction, a warning. */
  intro?: ReactNode;
  /** The search field and filters. */
  toolbar?: ReactNode;
  /** The page's actions, at the end of the toolbar's row. */
  actions?: ReactNode;
  /** A success message of the last action, shown as a toast. */
  notice?: string | null;
  /** Clears the success message (its toast was dismissed or hid). */
  onNoticeDismiss?: () => void;
  loadFailedText: string;
  emptyText: string;
  shownText: string;
  loadMoreText: string;
  list: PagedList<T>;
  columns: ItemsColumn<K>[];
  /** The table's other props (cells, selection, sorting, row actions). */
  table: Omit<ItemsTableProps<T, K>, 'columns' | 'items' | 'loading' | 'data-testid' | 'aria-label'>;
  /** Dialogs of the page. */
  children?: ReactNode;
}

/**
 * The console's one list page: title, search and filters with the page's actions, a success
 * message, a load error, the table of items and the "Load more" footer.
 */
export function ListPage<T, K extends string>(props: ListPageProps<T, K>) {
  const { list } = props;
  return (
    <Flex direction="column" gap="size-200">
      <Flex justifyContent="space-between" alignItems="center" wrap gap="size-200">
        <PageTitle>{props.title}</PageTitle>
        {props.headerEnd}
      </Flex>
      {props.intro}
      {(props.toolbar || props.actions) && (
        <Flex gap="size-150" wrap alignItems="end" justifyContent="space-between">
          <Flex gap="size-150" wrap alignItems="end">
            {props.toolbar}
          </Flex>
          {props.actions && (
            <Flex gap="size-100" wrap>
              {props.actions}
            </Flex>
          )}
        </Flex>
      )}
      <Toast message={props.notice} onDismiss={() => props.onNoticeDismiss?.()} testId={`${props.testId}-notice`} />
      <PagedTable
        overflowMode="truncate"
        renderEmptyState={() => (
          <IllustratedMessage>
            <Heading>{props.emptyText}</Heading>
          </IllustratedMessage>
        )}
        {...props.table}
        aria-label={props.title}
        testId={props.testId}
        columns={props.columns}
        items={list.items}
        paging={{ loading: list.loading, hasMore: list.hasMore, onLoadMore: list.loadMore, error: list.error }}
        loadFailedText={props.loadFailedText}
        shownText={props.shownText}
        loadMoreText={props.loadMoreText}
      />
      {props.children}
    </Flex>
  );
}
