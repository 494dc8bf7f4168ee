import { Content, Heading, InlineAlert } from '@adobe/react-spectrum';
import { useTranslation } from 'react-i18next';
import { errorMessage } from '../errors.ts';
import { ItemsTable, type ItemsTableProps } from './ItemsTable.tsx';
import { LoadMoreFooter } from './LoadMoreFooter.tsx';

/** The paging state of a {@link PagedTable}. */
export interface Paging {
  /** 'first' while the first page loads (the table shows a spinner), 'more' while a next one does. */
  loading: 'first' | 'more' | null;
  hasMore: boolean;
  onLoadMore: () => void;
  /** The last failed load, or null. */
  error: unknown;
}

export type PagedTableProps<T, K extends string> = Omit<ItemsTableProps<T, K>, 'loading' | 'data-testid'> & {
  /** Prefix of the test ids: `<testId>-table`, `-error`, `-shown`, `-load-more`. */
  testId: string;
  paging: Paging;
  loadFailedText: string;
  shownText: string;
  loadMoreText: string;
};

/**
 * A cursor-paged list: the failure of the last load, the table of the items loaded so far and the
 * footer with their number and "Load more". The table of every list page and paged tab.
 */
export function PagedTable<T, K extends string>(props: PagedTableProps<T, K>) {
  const { t } = useTranslation();
  const { testId, paging, loadFailedText, shownText, loadMoreText, ...tableProps } = props;
  return (
    <>
      {paging.error !== null && (
        <InlineAlert variant="negative" data-testid={`${testId}-error`}>
          <Heading>{loadFailedText}</Heading>
          <Content>{errorMessage(t, paging.error)}</Content>
        </InlineAlert>
      )}
      <ItemsTable {...tableProps} data-testid={`${testId}-table`} loading={paging.loading === 'first'} />
      <LoadMoreFooter
        testId={testId}
        shownText={shownText}
        loadMoreText={loadMoreText}
        hasMore={paging.hasMore}
        loading={paging.loading === 'more'}
        onLoadMore={paging.onLoadMore}
      />
    </>
  );
}
