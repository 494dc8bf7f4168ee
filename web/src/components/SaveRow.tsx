import { Button, Flex } from '@adobe/react-spectrum';
import { useTranslation } from 'react-i18next';

/**
 * A settings form's Save button with the "Saved." status beside it.
 * @param testId prefix of the test ids: `<testId>-save` and `<testId>-saved`
 */
export function SaveRow(props: { changed: boolean; pending: boolean; saved: string | null; testId: string }) {
  const { t } = useTranslation();
  return (
    <Flex alignItems="center" gap="size-200" marginTop="size-100">
      <Button
        type="submit"
        variant="accent"
        isDisabled={!props.changed}
        isPending={props.pending}
        data-testid={`${props.testId}-save`}
      >
        {t('common.save')}
      </Button>
      {props.saved !== null && (
        <span role="status" data-testid={`${props.testId}-saved`}>
          {props.saved}
        </span>
      )}
    </Flex>
  );
}
