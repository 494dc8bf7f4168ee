import { Button, Content, Flex, Heading, IllustratedMessage, Text } from '@adobe/react-spectrum';
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
  /** How the toolbar's row lines up its contents: at their bottom (a labelled field) or their middle (a text). */
  toolbarAlign?: 'end' | 'center';
  /** Under the toolbar: what the selection means (a {@link SelectMatchingBar}, a hint). */
  selectionBar?: ReactNode;
  /** Under the toolbar and the selection: the list's filters. */
  filters?: ReactNode;
  /** Failures of the page's own actions, shown above the table's load error. */
  alerts?: ReactNode;
  /** A success message of the last action, shown as a toast. */
  notice?: string | null;
  /** Clears the success message (its toast was dismissed or hid). */
  onNoticeDismiss?: () => void;
  loadFailedText: string;
  emptyText: string;
  /** Under `emptyText`: what to do (upload the first file). */
  emptyHint?: string;
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
 * The console's one list page: title, search with the page's actions, what a selection means,
 * filters, a success message, the failures of actions and of the load, the table of items (with
 * selection and sortable headers through `table`) and the "Load more" footer with the number shown.
 */
export function ListPage<T, K extends string>(props: ListPageProps<T, K>) {
  const { list, toolbarAlign = 'end' } = props;
  return (
    <Flex direction="column" gap="size-200">
      <Flex justifyContent="space-between" alignItems="center" wrap gap="size-200">
        <PageTitle>{props.title}</PageTitle>
        {props.headerEnd}
      </Flex>
      {props.intro}
      {(props.toolbar || props.actions) && (
        <Flex gap="size-150" wrap alignItems={toolbarAlign} justifyContent="space-between">
          <Flex gap="size-150" wrap alignItems={toolbarAlign}>
            {props.toolbar}
          </Flex>
          {props.actions && (
            <Flex gap="size-100" wrap>
              {props.actions}
            </Flex>
          )}
        </Flex>
      )}
      {props.selectionBar}
      {props.filters}
      <Toast message={props.notice} onDismiss={() => props.onNoticeDismiss?.()} testId={`${props.testId}-notice`} />
      {props.alerts}
      <PagedTable
        overflowMode="truncate"
        renderEmptyState={() => (
          <IllustratedMessage>
            <Heading>{props.emptyText}</Heading>
            {props.emptyHint && <Content>{props.emptyHint}</Content>}
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

/**
 * "Select all N matching" under a list whose header checkbox selected every row loaded while more
 * rows match: offers the whole match (the actions then take the list's search and filters instead
 * of ids), or says it is too many to act on, and once taken says so with a way back.
 * Test ids: `<testId>-select-matching-bar`, `-select-matching`, `-matching-selected`, `-matching-clear`,
 * `-matching-too-many`.
 */
export function SelectMatchingBar(props: {
  testId: string;
  /** The whole match is selected. */
  allSelected: boolean;
  /** The rows shown are selected (before taking the whole match). */
  pageSelectedText: string;
  /** Offers the whole match; null where it cannot be taken (the count is a lower bound). */
  selectAllText: string | null;
  /** Why the whole match cannot be taken (`selectAllText` null). */
  tooManyText: string;
  allSelectedText: string;
  clearText: string;
  onSelectAll: () => void;
  onClear: () => void;
}) {
  const { testId } = props;
  return (
    <Flex gap="size-150" alignItems="center" wrap data-testid={`${testId}-select-matching-bar`}>
      {props.allSelected ? (
        <>
          <Text data-testid={`${testId}-matching-selected`}>{props.allSelectedText}</Text>
          <Button variant="secondary" onPress={props.onClear} data-testid={`${testId}-matching-clear`}>
            {props.clearText}
          </Button>
        </>
      ) : (
        <>
          <Text>{props.pageSelectedText}</Text>
          {props.selectAllText !== null ? (
            <Button variant="secondary" onPress={props.onSelectAll} data-testid={`${testId}-select-matching`}>
              {props.selectAllText}
            </Button>
          ) : (
            <Text data-testid={`${testId}-matching-too-many`}>{props.tooManyText}</Text>
          )}
        </>
      )}
    </Flex>
  );
}
