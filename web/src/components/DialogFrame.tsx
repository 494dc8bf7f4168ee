import { Button, ButtonGroup, Content, Dialog, Divider, Heading, useDialogContainer } from '@adobe/react-spectrum';
import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';

export interface DialogFrameProps {
  size?: 'S' | 'M' | 'L';
  /** A width of its own (a wide review table), else the size's. */
  width?: string;
  testId: string;
  title: ReactNode;
  /** What the dialog shows. */
  children: ReactNode;
  /** The footer's buttons after the dismiss button. */
  buttons?: ReactNode;
  /** The dismiss button's label: Cancel, or Done where the dialog's work is saved as it goes. */
  dismissLabel?: string;
  /** `accent` where dismissing is the dialog's one way out (Done). */
  dismissVariant?: 'secondary' | 'accent';
  dismissTestId?: string;
  /** While a call runs. */
  dismissDisabled?: boolean;
}

/**
 * The console's dialog frame: heading, divider, content and the footer with the dismiss button
 * (Cancel unless named) and the dialog's own buttons. FormDialog is a frame around one form.
 */
export function DialogFrame(props: DialogFrameProps) {
  const { t } = useTranslation();
  const { dismiss } = useDialogContainer();
  return (
    <Dialog size={props.size ?? 'M'} width={props.width} data-testid={props.testId}>
      <Heading>{props.title}</Heading>
      <Divider />
      <Content>{props.children}</Content>
      <ButtonGroup>
        <Button
          variant={props.dismissVariant ?? 'secondary'}
          onPress={dismiss}
          isDisabled={props.dismissDisabled}
          data-testid={props.dismissTestId}
        >
          {props.dismissLabel ?? t('common.cancel')}
        </Button>
        {props.buttons}
      </ButtonGroup>
    </Dialog>
  );
}
