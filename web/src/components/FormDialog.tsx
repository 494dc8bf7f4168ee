import {
  Button,
  ButtonGroup,
  Content,
  Dialog,
  Divider,
  Form,
  Heading,
  useDialogContainer,
} from '@adobe/react-spectrum';
import { type ComponentProps, type FormEvent, type ReactNode, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { ServerErrors } from './useServerErrors.ts';

interface FormDialogProps {
  /** The form's id (the submit button in the dialog's footer names it). */
  formId: string;
  size?: 'S' | 'M' | 'L';
  testId: string;
  title: ReactNode;
  /** The failure above the form (a FormError), if any. */
  error?: ReactNode;
  /** The form's accessible name, where the dialog's heading is not enough. */
  formLabel?: string;
  onSubmit: (event: FormEvent<HTMLFormElement>) => void;
  submitLabel: string;
  submitTestId: string;
  /** `negative` for a submit that removes or deletes. */
  submitVariant?: 'accent' | 'negative';
  pending: boolean;
  /** The fields. */
  children: ComponentProps<typeof Form>['children'];
}

/**
 * A dialog around one form: heading, the failure, the fields, and Cancel and the submit button
 * (pending while the call runs). The console's one form dialog.
 */
export function FormDialog(props: FormDialogProps) {
  const { t } = useTranslation();
  const { dismiss } = useDialogContainer();
  return (
    <Dialog size={props.size ?? 'M'} data-testid={props.testId}>
      <Heading>{props.title}</Heading>
      <Divider />
      <Content>
        {props.error}
        <Form id={props.formId} onSubmit={props.onSubmit} validationBehavior="native" aria-label={props.formLabel}>
          {props.children}
        </Form>
      </Content>
      <ButtonGroup>
        <Button variant="secondary" onPress={dismiss} isDisabled={props.pending}>
          {t('common.cancel')}
        </Button>
        <Button
          variant={props.submitVariant ?? 'accent'}
          type="submit"
          form={props.formId}
          isPending={props.pending}
          data-testid={props.submitTestId}
        >
          {props.submitLabel}
        </Button>
      </ButtonGroup>
    </Dialog>
  );
}

/**
 * Submitting a dialog's form: the call runs once, pending meanwhile; its answer goes to `done` and
 * the dialog closes (unless `close` is false: `done` shows the next dialog); a failure is kept in
 * `error`, or in the form's server errors when given.
 */
export function useDialogSubmit(errors?: Pick<ServerErrors, 'fail' | 'reset'>) {
  const { dismiss } = useDialogContainer();
  const [error, setError] = useState<unknown>(null);
  const [pending, setPending] = useState(false);
  const submit = <T,>(
    event: FormEvent<HTMLFormElement>,
    call: () => Promise<T>,
    done: (answer: T) => void,
    close = true,
  ) => {
    event.preventDefault();
    if (errors) {
      errors.reset();
    } else {
      setError(null);
    }
    setPending(true);
    call()
      .then((answer) => {
        done(answer);
        if (close) {
          dismiss();
        }
      })
      .catch((caught: unknown) => {
        if (errors) {
          errors.fail(caught);
        } else {
          setError(caught);
        }
        setPending(false);
      });
  };
  return { error, pending, submit };
}
