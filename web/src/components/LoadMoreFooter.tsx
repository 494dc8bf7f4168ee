import { Button, Flex, Text } from '@adobe/react-spectrum';

/** The footer of a cursor-paged list: how many rows are shown, and "Load more" while there are more. */
export function LoadMoreFooter(props: {
  /** Prefix of the test ids: `<prefix>-shown` and `<prefix>-load-more`. */
  testId: string;
  shownText: string;
  loadMoreText: string;
  hasMore: boolean;
  loading: boolean;
  onLoadMore: () => void;
}) {
  return (
    <Flex alignItems="center" gap="size-200">
      <Text data-testid={`${props.testId}-shown`}>{props.shownText}</Text>
      {props.hasMore && (
        <Button
          variant="secondary"
          isPending={props.loading}
          onPress={props.onLoadMore}
          data-testid={`${props.testId}-load-more`}
        >
          {props.loadMoreText}
        </Button>
      )}
    </Flex>
  );
}
