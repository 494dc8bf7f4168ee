import { Button, Form, useDialogContainer } from '@adobe/react-spectrum';
import { type ComponentProps, type FormEvent, type ReactNode, useState } from 'react';
import { DialogFrame } from './DialogFrame.tsx';
import { FormError } from './FormError.tsx';
import type { ServerErrors } from './useServerErrors.ts';

interface FormDialogProps {
  /** The form's id (the submit button in the dialog's footer names it). */
  formId: string;
  size?: 'S' | 'M' | 'L';
  /** A width of its own (a wide review table), else the size's. */
  width?: string;
  testId: string;
  title: ReactNode;
  /** The failure above the form (a FormError), if any. */
  error?: ReactNode;
  /**
   * Or the form's server errors, shown above it as a FormError: the failure and the problems of the
   * fields the form does not show next to themselves (`shown` are).
   */
  serverErrors?: {
    errors: Pick<ServerErrors, 'error' | 'rest'>;
    title: string;
    testId: string;
    shown: readonly string[];
  };
  /** Between the failure and the form: a notice, or a choice that shapes the form. */
  intro?: ReactNode;
  /** Under the form: what the saved form gives (values to copy). */
  outro?: ReactNode;
  /** The form's accessible name, where the dialog's heading is not enough. */
  formLabel?: string;
  /**
   * `aria` where the dialog checks its fields itself and says what is missing (a file, a group):
   * the browser's own validation stays off. Default `native`.
   */
  validationBehavior?: 'native' | 'aria';
  onSubmit: (event: FormEvent<HTMLFormElement>) => void;
  /** The dismiss button's label: Cancel, or Done where a save keeps the dialog open. */
  cancelLabel?: string;
  /** Buttons between the dismiss button and the submit button (a test of what was saved). */
  actions?: ReactNode;
  submitLabel: string;
  submitTestId: string;
  /** `negative` for a submit that removes or deletes. */
  submitVariant?: 'accent' | 'negative';
  /** Nothing to send yet (nothing chosen or changed). */
  submitDisabled?: boolean;
  pending: boolean;
  /** The fields. */
  children: ComponentProps<typeof Form>['children'];
}

/**
 * A dialog around one form: heading, the failure, the fields, and Cancel and the submit button
 * (pending while the call runs) in a {@link DialogFrame}. The console's one form dialog.
 */
export function FormDialog(props: FormDialogProps) {
  return (
    <DialogFrame
      size={props.size}
      width={props.width}
      testId={props.testId}
      title={props.title}
      dismissLabel={props.cancelLabel}
      dismissDisabled={props.pending}
      buttons={
        <>
          {props.actions}
          <Button
            variant={props.submitVariant ?? 'accent'}
            type="submit"
            form={props.formId}
            isPending={props.pending}
            isDisabled={props.submitDisabled}
            data-testid={props.submitTestId}
          >
            {props.submitLabel}
          </Button>
        </>
      }
    >
      {props.error}
      {props.serverErrors && (
        <FormError
          title={props.serverErrors.title}
          error={props.serverErrors.errors.error}
          rest={props.serverErrors.errors.rest(props.serverErrors.shown)}
          testId={props.serverErrors.testId}
        />
      )}
      {props.intro}
      <Form
        id={props.formId}
        onSubmit={props.onSubmit}
        validationBehavior={props.validationBehavior ?? 'native'}
        aria-label={props.formLabel}
      >
        {props.children}
      </Form>
      {props.outro}
    </DialogFrame>
  );
}

/**
 * Submitting a dialog's form: the call runs once, pending meanwhile; its answer goes to `done` and
 * the dialog closes (unless `close` is false: `done` shows the next dialog, or the saved values);
 * a failure is kept in `error`, or in the form's server errors when given.
 * @param errors the form's server errors, when its fields show their own problems
 * @returns the failure and pending state, `submit` for the form, `run` for another button's call,
 *   and `reset` to forget the failure (a field it was about changed)
 */
export function useDialogSubmit(errors?: Pick<ServerErrors, 'fail' | 'reset'>) {
  const { dismiss } = useDialogContainer();
  const [error, setError] = useState<unknown>(null);
  const [pending, setPending] = useState(false);
  const reset = () => {
    if (errors) {
      errors.reset();
    } else {
      setError(null);
    }
  };
  /**
   * @param fail records the failure instead (server errors named by the form's own rows)
   */
  const run = <T,>(
    call: () => Promise<T>,
    done: (answer: T) => void,
    close = true,
    fail?: (caught: unknown) => void,
  ) => {
    reset();
    setPending(true);
    call()
      .then((answer) => {
        done(answer);
        if (close) {
          dismiss();
        } else {
          setPending(false);
        }
      })
      .catch((caught: unknown) => {
        if (fail) {
          fail(caught);
        } else if (errors) {
          errors.fail(caught);
        } else {
          setError(caught);
        }
        setPending(false);
      });
  };
  const submit = <T,>(
    event: FormEvent<HTMLFormElement>,
    call: () => Promise<T>,
    done: (answer: T) => void,
    close = true,
    fail?: (caught: unknown) => void,
  ) => {
    event.preventDefault();
    run(call, done, close, fail);
  };
  return { error, pending, submit, run, reset };
}
